/**
 * Execution hot path: one order's life as a bot reports it (recordOrder, an `accepted`
 * recordOrderUpdate, then the recordFill that completes it) side by side with one
 * recordExecutedTrade, in one process, in the configuration users run (Prometheus, snapshot and
 * OTLP readers). Also the replacement of a set of 10 positions, and each execution call on its own
 * (batches of orders: all submitted, then all accepted, then all filled, then as many
 * recordExecutedTrade, each phase timed over its batch). Every recorded count is read back from the
 * scrape and checked before anything is reported.
 *
 *   node --conditions=@evil2root/source --expose-gc bench/execution.ts
 *   BENCH_QUICK=1 ...              smoke run
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEnhancedMonitoring, silentLogger } from '@evil2root/monitoring';
import { parseSamples, sampleTotal } from './check.ts';
import { formatNs, measure, sinkValue, stats, table, type Case, type Plan } from './harness.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const PLAN: Plan = QUICK
  ? { warmupPasses: 3, warmupCalls: 10_000, rounds: 3, targetMs: 15, minCalls: 10_000, maxCalls: 200_000 }
  : { warmupPasses: 5, warmupCalls: 50_000, rounds: 7, targetMs: 250, minCalls: 100_000, maxCalls: 2_000_000 };
const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD'];
/** Orders in flight are prebuilt and reused once ended: ids must be unique among open orders only. */
const RING = 4096;

const dir = mkdtempSync(join(tmpdir(), 'evil2root-bench-execution-'));
const monitoring = await initEnhancedMonitoring({
  port: false,
  systemMetrics: false,
  logger: silentLogger,
  shutdownTimeoutMs: 0,
  stateDirectory: false,
  exportDirectory: dir,
  exportIntervalSeconds: 3600,
  otlp: { endpoint: 'http://127.0.0.1:9/v1/metrics', intervalSeconds: 3600, temporality: 'delta' },
});

const orders = Array.from({ length: RING }, (_, i) => ({
  orderId: `o-${i}`,
  symbol: SYMBOLS[i % SYMBOLS.length]!,
  side: i % 2 === 0 ? ('buy' as const) : ('sell' as const),
  type: 'limit',
  quantity: 1 + (i % 7),
  price: 100 + (i % 13),
  venue: 'binance',
  strategy: i % 3 === 0 ? 'trend' : 'mean_reversion',
}));
const accepted = orders.map((o) => ({ orderId: o.orderId, status: 'accepted' as const }));
const fills = orders.map((o) => ({
  orderId: o.orderId,
  price: o.price * (o.side === 'buy' ? 1.0001 : 0.9999),
  quantity: o.quantity,
  fee: 0.01,
  feeAsset: 'USDT',
  liquidity: 'taker' as const,
}));
// The same with the venue's times given (exchange streams carry them): no clock read per call.
const T0 = Date.now();
const timedOrders = orders.map((o, i) => ({ ...o, orderId: `t-${i}`, time: T0 }));
const timedAccepted = timedOrders.map((o) => ({ orderId: o.orderId, status: 'accepted' as const, time: T0 + 3 }));
const timedFills = timedOrders.map((o, i) => ({ ...fills[i]!, orderId: o.orderId, time: T0 + 5 }));
const trades = orders.map((o) => ({ symbol: o.symbol, direction: o.side, success: true }));
const positions = {
  positions: Array.from({ length: 10 }, (_, i) => ({
    symbol: `P${i}/USD`,
    quantity: i % 2 === 0 ? 1 + i : -1 - i,
    entryPrice: 100 + i,
    markPrice: 101 + i,
    venue: 'binance',
  })),
};

let k = 0;
const lifecycle: Case = {
  name: 'order + accepted update + completing fill',
  run: (n) => {
    for (let i = 0; i < n; i++) {
      const j = k++ & (RING - 1);
      monitoring.recordOrder(orders[j]!);
      monitoring.recordOrderUpdate(accepted[j]!);
      monitoring.recordFill(fills[j]!);
    }
    return k;
  },
};
let kt = 0;
const timedLifecycle: Case = {
  name: 'the same, times given',
  run: (n) => {
    for (let i = 0; i < n; i++) {
      const j = kt++ & (RING - 1);
      monitoring.recordOrder(timedOrders[j]!);
      monitoring.recordOrderUpdate(timedAccepted[j]!);
      monitoring.recordFill(timedFills[j]!);
    }
    return kt;
  },
};
let t = 0;
const executed: Case = {
  name: 'recordExecutedTrade',
  run: (n) => {
    for (let i = 0; i < n; i++) monitoring.recordExecutedTrade(trades[t++ & (RING - 1)]!);
    return t;
  },
};
let p = 0;
const positionSet: Case = {
  name: 'updatePositions, 10 positions',
  run: (n) => {
    for (let i = 0; i < n; i++) monitoring.updatePositions(positions);
    p += n;
    return p;
  },
};

const cases = [executed, lifecycle, timedLifecycle, positionSet];
const measured = measure(cases, PLAN, (line) => process.stderr.write(`  ${line}\n`));

/** Orders per batch of the per-call phases: well under `maxOpenOrders`, so none is evicted. */
const BATCH = 1024;
const PHASES = ['recordOrder', 'recordOrderUpdate (accepted)', 'recordFill (completing)', 'recordExecutedTrade'];
const phaseOrders = orders.map((o, i) => ({ ...o, orderId: `c-${i}` }));
const phaseAccepted = phaseOrders.map((o) => ({ orderId: o.orderId, status: 'accepted' as const }));
const phaseFills = phaseOrders.map((o, i) => ({ ...fills[i]!, orderId: o.orderId }));
/** ns per call of each phase, one sample per batch. */
function perCall(batches: number): number[][] {
  const samples: number[][] = PHASES.map(() => []);
  let at = 0;
  for (let b = 0; b < batches; b++) {
    const first = at;
    at = (at + BATCH) & (RING - 1);
    let t0 = performance.now();
    for (let i = 0; i < BATCH; i++) monitoring.recordOrder(phaseOrders[(first + i) & (RING - 1)]!);
    let t1 = performance.now();
    samples[0]!.push(((t1 - t0) * 1e6) / BATCH);
    t0 = t1;
    for (let i = 0; i < BATCH; i++) monitoring.recordOrderUpdate(phaseAccepted[(first + i) & (RING - 1)]!);
    t1 = performance.now();
    samples[1]!.push(((t1 - t0) * 1e6) / BATCH);
    t0 = t1;
    for (let i = 0; i < BATCH; i++) monitoring.recordFill(phaseFills[(first + i) & (RING - 1)]!);
    t1 = performance.now();
    samples[2]!.push(((t1 - t0) * 1e6) / BATCH);
    t0 = t1;
    for (let i = 0; i < BATCH; i++) monitoring.recordExecutedTrade(trades[(first + i) & (RING - 1)]!);
    t1 = performance.now();
    samples[3]!.push(((t1 - t0) * 1e6) / BATCH);
  }
  return samples;
}
const PHASE_BATCHES = QUICK ? 200 : 2000;
perCall(PHASE_BATCHES / 4);
const phaseSamples = perCall(PHASE_BATCHES);
const phaseCalls = (PHASE_BATCHES / 4 + PHASE_BATCHES) * BATCH;

// Read back: every call was recorded.
const samples = parseSamples(await monitoring.metricsText());
const total = (c: Case) => measured.get(c)!.runs.reduce((a, b) => a + b, 0);
const submitted = sampleTotal(samples, 'order_events_total', (l) => l['event'] === 'submitted');
const filled = sampleTotal(samples, 'order_events_total', (l) => l['event'] === 'filled');
const executedCount = sampleTotal(samples, 'executed_trades_total');
// NaN: no series at all, nothing was dropped.
const invalid = sampleTotal(samples, 'monitoring_invalid_inputs_total') || 0;
const tracking = sampleTotal(samples, 'order_tracking_errors_total');
const lifecycles = total(lifecycle) + total(timedLifecycle) + phaseCalls;
if (submitted !== lifecycles || filled !== lifecycles)
  throw new Error(`recorded ${submitted} submitted and ${filled} filled orders, ran ${lifecycles}`);
if (executedCount !== total(executed) + phaseCalls)
  throw new Error(`recorded ${executedCount} trades, ran ${total(executed)}`);
if (invalid !== 0 || tracking !== 0) throw new Error(`${invalid} invalid inputs, ${tracking} tracking errors`);

const base = stats(measured.get(executed)!.samples).medianNs;
const rows = cases.map((c) => {
  const s = stats(measured.get(c)!.samples);
  return [c.name, formatNs(s.medianNs), formatNs(s.minNs), formatNs(s.maxNs), `${(s.medianNs / base).toFixed(1)}x`];
});
console.log('@evil2root/monitoring execution hot path');
console.log(`node ${process.version} | ${PLAN.rounds} interleaved rounds${QUICK ? ' (QUICK)' : ''}`);
console.log(table(['case', 'median ns', 'min ns', 'max ns', 'vs recordExecutedTrade'], rows));
const phaseStats = phaseSamples.map((s) => stats(s));
const phaseBase = phaseStats[3]!.medianNs;
console.log(`\neach call on its own, batches of ${BATCH} orders, ${PHASE_BATCHES} batches:`);
console.log(
  table(
    ['call', 'median ns', 'vs recordExecutedTrade'],
    PHASES.map((name, i) => [
      name,
      formatNs(phaseStats[i]!.medianNs),
      `${(phaseStats[i]!.medianNs / phaseBase).toFixed(1)}x`,
    ]),
  ),
);
const summary = {
  quick: QUICK,
  executedTradeNs: base,
  orderLifecycleNs: stats(measured.get(lifecycle)!.samples).medianNs,
  orderLifecycleTimesGivenNs: stats(measured.get(timedLifecycle)!.samples).medianNs,
  updatePositions10Ns: stats(measured.get(positionSet)!.samples).medianNs,
  lifecycleOverExecutedTrade: stats(measured.get(lifecycle)!.samples).medianNs / base,
  perCallNs: Object.fromEntries(PHASES.map((name, i) => [name, phaseStats[i]!.medianNs])),
  ordersChecked: submitted,
  sink: sinkValue(),
};
console.log(`JSON: ${JSON.stringify(summary)}`);
await monitoring.shutdown();
rmSync(dir, { recursive: true, force: true });
