import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_OPTIONS, initEnhancedMonitoring, MonitoringConfigError } from '../src/index.ts';
import { resolveOptions } from '../src/options.ts';

test('defaults are explicit and the result is frozen', () => {
  const o = resolveOptions({});
  assert.equal(o.port, 8000);
  assert.equal(o.host, '127.0.0.1');
  assert.equal(o.modelMetricsInterval, 300);
  assert.equal(o.serviceName, 'evil2root-bot');
  assert.equal(o.strict, false);
  assert.equal(o.maxSeriesPerMetric, 2000);
  assert.deepEqual(o, DEFAULT_OPTIONS);
  assert.ok(Object.isFrozen(o));
  assert.equal(resolveOptions({ port: undefined }).port, 8000, 'undefined means default');
});

test('valid options are taken as given', () => {
  const o = resolveOptions({ port: false, host: '0.0.0.0', exportDirectory: 'logs/metrics', modelMetricsInterval: 60, strict: true, maxSeriesPerMetric: 10 });
  assert.equal(o.port, false);
  assert.equal(o.host, '0.0.0.0');
  assert.equal(o.exportDirectory, 'logs/metrics');
  assert.equal(o.maxSeriesPerMetric, 10);
});

const BAD: [Record<string, unknown>, string, RegExp][] = [
  [{ port: 70000 }, 'port', /option 'port' must be an integer from 0 to 65535, or false, got 70000/],
  [{ port: '8000' }, 'port', /got "8000"/],
  [{ port: true }, 'port', /option 'port'/],
  [{ host: '' }, 'host', /option 'host' must be a non-empty host name/],
  [{ modelMetricsInterval: 0 }, 'modelMetricsInterval', /positive number of seconds, got 0/],
  [{ strict: 'yes' }, 'strict', /option 'strict' must be true or false/],
  [{ maxSeriesPerMetric: 1.5 }, 'maxSeriesPerMetric', /option 'maxSeriesPerMetric'/],
  [{ exportDirectory: 7 }, 'exportDirectory', /option 'exportDirectory' must be a directory path, or false/],
  [{ logger: console.log }, 'logger', /option 'logger' must be an object with info, warn and error functions/],
  [{ prot: 8000 }, 'prot', /unknown option 'prot'; known options: port, host/],
  [{ export_directory: 'x' }, 'export_directory', /unknown option 'export_directory' \(did you mean 'exportDirectory'\?\)/],
];

for (const [input, option, message] of BAD) {
  test(`bad option ${JSON.stringify(input)} fails naming '${option}'`, async () => {
    assert.throws(() => resolveOptions(input), (e: unknown) => e instanceof MonitoringConfigError && e.option === option && message.test(e.message));
    await assert.rejects(initEnhancedMonitoring(input as never), MonitoringConfigError);
  });
}

test('a non-object options argument is refused', () => {
  assert.throws(() => resolveOptions(8000), /expects an options object, got 8000/);
  assert.throws(() => resolveOptions([]), /got an array/);
});

test('exportDirectory is accepted and its not-yet-written snapshots are announced once at init', async () => {
  const { start, stopAll } = await import('./helpers/service.ts');
  const { logger } = await start({ exportDirectory: 'logs/metrics', port: false });
  await stopAll();
  assert.equal(logger.warnings.filter((w) => w.includes('exportDirectory "logs/metrics"')).length, 1);
});
