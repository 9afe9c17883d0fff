/**
 * Cost of the streaming trading analytics on the hot path, against recomputing from scratch.
 *
 *   npm exec -- node --expose-gc bench/trading-analytics.ts      (BENCH_QUICK=1 for a short run)
 *
 * Prints a table (median ns per call) and a last line `JSON: {...}`.
 */

import { formatNs, measure, sinkValue, stats, table } from './harness.ts';
import type { Case, Plan } from './harness.ts';
import {
  EquityAnalytics,
  TradeAnalytics,
  maxDrawdown,
  returnsFromEquity,
  sharpeRatio,
  tradeStats,
} from '../src/analytics/trading/index.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const PLAN: Plan = QUICK
  ? { warmupPasses: 2, warmupCalls: 20_000, rounds: 3, targetMs: 20, minCalls: 10_000, maxCalls: 2_000_000 }
  : { warmupPasses: 4, warmupCalls: 100_000, rounds: 9, targetMs: 100, minCalls: 10_000, maxCalls: 20_000_000 };
const NAIVE_UPDATES = QUICK ? 2_000 : 10_000;
const FEED_TRADES = 1_000_000;

/** Pre-drawn inputs, cycled by index, so the loops measure the analytics and not a PRNG. */
const MASK = 4095;
const PNLS = new Float64Array(MASK + 1);
const EQUITY = new Float64Array(MASK + 1);
{
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let e = 10_000;
  for (let i = 0; i <= MASK; i++) {
    PNLS[i] = rand() < 0.05 ? 0 : (rand() - 0.47) * 100;
    e *= 1 + (rand() - 0.49) * 0.002;
    EQUITY[i] = e;
  }
}

function tradeAddCase(): Case {
  const ta = new TradeAnalytics({ window: 100, startingBalance: 10_000 });
  let i = 0;
  return {
    name: 'TradeAnalytics.add (window 100, startingBalance)',
    run: (n) => {
      for (let k = 0; k < n; k++) ta.add(PNLS[i++ & MASK]!, 0.1);
      return ta.windowCount;
    },
  };
}

function equityUpdateCase(): Case {
  // One update per ms and 100 ms periods: a period closes every 100 updates.
  const ea = new EquityAnalytics({ intervalMs: 100, periodsPerYear: 365.25 * 864_000, window: 30 });
  let t = 0;
  return {
    name: 'EquityAnalytics.update (period closes every 100)',
    run: (n) => {
      for (let k = 0; k < n; k++) ea.update(EQUITY[t & MASK]!, t++);
      return t;
    },
  };
}

/** ns per update of the streaming pair (one trade + one equity value), and of the naive recompute, over the same `updates`. */
function naiveVersusStreaming(updates: number): { streamingNs: number; naiveNs: number } {
  const runStreaming = () => {
    const ta = new TradeAnalytics({ window: 100, startingBalance: 10_000 });
    const ea = new EquityAnalytics({ intervalMs: 1, periodsPerYear: 252, window: 30 });
    const t0 = process.hrtime.bigint();
    let acc = 0;
    for (let i = 0; i < updates; i++) {
      ta.add(PNLS[i & MASK]!);
      ea.update(EQUITY[i & MASK]!, i);
      // Read what the naive loop computes, so both sides do the same work per update.
      acc += ta.rolling().trades + (ea.lifetime().sharpe ?? 0) + (ea.lifetime().maxDrawdown ?? 0);
    }
    return [Number(process.hrtime.bigint() - t0) / updates, acc] as const;
  };
  const runNaive = () => {
    const pnls: number[] = [];
    const equity: number[] = [];
    const t0 = process.hrtime.bigint();
    let acc = 0;
    for (let i = 0; i < updates; i++) {
      pnls.push(PNLS[i & MASK]!);
      equity.push(EQUITY[i & MASK]!);
      const returns = returnsFromEquity(equity);
      acc += tradeStats(pnls.slice(-100)).trades + (sharpeRatio(returns) || 0) + (maxDrawdown(returns) || 0);
    }
    return [Number(process.hrtime.bigint() - t0) / updates, acc] as const;
  };
  const s: number[] = [];
  const v: number[] = [];
  let sink = 0;
  for (let r = 0; r < 3; r++) {
    globalThis.gc?.();
    const [a, x] = runStreaming();
    globalThis.gc?.();
    const [b, y] = runNaive();
    s.push(a);
    v.push(b);
    sink += x + y;
  }
  if (!Number.isFinite(sink)) throw new Error('non-finite benchmark result');
  return { streamingNs: stats(s).medianNs, naiveNs: stats(v).medianNs };
}

/** Wall time and heap growth of feeding `trades` trades into one TradeAnalytics (memory must stay bounded). */
function feed(trades: number): { ms: number; heapGrowthBytes: number } {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const ta = new TradeAnalytics({ window: 100, startingBalance: 10_000 });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < trades; i++) ta.add(PNLS[i & MASK]!, 0.1);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  globalThis.gc?.();
  const heapGrowthBytes = process.memoryUsage().heapUsed - before;
  if (ta.lifetime().trades !== trades) throw new Error('feed lost trades');
  return { ms, heapGrowthBytes };
}

/** Runs the benchmark, prints the table and the JSON line, and returns the summary. */
export async function runTradingAnalyticsBench(): Promise<object> {
  if (globalThis.gc === undefined) console.warn('run with --expose-gc for stable numbers and heap growth');
  const cases = [tradeAddCase(), equityUpdateCase()];
  const measured = measure(cases, PLAN, (line) => console.error(line));
  const [add, update] = cases.map((c) => stats(measured.get(c)!.samples));
  const vs = naiveVersusStreaming(NAIVE_UPDATES);
  const fed = feed(FEED_TRADES);
  const ratio = (x: number) => `${(x / vs.streamingNs).toFixed(1)}x`;
  console.log(
    table(
      ['case', 'median ns', 'min ns', 'max ns', 'vs streaming pair'],
      [
        [cases[0]!.name, formatNs(add!.medianNs), formatNs(add!.minNs), formatNs(add!.maxNs), ''],
        [cases[1]!.name, formatNs(update!.medianNs), formatNs(update!.minNs), formatNs(update!.maxNs), ''],
        [`streaming pair + reads, ${NAIVE_UPDATES} updates`, formatNs(vs.streamingNs), '', '', '1.0x'],
        [`naive recompute, ${NAIVE_UPDATES} updates`, formatNs(vs.naiveNs), '', '', ratio(vs.naiveNs)],
      ],
    ),
  );
  console.log(
    `feed ${FEED_TRADES} trades: ${fed.ms.toFixed(1)} ms, heap growth ${(fed.heapGrowthBytes / 1024).toFixed(1)} KiB`,
  );
  const summary = {
    quick: QUICK,
    tradeAddNs: add!.medianNs,
    equityUpdateNs: update!.medianNs,
    streamingPerUpdateNs: vs.streamingNs,
    naivePerUpdateNs: vs.naiveNs,
    naiveUpdates: NAIVE_UPDATES,
    naiveOverStreaming: vs.naiveNs / vs.streamingNs,
    feedTrades: FEED_TRADES,
    feedMs: fed.ms,
    feedHeapGrowthBytes: fed.heapGrowthBytes,
    sink: sinkValue(),
  };
  console.log(`JSON: ${JSON.stringify(summary)}`);
  return summary;
}

if (import.meta.main) await runTradingAnalyticsBench();
