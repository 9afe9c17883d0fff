/**
 * Cost of the streaming trading analytics on the hot path, against recomputing from scratch, and
 * against the previous release side by side in this process.
 *
 *   npm exec -- node --conditions=@evil2root/source --expose-gc bench/trading-analytics.ts   (BENCH_QUICK=1 for a short run)
 *
 * The previous release is the source tree at BASELINE (default: `git merge-base HEAD main`),
 * extracted with `git archive` into a temporary directory of the repository and imported beside
 * the current one: `recordClosedTrade` of both, same inputs, interleaved rounds, and
 * `restoreHistory` of 1M closed trades with the heap growth after GC.
 *
 * Prints tables (median ns per call) and a last line `JSON: {...}`.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatNs, measure, sinkValue, stats, table } from './harness.ts';
import type { Case, Plan } from './harness.ts';
import * as current from '../src/index.ts';
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

type Sdk = typeof current;
type ClosedTradeInput = Parameters<current.MonitoringService['recordClosedTrade']>[0];

/** The source tree at `commit`, extracted inside the repository (so that its imports find node_modules) and imported. */
async function loadBaseline(commit: string): Promise<{ sdk: Sdk; dispose: () => void }> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const dir = mkdtempSync(join(root, '.bench-baseline-'));
  const archive = execFileSync('git', ['archive', commit, 'src'], { cwd: root, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  const sdk = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as Sdk;
  return { sdk, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

const SYMBOLS = [
  'BTC/USD',
  'ETH/USD',
  'SOL/USD',
  'XRP/USD',
  'ADA/USD',
  'DOT/USD',
  'LTC/USD',
  'BNB/USD',
  'AVAX/USD',
  'LINK/USD',
];

/** Prebuilt trades, cycled: {symbol, direction, pnl, fees}, and with all nine fields. */
function closedTrades(): { minimal: ClosedTradeInput[]; full: ClosedTradeInput[] } {
  const t0 = Date.UTC(2025, 0, 1);
  const minimal: ClosedTradeInput[] = [];
  const full: ClosedTradeInput[] = [];
  for (let i = 0; i <= MASK; i++) {
    const base = { symbol: SYMBOLS[i % 10]!, direction: i & 1 ? 'buy' : 'sell', pnl: PNLS[i]!, fees: 0.1 } as const;
    minimal.push({ ...base });
    full.push({
      ...base,
      entryPrice: 100,
      exitPrice: 101,
      quantity: 2,
      openedAt: t0 + i * 60_000 - 30_000,
      closedAt: t0 + i * 60_000,
    });
  }
  return { minimal, full };
}

/**
 * The SDK in the analytics bench's configuration, without a server (trade window 100,
 * startingBalance, daily returns). The SDK keeps one running instance per process in a slot on
 * globalThis; the slot is cleared after the start so that the other release can start beside it.
 */
async function startSdk(sdk: Sdk): Promise<current.MonitoringService> {
  const m = await sdk.initEnhancedMonitoring({
    port: false,
    systemMetrics: false,
    dashboard: false,
    stateDirectory: false,
    logger: sdk.silentLogger,
    shutdownTimeoutMs: 0,
    tradeWindow: 100,
    startingBalance: 10_000,
  });
  const slot = (globalThis as Record<symbol, { service?: unknown }>)[Symbol.for('@evil2root/monitoring.current')];
  if (slot !== undefined) slot.service = undefined;
  return m;
}

/** recordClosedTrade of the previous release and of this one, side by side; then restoreHistory of `restoreTrades` in each. */
async function versusBaseline(restoreTrades: number): Promise<{
  baseline: string;
  rows: string[][];
  ratios: { minimal: number; full: number };
  restore: { name: string; ms: number; heapGrowthBytes: number }[];
}> {
  const baseline =
    process.env['BASELINE'] ?? execFileSync('git', ['merge-base', 'HEAD', 'main'], { encoding: 'utf8' }).trim();
  const before = await loadBaseline(baseline);
  try {
    const trades = closedTrades();
    const old = await startSdk(before.sdk);
    const now = await startSdk(current);
    const caseOf = (name: string, m: current.MonitoringService, list: ClosedTradeInput[]): Case => {
      let i = 0;
      return {
        name,
        run: (n) => {
          for (let k = 0; k < n; k++) m.recordClosedTrade(list[i++ & MASK]!);
          return i;
        },
      };
    };
    const cases = [
      caseOf('previous release, {symbol, direction, pnl, fees}', old, trades.minimal),
      caseOf('this branch, {symbol, direction, pnl, fees}', now, trades.minimal),
      caseOf('previous release, all 9 fields', old, trades.full),
      caseOf('this branch, all 9 fields', now, trades.full),
    ];
    const measured = measure(cases, PLAN, (line) => console.error(line));
    const medians = cases.map((c) => stats(measured.get(c)!.samples));
    await old.shutdown();
    await now.shutdown();
    const rows = cases.map((c, k) => [
      `recordClosedTrade: ${c.name}`,
      formatNs(medians[k]!.medianNs),
      `${formatNs(medians[k]!.minNs)} - ${formatNs(medians[k]!.maxNs)}`,
      k % 2 === 1 ? `${(medians[k]!.medianNs / medians[k - 1]!.medianNs).toFixed(2)}x` : '',
    ]);
    const ratios = {
      minimal: medians[1]!.medianNs / medians[0]!.medianNs,
      full: medians[3]!.medianNs / medians[2]!.medianNs,
    };

    // restoreHistory: 1M trades with open and close times, one SDK at a time, heap growth after GC.
    const history = Array.from({ length: restoreTrades }, (_, i) => trades.full[i & MASK]!).map((t, i) => ({
      ...t,
      openedAt: Date.UTC(2020, 0, 1) + i * 60_000 - 30_000,
      closedAt: Date.UTC(2020, 0, 1) + i * 60_000,
    }));
    const restore: { name: string; ms: number; heapGrowthBytes: number }[] = [];
    for (const [name, sdk] of [
      ['previous release', before.sdk],
      ['this branch', current],
      ['previous release', before.sdk],
      ['this branch', current],
    ] as const) {
      const m = await startSdk(sdk);
      globalThis.gc?.();
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const applied = m.restoreHistory({ closedTrades: history });
      const ms = performance.now() - t0;
      globalThis.gc?.();
      const heapGrowthBytes = process.memoryUsage().heapUsed - heap0;
      if (applied.trades !== restoreTrades) throw new Error(`${name}: restoreHistory applied ${applied.trades}`);
      await m.shutdown();
      restore.push({ name, ms, heapGrowthBytes });
    }
    return { baseline, rows, ratios, restore };
  } finally {
    before.dispose();
  }
}

/** Runs the benchmark, prints the table and the JSON line, and returns the summary. */
export async function runTradingAnalyticsBench(): Promise<object> {
  if (globalThis.gc === undefined) console.warn('run with --expose-gc for stable numbers and heap growth');
  // First: the classes' own cases below feed this release's code other argument shapes (add(pnl,
  // fees) without times), which V8 would carry into the side-by-side comparison.
  const vb = await versusBaseline(QUICK ? 100_000 : FEED_TRADES);
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
  console.log(
    `\nside by side with the previous release (${vb.baseline.slice(0, 10)}), same inputs, interleaved rounds:`,
  );
  console.log(table(['case', 'median ns', 'min - max ns', 'this / previous'], vb.rows));
  console.log(
    table(
      ['restoreHistory of closed trades (with open and close times)', 'ms', 'heap growth after GC'],
      vb.restore.map((r) => [
        `${r.name}, ${(QUICK ? 100_000 : FEED_TRADES).toLocaleString('en-US')} trades`,
        r.ms.toFixed(0),
        `${(r.heapGrowthBytes / 1024).toFixed(0)} KiB`,
      ]),
    ),
  );
  const summary = {
    baseline: vb.baseline,
    recordClosedTradeRatio: vb.ratios,
    restore: vb.restore,
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
