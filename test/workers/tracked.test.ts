import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { afterEach, test } from 'node:test';
import type { MonitoringOptions, MonitoringService } from '../../src/index.ts';
import { parseExposition, type Sample } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';
import { trackedCalls, withClock } from './fixtures/tracked-calls.ts';

const TRACKED_WORKER = new URL('./fixtures/tracked-worker.ts', import.meta.url);
const QUIET: MonitoringOptions = { dashboard: false };
afterEach(stopAll);

function runWorker(strict?: boolean): Promise<{ seen: string[]; flushed: boolean }> {
  const worker = new Worker(TRACKED_WORKER, { workerData: { strict } });
  return new Promise((resolve, reject) => {
    let reply: { seen: string[]; flushed: boolean } | undefined;
    worker.once('message', (value) => (reply = value as typeof reply));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 && reply !== undefined ? resolve(reply) : reject(new Error(`worker exited with ${code}`)),
    );
  });
}

/** The exemplars of api_latency_seconds as a Prometheus scrape sees them (OpenMetrics), their timestamps left out. */
async function exemplars(monitoring: MonitoringService): Promise<string[]> {
  const res = await fetch(monitoring.metricsUrl as string, {
    headers: { accept: 'application/openmetrics-text;version=1.0.0' },
  });
  const lines = (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('api_latency_seconds_bucket') && l.includes(' # '));
  return lines.map((l) => l.replace(/ \d+(\.\d+)?$/, '')).sort();
}

/** The api_*, db_* and invalid-input samples, buckets included, as comparable lines. */
async function trackedSeries(monitoring: MonitoringService): Promise<string[]> {
  const samples: Sample[] = parseExposition(await monitoring.metricsText()).samples;
  return samples
    .filter((s) => /^(api_|db_)/.test(s.name) || s.name === 'monitoring_invalid_inputs_total')
    .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`)
    .sort();
}

test('trackApiRequest and trackDbQuery in a worker: the same returns and throws, and the same api_*/db_* series (every bucket) as in the main thread', async () => {
  const { monitoring: direct } = await start(QUIET);
  const seenHere = await withClock((advance) => trackedCalls(direct, advance));
  const expected = await trackedSeries(direct);
  const expectedExemplars = await exemplars(direct);
  await stopAll();

  const { monitoring } = await start(QUIET);
  const reply = await runWorker();
  assert.equal(reply.flushed, true);
  assert.deepEqual(reply.seen, seenHere);
  assert.deepEqual(await trackedSeries(monitoring), expected);
  assert.deepEqual(await exemplars(monitoring), expectedExemplars);
  assert.ok(expectedExemplars.length >= 3 && expectedExemplars.every((l) => /# \{order_id="o-\d+"\} /.test(l)));

  // What the comparison covers: several buckets, every status rule, each kind of bad input.
  assert.ok(seenHere.includes('promise:"pending"') && seenHere.includes('resolved:"thenable"'));
  assert.ok(seenHere.some((s) => s.startsWith('threw:Error:ECONNRESET:socket hang up')));
  const has = (line: RegExp) =>
    assert.ok(
      expected.some((s) => line.test(s)),
      String(line),
    );
  has(/^api_requests_total.*"status_code","201".* 4$/);
  has(/^api_errors_total.*"error_type","ECONNRESET".* 12$/);
  has(/^api_errors_total.*"error_type","ENOTFOUND".*"method","_OTHER"/);
  has(/^api_errors_total.*"error_type","http_429"/);
  has(/^api_errors_total.*"error_type","http_504"/);
  has(/^db_operations_total.*"status","error".* 12$/);
  has(/^monitoring_invalid_inputs_total.*"trackApiRequest".*"too_long"/);
  has(
    /^monitoring_invalid_inputs_total.*"trackDbQuery".*"missing_field"|^monitoring_invalid_inputs_total.*"trackDbQuery".*"wrong_type"/,
  );
  const buckets = new Set(expected.filter((s) => /^api_latency_seconds_bucket/.test(s)).map((s) => s.split(' ')[1]));
  assert.ok(buckets.size >= 8, `the calls fill ${buckets.size} distinct bucket counts`);
});

test('strict mode: a tracked call with bad input throws MonitoringInputError in the worker as in the main thread', async () => {
  const { monitoring: direct } = await start({ ...QUIET, strict: true });
  const seenHere = await withClock((advance) => trackedCalls(direct, advance));
  const expected = await trackedSeries(direct);
  await stopAll();

  const { monitoring } = await start({ ...QUIET, strict: true });
  const reply = await runWorker(true);
  assert.equal(reply.flushed, true);
  assert.deepEqual(reply.seen, seenHere);
  assert.ok(seenHere.filter((s) => s.startsWith('threw:MonitoringInputError')).length >= 6, 'each bad call threw');
  assert.deepEqual(await trackedSeries(monitoring), expected);
});

test('a forwarded record that is not what a worker sends is counted as invalid input, not recorded', async () => {
  const { monitoring } = await start(QUIET);
  const at = Date.now();
  const good = { endpoint: '/x', method: 'GET', status: 200, failed: false, errorType: undefined, seconds: 0.5 };
  const bad: [string, unknown][] = [
    ['trackApiRequest', { ...good, failed: 'no' }],
    ['trackApiRequest', { ...good, seconds: -1 }],
    ['trackApiRequest', { ...good, status: 700 }],
    ['trackApiRequest', { ...good, extra: 1 }],
    ['trackApiRequest', 'not a record'],
    ['trackDbQuery', { operation: '', failed: false, seconds: 1 }],
    ['trackDbQuery', { operation: 'select', failed: false, seconds: Number.NaN }],
  ];
  for (const [method, record] of bad) monitoring.replayForwarded(method, at, record);
  const series = await trackedSeries(monitoring);
  assert.deepEqual(
    series.filter((s) => /^(api_|db_)/.test(s)),
    [],
  );
  assert.deepEqual(
    series.map((s) => s.replace(/^monitoring_invalid_inputs_total/, '')),
    [
      '[["method","trackApiRequest"],["reason","negative"]] 1',
      '[["method","trackApiRequest"],["reason","not_object"]] 1',
      '[["method","trackApiRequest"],["reason","out_of_range"]] 1',
      '[["method","trackApiRequest"],["reason","unknown_field"]] 1',
      '[["method","trackApiRequest"],["reason","wrong_type"]] 1',
      '[["method","trackDbQuery"],["reason","empty_string"]] 1',
      '[["method","trackDbQuery"],["reason","not_finite"]] 1',
    ],
  );
  monitoring.replayForwarded('trackApiRequest', at, good);
  assert.ok(
    (await trackedSeries(monitoring)).includes(
      'api_requests_total[["endpoint","/x"],["method","GET"],["status_code","200"]] 1',
    ),
  );
});
