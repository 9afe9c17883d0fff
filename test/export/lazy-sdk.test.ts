import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { NOTE_LOADED_PACKAGES } from '../helpers/loaded-packages.ts';

const run = promisify(execFile);
const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/**
 * In a fresh process, with a resolve hook noting every package loaded: the defaults a bot runs
 * (host and runtime metrics, the dashboard, the server on loopback), a scrape over HTTP, then the
 * bot's own counter on `meterProvider`, and a second scrape.
 */
const CHILD = `
  ${NOTE_LOADED_PACKAGES}
  const lib = await import(${JSON.stringify(INDEX)});
  let url;
  const logger = { ...lib.silentLogger, info: (line) => { url ??= /(http:\\S+\\/metrics)/.exec(line)?.[1]; } };
  const monitoring = await lib.initEnhancedMonitoring({ port: 0, logger, dashboard: { intervalSeconds: 1 } });
  const scrape = async () => (await fetch(url)).text();
  const first = await scrape();
  const atRest = [...loaded].sort();
  monitoring.meterProvider.getMeter('bot').createCounter('bot.orders').add(3, { venue: 'x' });
  const second = await scrape();
  await monitoring.shutdown();
  console.log(JSON.stringify({ atRest, after: [...loaded].sort(), first, second }));
`;

test('a default bot loads no OpenTelemetry package, scrapes its host and runtime metrics, and gets a working meterProvider on first use', async () => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const { atRest, after, first, second } = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    atRest: string[];
    after: string[];
    first: string;
    second: string;
  };
  assert.deepEqual(
    atRest.filter((pkg) => pkg.startsWith('@opentelemetry/')),
    [],
  );
  for (const family of [
    'target_info{',
    '# TYPE system_cpu_time_total counter',
    '# TYPE process_memory_usage gauge',
    '# TYPE v8js_memory_heap_used gauge',
    '# TYPE nodejs_eventloop_time_total counter',
    '# TYPE process_start_time_seconds gauge',
  ])
    assert.ok(first.includes(family), `${family} in the first scrape`);
  assert.ok(!first.includes('bot_orders_total'));
  // The bot's instrument after the SDK's own, before the registry's, as on one MeterProvider.
  assert.match(second, /# TYPE bot_orders_total counter\nbot_orders_total\{venue="x"\} 3\n/);
  assert.ok(second.indexOf('bot_orders_total') > second.indexOf('nodejs_eventloop_time_total'));
  assert.ok(second.indexOf('bot_orders_total') < second.indexOf('process_start_time_seconds'));
  assert.ok(after.includes('@opentelemetry/sdk-metrics'), 'the SDK is loaded once asked for');
});
