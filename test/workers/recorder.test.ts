import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, test } from 'node:test';
import {
  connectMonitoring,
  FORWARDED_METHODS,
  MonitoringConfigError,
  MonitoringService,
  type MonitoringOptions,
  type Snapshot,
} from '../../src/index.ts';
import { NOT_FORWARDED } from '../../src/workers/methods.ts';
import { parseExposition, type Sample } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';
import { badCalls } from './fixtures/bad-input.ts';

const PROBE_WORKER = new URL('./fixtures/probe-worker.ts', import.meta.url);
const QUIET: MonitoringOptions = { port: false, dashboard: false };
afterEach(stopAll);

/** Runs a probe scenario; resolves its replies once it has exited. */
function runProbe(
  scenario: string,
  extra: Record<string, unknown> = {},
  onReply?: (reply: unknown) => void,
): Promise<unknown[]> {
  const worker = new Worker(PROBE_WORKER, { workerData: { scenario, ...extra } });
  const replies: unknown[] = [];
  return new Promise((resolve, reject) => {
    worker.on('message', (reply) => {
      replies.push(reply);
      onReply?.(reply);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve(replies) : reject(new Error(`probe exited with ${code}`))));
  });
}

async function samples(monitoring: MonitoringService): Promise<Sample[]> {
  return parseExposition(await monitoring.metricsText()).samples;
}

const RECORDING_NAME = /^(record|update|track|set|restore|observe|heartbeat)/;

test('every recording method of MonitoringService is forwarded or listed as not forwarded, with a reason', () => {
  const names = Object.getOwnPropertyNames(MonitoringService.prototype).filter((n) => RECORDING_NAME.test(n));
  const forwarded = new Set<string>(FORWARDED_METHODS);
  const missing = names.filter((n) => !forwarded.has(n) && !(n in NOT_FORWARDED));
  assert.deepEqual(
    missing,
    [],
    'add each to FORWARDED_METHODS in src/workers/methods.ts (or to NOT_FORWARDED, saying why)',
  );
  for (const name of [...FORWARDED_METHODS, ...Object.keys(NOT_FORWARDED)]) {
    const member = Object.getOwnPropertyDescriptor(MonitoringService.prototype, name);
    assert.equal(typeof member?.value, 'function', `${name} is a method of MonitoringService`);
  }
  for (const name of FORWARDED_METHODS) assert.ok(!(name in NOT_FORWARDED), `${name} is in both lists`);
});

test("a worker's recorder has every forwarded method, and each call reaches the primary's domain", async () => {
  const { monitoring } = await start(QUIET);
  const [reply] = (await runProbe('probe')) as [{ methods: string[]; flushed: boolean }];
  assert.equal(reply.flushed, true);
  assert.deepEqual(reply.methods.filter((m) => m !== 'flush' && m !== 'close').sort(), [...FORWARDED_METHODS].sort());
  // Each method rejected its probe argument in the primary: the call got there, under its own name.
  const invalid = (await samples(monitoring)).filter((s) => s.name === 'monitoring_invalid_inputs_total');
  const reached = new Set(invalid.map((s) => s.labels['method']));
  assert.deepEqual(
    FORWARDED_METHODS.filter((m) => !reached.has(m)),
    [],
  );
});

test("bad input in a worker is counted in the primary's monitoring_invalid_inputs_total as the service itself counts it", async () => {
  const invalidInputs = (all: Sample[]) =>
    Object.fromEntries(
      all
        .filter((s) => s.name === 'monitoring_invalid_inputs_total')
        .map((s) => [`${s.labels['method']}:${s.labels['reason']}`, s.value]),
    );
  const { monitoring, logger } = await start(QUIET);
  const [reply] = (await runProbe('bad-input')) as [{ flushed: boolean }];
  assert.equal(reply.flushed, true);
  const fromWorker = await samples(monitoring);
  await stopAll();
  const { monitoring: direct } = await start(QUIET);
  badCalls(direct);
  const fromService = await samples(direct);
  assert.deepEqual(invalidInputs(fromWorker), invalidInputs(fromService));
  // Every bad call of badCalls (all but its last) is counted.
  assert.equal(
    Object.values(invalidInputs(fromWorker)).reduce((sum, n) => sum + n, 0),
    11,
  );
  // The valid call is recorded; the warnings are the primary's, once per method and reason.
  assert.equal(fromWorker.find((s) => s.name === 'executed_trades_total')?.value, 1);
  assert.ok(logger.warnings.some((w) => w.startsWith('recordTradingSignal: direction is "up"')));
});

test('a getter of an argument that records again: the nested call is dropped and counted, the calls around it intact', async () => {
  const { monitoring } = await start(QUIET);
  const [reply] = (await runProbe('reentrant')) as [{ flushed: boolean }];
  assert.equal(reply.flushed, true);
  const all = await samples(monitoring);
  const trades = all
    .filter((s) => s.name === 'executed_trades_total')
    .map((s) => `${s.labels['symbol']}:${s.labels['direction']}:${s.labels['status']}:${s.value}`)
    .sort();
  assert.deepEqual(trades, ['BTC/USD:buy:success:1', 'SOL/USD:sell:failed:1']);
  assert.equal(all.filter((s) => s.name === 'trading_signals_total').length, 0, 'the nested call is not recorded');
  assert.equal(all.find((s) => s.name === 'monitoring_forwarded_dropped_total')?.value, 1);
  assert.equal(all.filter((s) => s.name === 'monitoring_invalid_inputs_total').length, 0, 'nothing read as bad input');
});

test('strict mode: bad input throws MonitoringInputError in the worker, and the rest is recorded', async () => {
  const { monitoring } = await start({ ...QUIET, strict: true });
  const [reply] = (await runProbe('strict')) as [{ thrown: string[]; flushed: boolean }];
  assert.deepEqual(reply.thrown, ['recordTradingSignal:unknown_direction', 'recordClosedTrade:not_finite']);
  assert.equal(reply.flushed, true);
  const all = await samples(monitoring);
  assert.equal(all.find((s) => s.name === 'executed_trades_total')?.value, 1);
  assert.equal(all.filter((s) => s.name === 'monitoring_invalid_inputs_total').length, 0);
});

test('a worker started before initEnhancedMonitoring holds its calls, then sends them', async () => {
  let first: ((reply: unknown) => void) | undefined;
  const firstReply = new Promise<unknown>((resolve) => (first = resolve));
  const done = runProbe('early', {}, (reply) => first?.(reply));
  assert.deepEqual(await firstReply, { connected: false, buffered: 100 });
  const { monitoring } = await start(QUIET);
  const replies = (await done) as [unknown, { flushed: boolean }];
  assert.equal(replies[1].flushed, true);
  const all = await samples(monitoring);
  assert.equal(all.find((s) => s.name === 'executed_trades_total')?.value, 100);
});

test('a stalled primary: the worker holds at most maxBufferedCalls, drops and counts the rest, and loses nothing else', async () => {
  const { monitoring } = await start(QUIET);
  const stall = new SharedArrayBuffer(8);
  const flags = new Int32Array(stall);
  const calls = 200_000;
  const done = runProbe('stall', { stall, calls, options: { maxBufferedCalls: 10_000 } });
  while (Atomics.load(flags, 0) !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
  Atomics.store(flags, 1, 1);
  // The main thread stops here until the worker has made all its calls.
  Atomics.wait(flags, 0, 1);
  const [reply] = (await done) as [{ maxBuffered: number; heapGrowth: number; flushed: boolean }];
  assert.equal(reply.flushed, true);
  assert.ok(reply.maxBuffered <= 10_000, `held ${reply.maxBuffered}`);
  const all = await samples(monitoring);
  const recorded = all.find((s) => s.name === 'executed_trades_total')?.value ?? 0;
  const dropped = all.find((s) => s.name === 'monitoring_forwarded_dropped_total')?.value ?? 0;
  assert.ok(dropped > 0, 'calls were dropped');
  assert.ok(recorded >= 10_000, `recorded ${recorded}`);
  assert.equal(recorded + dropped, calls);
});

const HOLD = { options: { flushIntervalMs: 60_000, batchSize: 100_000 } };

test('shutdown() of the primary first records what the workers hold: it is in the final snapshot', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'workers-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const { monitoring } = await start({ ...QUIET, exportDirectory: directory });
  const worker = new Worker(PROBE_WORKER, { workerData: { scenario: 'hold', exit: 'wait', ...HOLD } });
  t.after(() => worker.terminate());
  const held = (await new Promise((resolve) => worker.once('message', resolve))) as { buffered: number };
  assert.equal(held.buffered, 1000);
  await monitoring.shutdown();
  const snapshot = JSON.parse(await readFile(join(directory, 'latest.json'), 'utf8')) as Snapshot;
  const trades = snapshot.metrics.find((m) => m.name === 'executed_trades_total');
  assert.equal(
    trades?.points.reduce((sum, p) => sum + ('value' in p && typeof p.value === 'number' ? p.value : 0), 0),
    1000,
  );
});

for (const exit of ['the end of its loop', 'process.exit']) {
  test(`a worker that ends by ${exit} sends what it holds`, async () => {
    const { monitoring } = await start(QUIET);
    const [held] = (await runProbe('hold', { exit, ...HOLD })) as [{ buffered: number }];
    assert.equal(held.buffered, 1000);
    // Sent as the worker ended: wait for the primary to have applied it (no timing assumption).
    let recorded = 0;
    while (recorded < 1000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      recorded = (await samples(monitoring)).find((s) => s.name === 'executed_trades_total')?.value ?? 0;
    }
    assert.equal(recorded, 1000);
  });
}

for (const workerLabel of [false, true]) {
  test(`monitoring_forwarded_calls_total counts the calls of each worker${workerLabel ? ' by worker with workerLabel' : ' as worker="all"'}`, async () => {
    const { monitoring } = await start({ ...QUIET, workerLabel });
    await Promise.all([runProbe('bad-input'), runProbe('bad-input')]);
    const forwarded = (await samples(monitoring)).filter((s) => s.name === 'monitoring_forwarded_calls_total');
    if (!workerLabel)
      assert.deepEqual(
        forwarded.map((s) => [s.labels['worker'], s.value]),
        [['all', 24]],
      );
    else {
      assert.equal(forwarded.length, 2);
      for (const s of forwarded) {
        assert.match(s.labels['worker'] ?? '', /^\d+$/);
        assert.equal(s.value, 12);
      }
    }
  });
}

test('the worker label is capped: past 64 workers, calls fold into the overflow series and are counted', async () => {
  const { monitoring } = await start({ ...QUIET, workerLabel: true });
  // The receiver's own counting call, for 70 workers (starting 70 threads would say nothing more).
  for (let worker = 1; worker <= 70; worker++) monitoring.countForwarded(String(worker), 2);
  const all = await samples(monitoring);
  const forwarded = all.filter((s) => s.name === 'monitoring_forwarded_calls_total');
  assert.equal(forwarded.filter((s) => s.labels['otel_metric_overflow'] === undefined).length, 64);
  assert.equal(forwarded.find((s) => s.labels['otel_metric_overflow'] === 'true')?.value, 12);
  assert.equal(
    forwarded.reduce((sum, s) => sum + s.value, 0),
    140,
  );
  assert.equal(
    all.find(
      (s) => s.name === 'monitoring_series_overflow_total' && s.labels['metric'] === 'monitoring_forwarded_calls_total',
    )?.value,
    6,
  );
});

test('messages no recorder sends cannot run other methods of the service nor crash the main thread', async () => {
  const { monitoring, logger } = await start(QUIET);
  assert.deepEqual(await runProbe('rogue'), [{ done: true }]);
  // Still running: recording works, and the unknown method's call was counted as dropped.
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  const all = await samples(monitoring);
  assert.equal(all.find((s) => s.name === 'executed_trades_total')?.value, 1);
  assert.equal(all.find((s) => s.name === 'monitoring_forwarded_dropped_total')?.value, 1);
  assert.ok(logger.lines.some((l) => l.level === 'error' && /could not be read/.test(l.message)));
});

test('a worker outlives a restart of monitoring in the main thread: what it records meanwhile goes to the new one', async (t) => {
  const worker = new Worker(PROBE_WORKER, { workerData: { scenario: 'restart' } });
  t.after(() => worker.terminate());
  const step = (command: string) =>
    new Promise<{ connected: boolean; flushed: boolean }>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(command);
    });
  const trades = async (m: MonitoringService) =>
    (await samples(m)).find((s) => s.name === 'executed_trades_total')?.value;
  const { monitoring: first } = await start(QUIET);
  assert.equal((await step('flush')).flushed, true);
  assert.equal(await trades(first), 10);
  await stopAll();
  // No monitoring now (the drain at shutdown told the worker): it holds its calls.
  assert.deepEqual(await step('record'), { connected: false, flushed: false });
  const { monitoring: second } = await start(QUIET);
  assert.equal((await step('flush')).flushed, true);
  assert.equal(await trades(second), 20);
  worker.postMessage('end');
});

test('connectMonitoring in the main thread of a process that is no cluster worker is a configuration error', async () => {
  await assert.rejects(connectMonitoring(), (error: unknown) => {
    assert.ok(error instanceof MonitoringConfigError);
    assert.match(error.message, /initEnhancedMonitoring/);
    return true;
  });
});
