import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_OPTIONS, initEnhancedMonitoring, MonitoringConfigError } from '../../src/index.ts';
import { resolveOptions } from '../../src/config/options.ts';

test('defaults are explicit and the result is frozen', () => {
  const o = resolveOptions({}, {});
  assert.equal(o.port, 8000);
  assert.equal(o.host, '127.0.0.1');
  assert.equal(o.modelMetricsInterval, 300);
  assert.equal(o.serviceName, 'evil2root-bot');
  assert.equal(o.strict, false);
  assert.equal(o.maxSeriesPerMetric, 2000);
  assert.equal(o.exportIntervalSeconds, 60);
  assert.equal(o.exportFormat, 'snapshot');
  assert.equal(o.exportMaxFiles, 1440);
  assert.equal(o.otlp, false);
  assert.equal(o.shutdownTimeoutMs, 5000);
  assert.equal(o.handleSignals, false);
  assert.deepEqual(o, DEFAULT_OPTIONS);
  assert.ok(Object.isFrozen(o));
  assert.equal(resolveOptions({ port: undefined }, {}).port, 8000, 'undefined means default');
  assert.equal(
    resolveOptions({}, {}).serviceInstanceId,
    resolveOptions({}, {}).serviceInstanceId,
    'the instance id is stable for the process',
  );
});

test('valid options are taken as given', () => {
  const o = resolveOptions({
    port: false,
    host: '0.0.0.0',
    exportDirectory: 'logs/metrics',
    modelMetricsInterval: 60,
    strict: true,
    maxSeriesPerMetric: 10,
  });
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
  [
    { export_directory: 'x' },
    'export_directory',
    /unknown option 'export_directory' \(did you mean 'exportDirectory'\?\)/,
  ],
  [{ exportIntervalSeconds: 0 }, 'exportIntervalSeconds', /positive number of seconds/],
  [{ exportFormat: 'csv' }, 'exportFormat', /'snapshot' or 'otlp', got "csv"/],
  [{ exportMaxFiles: 0 }, 'exportMaxFiles', /a positive integer, or false/],
  [{ exportMaxAgeHours: -1 }, 'exportMaxAgeHours', /positive number of hours, or false/],
  [{ otlp: 'yes' }, 'otlp', /true, false or an object of OTLP settings/],
  [{ otlp: { protocol: 'udp' } }, 'otlp', /'protocol' is one of 'http\/protobuf', 'http\/json', 'grpc'/],
  [{ otlp: { endpoint: 'collector:4318' } }, 'otlp', /'endpoint' is an http:\/\/ or https:\/\/ URL/],
  [{ otlp: { url: 'http://x' } }, 'otlp', /unknown key 'url'/],
  [{ otlp: { headers: { 'x-key': 1 } } }, 'otlp', /'headers' is an object of string header values/],
  [{ otlp: { temporality: 'lowmemory' } }, 'otlp', /'temporality' is 'cumulative' or 'delta'/],
  [{ resourceAttributes: { a: null } }, 'resourceAttributes', /string, number or boolean values/],
  [{ shutdownTimeoutMs: 1.5 }, 'shutdownTimeoutMs', /integer number of milliseconds/],
  [{ handleSignals: 1 }, 'handleSignals', /true or false/],
  [{ serviceInstanceId: '' }, 'serviceInstanceId', /non-empty string/],
];

for (const [input, option, message] of BAD) {
  test(`bad option ${JSON.stringify(input)} fails naming '${option}'`, async () => {
    assert.throws(
      () => resolveOptions(input),
      (e: unknown) => e instanceof MonitoringConfigError && e.option === option && message.test(e.message),
    );
    await assert.rejects(initEnhancedMonitoring(input as never), MonitoringConfigError);
  });
}

test('a non-object options argument is refused', () => {
  assert.throws(() => resolveOptions(8000), /expects an options object, got 8000/);
  assert.throws(() => resolveOptions([]), /got an array/);
});

test('nested defaults come from one place, a partial nested option keeps the rest, and the result is deep-frozen', () => {
  const o = resolveOptions(
    { dashboard: { intervalSeconds: 2 }, autoInstrument: { fetch: false }, driftDetectors: { adwin: false } },
    {},
  );
  assert.deepEqual(o.dashboard, { ...(DEFAULT_OPTIONS.dashboard as object), intervalSeconds: 2 });
  assert.deepEqual(o.autoInstrument, { http: true, fetch: false });
  assert.deepEqual(o.driftDetectors, { adwin: false, pageHinkley: {} });
  assert.deepEqual(
    resolveOptions({ dashboard: true }, {}).dashboard,
    DEFAULT_OPTIONS.dashboard,
    'true means the defaults',
  );
  for (const nested of [
    o.dashboard,
    o.autoInstrument,
    o.driftDetectors,
    o.driftDetectors.pageHinkley,
    o.authExemptPaths,
    o.resourceAttributes,
  ]) {
    assert.ok(Object.isFrozen(nested), `${JSON.stringify(nested)} is frozen`);
  }
  assert.ok(Object.isFrozen(DEFAULT_OPTIONS.authExemptPaths));
});

test("resolving options freezes none of the caller's objects: the logger, the app, the arrays and objects given", () => {
  const logger = { info() {}, warn() {}, error() {} };
  const authExemptPaths = ['/healthz', '/readyz'];
  const resourceAttributes = { team: 'quant' };
  const tls = { key: Buffer.from('-----BEGIN KEY-----'), cert: Buffer.from('-----BEGIN CERT-----') };
  const o = resolveOptions({ logger, authExemptPaths, resourceAttributes, tls }, {});
  assert.equal(o.logger, logger);
  assert.ok(
    !Object.isFrozen(logger) &&
      !Object.isFrozen(authExemptPaths) &&
      !Object.isFrozen(resourceAttributes) &&
      !Object.isFrozen(tls),
  );
  assert.deepEqual(o.authExemptPaths, authExemptPaths);
  assert.notEqual(o.authExemptPaths, authExemptPaths, 'a copy');
  assert.equal(o.tls && o.tls.key, tls.key, 'Buffers are kept, not copied or frozen');
});

test('a nested option names the key at fault', () => {
  assert.throws(
    () => resolveOptions({ dashboard: { intervalSeconds: -1 } }, {}),
    /option 'dashboard' must be true, false or \{ intervalSeconds\?, historyMinutes\?, maxPoints\?, maxValues\? \} whose 'intervalSeconds' is a positive number/,
  );
  assert.throws(() => resolveOptions({ autoInstrument: { axios: true } }, {}), /unknown key 'axios'/);
});
