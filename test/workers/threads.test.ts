import assert from 'node:assert/strict';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { afterEach, test } from 'node:test';
import {
  initEnhancedMonitoring,
  silentLogger,
  type MonitoringOptions,
  type MonitoringService,
} from '../../src/index.ts';
import { setApplyTap } from '../../src/workers/receiver.ts';
import { parseExposition } from '../helpers/exposition.ts';
import { stream } from './fixtures/streams.ts';

const STREAM_WORKER = new URL('./fixtures/stream-worker.ts', import.meta.url);
const OPTIONS: MonitoringOptions = {
  port: false,
  systemMetrics: false,
  runtimeMetrics: false,
  dashboard: false,
  logger: silentLogger,
  returnsIntervalSeconds: 0.01,
  returnsWindow: 50,
  tradeWindow: 40,
  windowSize: 60,
};

const realNow = Date.now;
afterEach(() => {
  Date.now = realNow;
  setApplyTap(undefined);
});

interface Applied {
  readonly source: string;
  readonly method: string;
  readonly at: number;
  readonly argument: unknown;
}

/** Records `method(argument)` on `service` with the clock of the domains reading `at`. */
function recordAt(service: MonitoringService, method: string, at: number, argument: unknown): void {
  Date.now = () => at;
  try {
    (service as unknown as Record<string, (argument: unknown) => void>)[method]?.(argument);
  } finally {
    Date.now = realNow;
  }
}

/** The exposition with every metric collected at `at`. */
async function scrapeAt(service: MonitoringService, at: number): Promise<string> {
  Date.now = () => at;
  try {
    await service.flushModelMetrics();
    return await service.metricsText();
  } finally {
    Date.now = realNow;
  }
}

function startWorker(seed: number, source: string, count: number): Promise<{ flushed: boolean }> {
  const worker = new Worker(STREAM_WORKER, { workerData: { seed, source, count, chunk: 97 } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${source} exited with ${code} before it was done`)));
  });
}

test('4 worker threads and the main thread: the scrape equals, byte for byte, that of one thread fed the union in applied order', async () => {
  const PER_SOURCE = 4000;
  const log: Applied[] = [];
  setApplyTap((worker, method, at, argument) => log.push({ source: `thread ${worker}`, method, at, argument }));
  const primary = await initEnhancedMonitoring(OPTIONS);
  const workers = [1, 2, 3, 4].map((i) => startWorker(1000 + i, `w${i}`, PER_SOURCE));
  // The main thread records its own stream meanwhile, on a clock of its own so that the log knows
  // the time each call was recorded at; the workers' batches arrive between its chunks.
  while (!log.some((e) => e.source !== 'main')) await new Promise((resolve) => setTimeout(resolve, 5));
  let mainClock = realNow();
  let n = 0;
  for (const [method, argument] of stream(7, 'main', PER_SOURCE, () => mainClock)) {
    mainClock += 1;
    log.push({ source: 'main', method, at: mainClock, argument });
    recordAt(primary, method, mainClock, argument);
    if (++n % 50 === 0) await yieldToLoop();
  }
  const done = await Promise.all(workers);
  assert.deepEqual(
    done.map((d) => d.flushed),
    [true, true, true, true],
  );
  const end = Math.max(mainClock, ...log.map((e) => e.at)) + 5;
  const fromPrimary = await scrapeAt(primary, end);
  await primary.shutdown();
  setApplyTap(undefined);

  // Every source contributed, and the workers' calls were interleaved with the main thread's.
  const sources = new Set(log.map((e) => e.source));
  assert.equal(sources.size, 5, [...sources].join(', '));
  // Every call of every stream (an order's life is several calls), none lost, none twice.
  const callsOf = (seed: number) => [...stream(seed, 'count', PER_SOURCE, () => 0)].length;
  const workerCalls = [1001, 1002, 1003, 1004].reduce((sum, seed) => sum + callsOf(seed), 0);
  assert.equal(log.length, callsOf(7) + workerCalls);
  assert.ok(log.some((e) => e.method === 'recordFill') && log.some((e) => e.method === 'updatePositions'));
  const firstWorker = log.findIndex((e) => e.source !== 'main');
  const lastMain = log.findLastIndex((e) => e.source === 'main');
  assert.ok(firstWorker < lastMain, 'worker calls were applied while the main thread was still recording');

  const reference = await initEnhancedMonitoring(OPTIONS);
  for (const e of log) recordAt(reference, e.method, e.at, e.argument);
  const fromReference = await scrapeAt(reference, end);
  await reference.shutdown();

  // The one sample that says how the calls arrived: the workers' 4 streams came forwarded.
  const forwarded = 'monitoring_forwarded_calls_total{worker="all"}';
  assert.ok(fromPrimary.includes(`\n${forwarded} ${workerCalls}\n`));
  assert.ok(fromReference.includes(`\n${forwarded} 0\n`));
  const primaryLines = fromPrimary.split('\n').filter((line) => !line.startsWith(forwarded));
  const referenceLines = fromReference.split('\n').filter((line) => !line.startsWith(forwarded));
  assert.deepEqual(
    primaryLines.filter((line, i) => line !== referenceLines[i]),
    [],
    'every other line of the two scrapes is the same',
  );
  assert.equal(primaryLines.join('\n'), referenceLines.join('\n'));
  // The figures are live ones: counters summed over all sources, computed gauges present.
  const samples = parseExposition(fromPrimary).samples;
  const total = (name: string) => samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
  assert.equal(total('executed_trades_total'), log.filter((e) => e.method === 'recordExecutedTrade').length);
  assert.equal(total('trades_closed_total'), log.filter((e) => e.method === 'recordClosedTrade').length);
  assert.equal(total('monitoring_invalid_inputs_total'), 0);
  for (const name of [
    'sharpe_ratio',
    'win_rate',
    'max_drawdown',
    'model_accuracy',
    'model_drift_score',
    'model_rmse',
  ]) {
    assert.ok(
      samples.some((s) => s.name === name && Number.isFinite(s.value)),
      `${name} is published`,
    );
  }
});
