// Every keyed path of the public API holds bounded memory however many distinct values a bot
// sends: each path below records 1 000 000 distinct values through a started service, in a child
// process run with --expose-gc (this file is its own child: see `runChild`), which prints the heap
// growth after a full GC and the counters that must account for every value folded or dropped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { MonitoringService } from '../../src/index.ts';

/** Distinct values recorded per path (MEMORY_PATHS=classes,pending runs only those paths). */
const N = 1_000_000;
/** The default series cap every path runs with. */
const CAP = 2000;
/**
 * Bound of the heap growth of each path, MiB. What a bounded path keeps is its capped series, tables
 * and detectors: 0.3 to 17 MiB measured (closed trades, the largest: 1000 symbols, each with 34
 * trade-statistic series and its windows; features hold 2000 model states and 1000 drift detectors
 * in 7), 14 MiB for order-symbols (five order tables of 2000 series each, two of them histograms, and
 * the last 10 000 ended orders); the unbounded ones grew by 60 (pg pools), 121 (classes) and 261 MiB (features).
 */
const MAX_GROWTH_MIB = 24;

/** One keyed path: records `n` distinct values and says which counters must hold what. */
interface Path {
  readonly name: string;
  /** Records value `i` of `n` (called for i = 0 … n-1). */
  readonly record: (m: Monitoring, i: number, n: number) => void;
  /** Before the baseline: objects the test itself keeps alive (not the SDK's memory). */
  readonly prepare?: (n: number) => void;
  /** After the loop (collections, a flush). */
  readonly after?: (m: Monitoring) => Promise<void>;
  /** Counter samples `name{labels}` and the value each must have after `n` values. */
  readonly expect: (n: number) => Record<string, number>;
}

type Monitoring = MonitoringService;

const key = { timeframe: '1h', symbol: 'BTC/USD' };
const overflow = (metric: string) => `monitoring_series_overflow_total{metric="${metric}"}`;
const invalid = (method: string, reason: string) =>
  `monitoring_invalid_inputs_total{method="${method}",reason="${reason}"}`;
let pools: { totalCount: number; idleCount: number; waitingCount: number }[] = [];

const PATHS: readonly Path[] = [
  {
    // Numeric predictions sent as strings: every class is new. maxClassesPerModel (100) are kept.
    name: 'classes',
    record: (m, i) => {
      const c = String(i);
      m.recordPrediction({ modelName: 'clf', ...key, predictionId: i, predicted: c });
      m.recordOutcome({ modelName: 'clf', ...key, predictionId: i, actual: c });
    },
    after: (m) => m.flushModelMetrics(),
    expect: (n) => ({
      [invalid('recordPrediction', 'too_many')]: n - 100,
      'model_outcome_join_failures_total{model_name="clf",timeframe="1h",symbol="BTC/USD",reason="unknown_id"}':
        n - 100,
      'model_predictions_total{model_name="clf",timeframe="1h",symbol="BTC/USD"}': 100,
    }),
  },
  {
    // 100 features of each of n/100 models: 1000 feature streams in all (maxFeatureStreams) on the first 10
    // models, the further features of the 2000 models with a state are dropped, models past the cap are folded.
    name: 'features',
    record: (m, i) =>
      m.recordFeature({ modelName: `m${Math.floor(i / 100)}`, feature: `f${i % 100}`, value: i % 7, ...key }),
    after: (m) => m.flushModelMetrics(),
    expect: (n) => ({
      [invalid('recordFeature', 'too_many')]: (CAP - 10) * 100,
      [overflow('model_predictions_total')]: n - CAP * 100,
    }),
  },
  {
    // Pools kept alive by the bot, each observed under its own name and never stopped, then four scrapes.
    name: 'pg-pools',
    prepare: (n) => {
      pools = Array.from({ length: n }, () => ({ totalCount: 3, idleCount: 1, waitingCount: 0 }));
    },
    record: (m, i) => {
      m.observePgPool(pools[i]!, { name: `pool-${i}` });
    },
    after: async (m) => {
      for (let s = 0; s < 4; s++) await m.metricsText();
    },
    expect: (n) => ({
      [invalid('observePgPool', 'too_many')]: n - CAP,
      [overflow('db_connection_pool_size')]: 0,
      [overflow('db_connections_active')]: 0,
      [overflow('db_connections_waiting')]: 0,
    }),
  },
  {
    // Pools observed and stopped at once (a pool per task): nothing is held for a stopped pool.
    name: 'pg-pools-stopped',
    record: (m, i) => {
      m.observePgPool({ totalCount: 3, idleCount: 1, waitingCount: 0 }, { name: `pool-${i}` })();
    },
    after: async (m) => {
      await m.metricsText();
    },
    expect: (n) => ({
      [overflow('db_connection_pool_size')]: n - CAP,
      [overflow('db_connections_active')]: n - CAP,
      [overflow('db_connections_waiting')]: n - CAP,
    }),
  },
  {
    // Ids never resolved: past maxPending (10000) the oldest is evicted.
    name: 'pending',
    record: (m, i) => m.recordPrediction({ modelName: 'reg', ...key, predictionId: i, predicted: i }),
    after: (m) => m.flushModelMetrics(),
    expect: (n) => ({
      'model_outcome_join_failures_total{model_name="reg",timeframe="1h",symbol="BTC/USD",reason="evicted"}':
        n - 10_000,
      'model_predictions_total{model_name="reg",timeframe="1h",symbol="BTC/USD"}': n,
    }),
  },
  {
    name: 'heartbeat',
    record: (m, i) => m.heartbeat(`loop-${i}`),
    expect: (n) => ({ [overflow('bot_heartbeat_timestamp_seconds')]: n - CAP }),
  },
  {
    name: 'trading-signal',
    record: (m, i) => m.recordTradingSignal({ symbol: `S${i}`, direction: 'buy', confidenceLevel: 0.5 }),
    expect: (n) => ({ [overflow('trading_signal_confidence')]: n - CAP }),
  },
  {
    name: 'executed-trade',
    record: (m, i) => m.recordExecutedTrade({ symbol: `S${i}`, direction: 'buy', success: true }),
    expect: (n) => ({ [overflow('executed_trades_total')]: n - CAP }),
  },
  {
    name: 'closed-trade',
    record: (m, i) => m.recordClosedTrade({ symbol: `S${i}`, direction: 'buy', pnl: 1 }),
    after: async (m) => {
      await m.metricsText();
    },
    expect: (n) => ({ [overflow('trades_closed_total')]: n - CAP }),
  },
  {
    // openPositions replaces the whole set: one symbol per update.
    name: 'open-positions',
    record: (m, i) => m.updatePortfolioMetrics({ openPositions: { [`S${i}`]: { buy: 1 } } }),
    expect: (n) => ({ [overflow('open_positions')]: n - CAP }),
  },
  {
    // Orders never ended: past maxOpenOrders (10000) the oldest is evicted.
    name: 'open-orders',
    record: (m, i) => m.recordOrder({ orderId: i, symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 1 }),
    expect: (n) => ({
      'order_tracking_errors_total{reason="evicted"}': n - 10_000,
      'open_orders{symbol="BTC/USD",venue="unspecified"}': 10_000,
    }),
  },
  {
    // A new symbol per order, each ended at once: the series of past maxSeriesPerMetric symbols are folded.
    name: 'order-symbols',
    record: (m, i) => {
      m.recordOrder({ orderId: i, symbol: `S${i}`, side: 'sell', type: 'market', quantity: 1 });
      m.recordOrderUpdate({ orderId: i, status: 'cancelled' });
    },
    expect: (n) => ({
      [overflow('open_orders')]: n - CAP,
      [overflow('order_fill_ratio')]: n - CAP,
      'order_tracking_errors_total{reason="evicted"}': 0,
    }),
  },
  {
    name: 'positions',
    record: (m, i) => m.updatePositions({ positions: [{ symbol: `S${i}`, quantity: 1, entryPrice: 1, markPrice: 2 }] }),
    expect: (n) => ({ [overflow('position_quantity')]: n - CAP }),
  },
  {
    // free and locked: two series per asset.
    name: 'balances',
    record: (m, i) => m.updateBalances({ balances: [{ venue: 'v', asset: `A${i}`, free: 1 }] }),
    expect: (n) => ({ [overflow('asset_balance')]: 2 * (n - CAP / 2) }),
  },
  {
    // Past maxStrategies (50) names, a trade counts under strategy="other".
    name: 'strategies',
    record: (m, i) => m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 1, strategy: `s${i}` }),
    after: async (m) => {
      await m.metricsText();
    },
    expect: (n) => ({ 'strategy_trades_closed_total{strategy="other",outcome="win"}': n - 50 }),
  },
  {
    name: 'api-quota',
    record: (m, i) => m.setApiQuotaRemaining({ api: `api-${i}`, remaining: 1 }),
    expect: (n) => ({ [overflow('api_quota_remaining')]: n - CAP }),
  },
  {
    name: 'db-query',
    record: (m, i) => m.trackDbQuery(`op-${i}`, () => 1),
    expect: (n) => ({ [overflow('db_query_duration_seconds')]: n - CAP, [overflow('db_operations_total')]: n - CAP }),
  },
  {
    name: 'learning-step',
    record: (m, i) => m.recordLearningStep({ modelName: `m${i}`, ...key, loss: 1 }),
    expect: (n) => ({
      [overflow('model_learning_steps_total')]: n - CAP,
      [overflow('online_learning_loss')]: n - CAP,
    }),
  },
];

/** What a child prints: the heap growth and the counters it was asked for. */
interface ChildResult {
  readonly path: string;
  readonly growthMiB: number;
  readonly ms: number;
  readonly counters: Record<string, number>;
}

const MARK = 'MEMORY-RESULT ';

/** The sum of the samples `name{labels}` (labels in any order) in an exposition. */
function sampleValue(text: string, sample: string): number {
  const brace = sample.indexOf('{');
  const name = brace < 0 ? sample : sample.slice(0, brace);
  const wanted = brace < 0 ? [] : (sample.slice(brace + 1, -1).match(/[a-z_]+="[^"]*"/g) ?? []);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const labels = close < 0 ? '' : line.slice(name.length + 1, close);
    if (wanted.every((pair) => labels.includes(pair)))
      total += Number(
        line
          .slice(close + 1)
          .trim()
          .split(' ')[0],
      );
  }
  return total;
}

async function runChild(name: string, n: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the memory child with --expose-gc');
  const path = PATHS.find((p) => p.name === name);
  if (path === undefined) throw new Error(`no path ${name}`);
  const { start, stopAll } = await import('../helpers/service.ts');
  const { monitoring } = await start({ port: false, dashboard: false, systemMetrics: false });
  path.prepare?.(n);
  await monitoring.metricsText();
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) path.record(monitoring, i, n);
  await path.after?.(monitoring);
  const ms = performance.now() - t0;
  // Finalization callbacks (forgotten pools) run between turns of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const growthMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  const text = await monitoring.metricsText();
  const counters: Record<string, number> = {};
  for (const sample of Object.keys(path.expect(n))) counters[sample] = sampleValue(text, sample);
  const result: ChildResult = { path: name, growthMiB, ms, counters };
  process.stdout.write(`${MARK}${JSON.stringify(result)}\n`);
  pools = [];
  await stopAll();
}

function spawnChild(name: string, n: number): Promise<ChildResult> {
  const file = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', file, '--memory-child', name, String(n)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || line === undefined) reject(new Error(`memory child ${name} exited ${code}: ${err || out}`));
      else resolve(JSON.parse(line.slice(MARK.length)) as ChildResult);
    });
  });
}

const childAt = process.argv.indexOf('--memory-child');
if (childAt >= 0) {
  await runChild(process.argv[childAt + 1]!, Number(process.argv[childAt + 2]));
} else {
  const only = process.env['MEMORY_PATHS']?.split(',');
  for (const path of PATHS) {
    if (only !== undefined && !only.includes(path.name)) continue;
    test(`memory: ${N} distinct values through ${path.name} keep the heap growth under ${MAX_GROWTH_MIB} MiB, every fold or drop counted`, async (t) => {
      const result = await spawnChild(path.name, N);
      t.diagnostic(`${path.name}: heap growth ${result.growthMiB.toFixed(1)} MiB, ${(result.ms / 1000).toFixed(2)} s`);
      assert.deepEqual(result.counters, path.expect(N));
      assert.ok(result.growthMiB < MAX_GROWTH_MIB, `${path.name} grew the heap by ${result.growthMiB.toFixed(1)} MiB`);
    });
  }
}
