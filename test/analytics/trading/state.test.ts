import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DrawdownTracker,
  EquityAnalytics,
  TradeAnalytics,
  annualReturn,
  annualVolatility,
  calmarRatio,
  conditionalValueAtRisk,
  kurtosis,
  maxDrawdown,
  omegaRatio,
  skewness,
  tailRatio,
  valueAtRisk,
  sharpeRatio,
  sortinoRatio,
  tradeStats,
} from '../../../src/analytics/trading/index.ts';
import type {
  DrawMode,
  EquityAnalyticsOptions,
  EquityAnalyticsState,
  EquitySummary,
  TradeAnalyticsOptions,
  TradeAnalyticsState,
  TradeSummary,
} from '../../../src/analytics/trading/index.ts';
import { ReturnSums } from '../../../src/analytics/trading/return-sums.ts';
import { StateMismatchError } from '../../../src/analytics/state.ts';
import { prng } from '../../helpers/random.ts';
import {
  assertMismatch,
  assertNear,
  assertRejectsDamage,
  assertRestartsExact,
  cutPoints,
  throughJson,
  type Restartable,
  type Step,
} from '../state-helpers.ts';

// ---------------------------------------------------------------------------------------------
// DrawdownTracker

function drawdownRestartable(): Restartable<DrawdownTracker> {
  return { make: () => new DrawdownTracker(), save: (x) => x.saveState(), load: (x, s) => x.loadState(s) };
}

function observeDrawdown(d: DrawdownTracker): unknown {
  return [d.count, d.peak, d.drawdown, d.drawdownAbs, d.maxDrawdown, d.maxDrawdownAbs];
}

function drawdownSteps(rand: () => number, length: number): Step<DrawdownTracker>[] {
  const steps: Step<DrawdownTracker>[] = [];
  let level = 100;
  for (let i = 0; i < length; i++) {
    const u = rand();
    // Mostly a random walk; some zeros, negative values, huge values (whose differences overflow), and ignored non-finite ones.
    const v =
      u < 0.05
        ? 0
        : u < 0.1
          ? -rand() * 50
          : u < 0.12
            ? (rand() < 0.5 ? 1 : -1) * 1.7e308
            : u < 0.15
              ? [NaN, Infinity, -Infinity][Math.floor(rand() * 3)]!
              : (level *= 1 + (rand() - 0.5) * 0.2);
    steps.push((d) => d.update(v));
    if (rand() < 0.3) steps.push(observeDrawdown);
  }
  steps.push(observeDrawdown);
  return steps;
}

test('DrawdownTracker: restarted chains equal an uninterrupted run exactly (seeded, 200 streams)', () => {
  const rand = prng(101);
  for (let s = 0; s < 200; s++) {
    const steps = drawdownSteps(rand, Math.floor(rand() * 120));
    assertRestartsExact(drawdownRestartable(), steps, cutPoints(rand, steps.length), `stream ${s}`);
  }
});

test('DrawdownTracker: damaged states are rejected and leave the tracker as new', () => {
  const rand = prng(102);
  const d = new DrawdownTracker();
  for (const step of drawdownSteps(rand, 30)) step(d);
  assertRejectsDamage(
    drawdownRestartable(),
    throughJson(d.saveState()),
    drawdownSteps(prng(103), 20),
    'DrawdownTracker',
    [],
    ['peakAt', 'maxDuration'],
  );
  const state = throughJson(d.saveState()) as Record<string, unknown>;
  assertMismatch(() => new DrawdownTracker().loadState({ ...state, count: -1 }), /DrawdownTracker\.count/, 'count -1');
  assertMismatch(
    () => new DrawdownTracker().loadState({ ...state, count: 1.5 }),
    /DrawdownTracker\.count/,
    'count 1.5',
  );
  assertMismatch(() => new DrawdownTracker().loadState({ ...state, peak: 'Infinity' }), /peak/, 'peak infinite');
  assertMismatch(
    () => new DrawdownTracker().loadState({ ...state, count: 'x' }, 'outer.tracker'),
    /^outer\.tracker\.count/,
    'path of a nested tracker',
  );
});

// ---------------------------------------------------------------------------------------------
// ReturnSums (internal, but it carries its own state inside EquityAnalytics)

test('ReturnSums: restarted chains of adds and removals equal an uninterrupted run exactly (seeded, 200 streams)', () => {
  const rand = prng(111);
  for (let s = 0; s < 200; s++) {
    const riskFree = rand() < 0.5 ? 0 : rand() * 0.001;
    const required = rand() < 0.5 ? 0 : (rand() - 0.5) * 0.002;
    const r: Restartable<ReturnSums> = {
      make: () => new ReturnSums(riskFree, required),
      save: (x) => x.saveState(),
      load: (x, st) => x.loadState(st),
    };
    // The window is kept by the test (as EquityAnalytics does), so removals are of the oldest return.
    const window: number[] = [];
    const steps: Step<ReturnSums>[] = [];
    const cap = 1 + Math.floor(rand() * 20);
    const length = Math.floor(rand() * 150);
    for (let i = 0; i < length; i++) {
      const u = rand();
      const ret = u < 0.1 ? 0 : u < 0.13 ? -1 : u < 0.16 ? -1.5 : u < 0.2 ? -0.3 * rand() : (rand() - 0.48) * 0.02;
      const times = rand() < 0.1 ? 1 + Math.floor(rand() * 5) : 1;
      steps.push((x) => x.add(ret, times));
      for (let k = 0; k < times; k++) window.push(ret);
      while (window.length > cap) {
        const old = window.shift()!;
        steps.push((x) => x.remove(old));
      }
      if (rand() < 0.4) steps.push((x) => [x.n, x.inexact, x.ratios(252, 0.1)]);
    }
    steps.push((x) => [x.n, x.inexact, x.ratios(12, 0.2)]);
    assertRestartsExact(r, steps, cutPoints(rand, steps.length), `stream ${s}`);
  }
});

test('ReturnSums: a state saved with other rates is rejected, naming the rate', () => {
  const sums = new ReturnSums(0.001, 0);
  sums.add(0.01);
  const state = throughJson(sums.saveState());
  assertMismatch(() => new ReturnSums(0, 0).loadState(state), /ReturnSums\.riskFree/, 'riskFree');
  assertMismatch(() => new ReturnSums(0.001, 0.002).loadState(state), /ReturnSums\.requiredReturn/, 'requiredReturn');
  // -0 is saved as 0 and still matches.
  const negativeZero = new ReturnSums(-0, -0);
  new ReturnSums(-0, -0).loadState(throughJson(negativeZero.saveState()));
  new ReturnSums(0, 0).loadState(throughJson(negativeZero.saveState()));
});

// ---------------------------------------------------------------------------------------------
// TradeAnalytics

/** What a reader sees, the drawdown durations as of a fixed time after every trade of the streams. */
function observeTrades(t: TradeAnalytics): unknown {
  const now = 1_800_000_000_000;
  return [
    t.lifetime(),
    t.rolling(),
    t.windowCount,
    t.balance,
    t.drawdown,
    t.maxDrawdown,
    t.maxDrawdownAbs,
    t.drawdownDurationAt(now),
    t.maxDrawdownDurationAt(now),
  ];
}

/** A stream of trades with draws, fee-only trades, huge results (whose sums overflow), ignored non-finite ones, and reads at random. */
function tradeSteps(
  rand: () => number,
  length: number,
  reads = 0.3,
): { steps: Step<TradeAnalytics>[]; nets: number[] } {
  const steps: Step<TradeAnalytics>[] = [];
  const nets: number[] = [];
  const scale = rand() < 0.2 ? 1e6 : 100;
  let at = 1_700_000_000_000;
  for (let i = 0; i < length; i++) {
    const u = rand();
    let pnl = u < 0.1 ? 0 : (rand() - 0.45) * scale * (rand() < 0.05 ? 1e6 : 1);
    let fees = u > 0.9 ? pnl : rand() < 0.5 ? 0 : rand() * 0.5;
    if (rand() < 0.01) pnl = (rand() < 0.5 ? 1 : -1) * 1e308;
    if (rand() < 0.02) [pnl, fees] = rand() < 0.5 ? [NaN, 0] : [1, Infinity];
    // Holding times and close times for most trades (the clock may step back), unknown for some.
    const held = rand() < 0.7 ? rand() * 86_400 : NaN;
    const closedAt = rand() < 0.8 ? (at += Math.floor((rand() - 0.05) * 3_600_000)) : NaN;
    steps.push((t) => t.add(pnl, fees, held, closedAt));
    if (Number.isFinite(pnl - fees)) nets.push(pnl - fees);
    if (rand() < reads) steps.push(observeTrades);
  }
  steps.push(observeTrades);
  return { steps, nets };
}

function randomTradeOptions(rand: () => number): TradeAnalyticsOptions {
  const modes: DrawMode[] = ['notWin', 'win', 'exclude'];
  return {
    window: 1 + Math.floor(rand() * 40),
    draws: modes[Math.floor(rand() * 3)]!,
    ...(rand() < 0.6 ? { startingBalance: rand() < 0.2 ? 0 : rand() < 0.2 ? -100 : 1000 * rand() } : {}),
  };
}

function tradeRestartable(options: TradeAnalyticsOptions): Restartable<TradeAnalytics> {
  return { make: () => new TradeAnalytics(options), save: (x) => x.saveState(), load: (x, s) => x.loadState(s) };
}

test('TradeAnalytics: restarted chains equal an uninterrupted run exactly (seeded, 300 streams)', () => {
  const rand = prng(121);
  for (let s = 0; s < 300; s++) {
    const options = randomTradeOptions(rand);
    // Rarely read streams keep the window's `inexact` flag set across saves; often read ones clear it.
    const { steps } = tradeSteps(rand, Math.floor(rand() * 250), s % 2 === 0 ? 0.05 : 0.5);
    assertRestartsExact(tradeRestartable(options), steps, cutPoints(rand, steps.length), `stream ${s}`);
  }
});

test('TradeAnalytics: a long run with outliers leaving the window, restarted 20 times', () => {
  // Outliers that cancel most of a window sum set the `inexact` flag; restarts between the
  // eviction and the next read must carry it over.
  const rand = prng(122);
  const steps: Step<TradeAnalytics>[] = [];
  for (let i = 0; i < 5000; i++) {
    const pnl = i % 97 === 0 ? 1e12 * (rand() - 0.4) : rand() - 0.5;
    steps.push((t) => t.add(pnl));
    if (i % 97 >= 49 && i % 97 <= 53) steps.push(observeTrades);
  }
  steps.push(observeTrades);
  const cuts = Array.from({ length: 20 }, () => Math.floor(rand() * steps.length)).sort((a, b) => a - b);
  assertRestartsExact(tradeRestartable({ window: 50, startingBalance: 10 }), steps, [cuts], 'long run');
});

test('TradeAnalytics: a state saved with another draws mode or starting balance is rejected, naming it', () => {
  const ta = new TradeAnalytics({ window: 5, draws: 'win', startingBalance: 1000 });
  for (const step of tradeSteps(prng(123), 20).steps) step(ta);
  const state = throughJson(ta.saveState());
  assertMismatch(
    () => new TradeAnalytics({ window: 5, startingBalance: 1000 }).loadState(state),
    /TradeAnalytics\.draws/,
    'draws',
  );
  assertMismatch(
    () => new TradeAnalytics({ window: 5, draws: 'exclude', startingBalance: 1000 }).loadState(state),
    /TradeAnalytics\.draws/,
    'draws',
  );
  assertMismatch(
    () => new TradeAnalytics({ window: 5, draws: 'win', startingBalance: 999 }).loadState(state),
    /TradeAnalytics\.startingBalance/,
    'startingBalance value',
  );
  assertMismatch(
    () => new TradeAnalytics({ window: 5, draws: 'win' }).loadState(state),
    /TradeAnalytics\.startingBalance/,
    'no startingBalance',
  );
  const without = throughJson(new TradeAnalytics({ window: 5 }).saveState());
  assertMismatch(
    () => new TradeAnalytics({ window: 5, startingBalance: 0 }).loadState(without),
    /TradeAnalytics\.startingBalance/,
    'startingBalance added',
  );
  // A starting balance of -0 is saved as 0 and still matches (JSON has no -0).
  new TradeAnalytics({ startingBalance: -0 }).loadState(
    throughJson(new TradeAnalytics({ startingBalance: -0 }).saveState()),
  );
});

test('TradeAnalytics: damaged states are rejected and leave the instance as new', () => {
  for (const options of [{ window: 4, draws: 'exclude' as const, startingBalance: 100 }, { window: 6 }]) {
    const rand = prng(124);
    const ta = new TradeAnalytics(options);
    for (const step of tradeSteps(rand, 12).steps) step(ta);
    const state = throughJson(ta.saveState()) as TradeAnalyticsState;
    const check = tradeSteps(prng(125), 15).steps;
    assertRejectsDamage(
      tradeRestartable(options),
      state,
      check,
      `TradeAnalytics ${JSON.stringify(options)}`,
      [],
      ['fees', 'held', 'runs', 'realized.peakAt', 'realized.maxDuration'],
    );
    const bad = (patch: Partial<Record<keyof TradeAnalyticsState, unknown>>, field: RegExp, what: string) =>
      assertMismatch(() => new TradeAnalytics(options).loadState({ ...state, ...patch }), field, what);
    bad({ evictions: options.window }, /TradeAnalytics\.evictions/, 'evictions = window');
    bad({ evictions: -1 }, /TradeAnalytics\.evictions/, 'evictions -1');
    bad({ window: 0 }, /TradeAnalytics\.window/, 'window 0');
    bad({ window: 2.5 }, /TradeAnalytics\.window/, 'window 2.5');
    bad({ trades: state.trades.slice(1) }, /TradeAnalytics\.rolling/, 'a trade fewer than the counts');
    bad({ trades: [...state.trades.slice(1), 'Infinity'] }, /TradeAnalytics\.trades\[/, 'an infinite trade');
    bad(
      { rolling: { ...state.rolling, wins: state.rolling.wins + 0.5 } },
      /TradeAnalytics\.rolling\.wins/,
      'fractional wins',
    );
    bad(
      { lifetime: { ...state.lifetime, wins: state.rolling.wins - 1 } },
      /TradeAnalytics\.lifetime counts fewer/,
      'fewer lifetime wins than in the window',
    );
  }
});

test('TradeAnalytics: another window keeps the lifetime exactly and rebuilds the window from the newest saved trades', () => {
  const rand = prng(126);
  for (let s = 0; s < 200; s++) {
    const saved = 1 + Math.floor(rand() * 30);
    const changed = 1 + Math.floor(rand() * 30);
    const base = { draws: 'notWin' as const, startingBalance: 500 };
    // Tame results: the rolling sums of two instances then agree to ~1e-15 relative.
    const nets = Array.from({ length: Math.floor(rand() * 120) }, () => (rand() < 0.1 ? 0 : (rand() - 0.45) * 100));
    const cut = Math.floor(rand() * (nets.length + 1));
    const b = new TradeAnalytics({ ...base, window: saved });
    const reference = new TradeAnalytics({ ...base, window: changed });
    for (const net of nets.slice(0, cut)) {
      b.add(net);
      reference.add(net);
    }
    const c = new TradeAnalytics({ ...base, window: changed });
    c.loadState(throughJson(b.saveState()));
    for (let i = cut; i <= nets.length; i++) {
      const where = `stream ${s} (window ${saved} -> ${changed}), after ${i} trades`;
      // Exactly what an instance with the new window fed the whole stream has.
      assert.deepStrictEqual(c.lifetime(), reference.lifetime(), `${where}: lifetime`);
      assert.deepStrictEqual(
        [c.balance, c.drawdown, c.maxDrawdown, c.maxDrawdownAbs],
        [reference.balance, reference.drawdown, reference.maxDrawdown, reference.maxDrawdownAbs],
        where,
      );
      // The window: the newest min(saved, changed) trades at the load, then filling with new ones.
      const count = Math.min(changed, Math.min(saved, cut) + (i - cut), i);
      assert.equal(c.windowCount, count, where);
      const want = count === reference.windowCount ? reference.rolling() : summaryOf(nets.slice(i - count, i));
      assertTradeSummaryNear(c.rolling(), want, where);
      if (i < nets.length) {
        c.add(nets[i]!);
        reference.add(nets[i]!);
      }
    }
  }
});

function summaryOf(nets: number[]): TradeSummary {
  const f = (x: number) => (Number.isFinite(x) ? x : undefined);
  const s = tradeStats(nets);
  return {
    ...s,
    winRate: f(s.winRate),
    profitFactor: f(s.profitFactor),
    averageWin: f(s.averageWin),
    averageLoss: f(s.averageLoss),
    expectancy: f(s.expectancy),
    largestWin: f(s.largestWin),
    largestLoss: f(s.largestLoss),
    payoffRatio: f(s.payoffRatio),
    sqn: f(s.sqn),
    // The stream has no fees and no holding times.
    feesTotal: 0,
    averageHoldingWin: undefined,
    averageHoldingLoss: undefined,
  };
}

/** 1e-12 relative; netPnl and expectancy are differences of the sums, so they get an absolute floor of 1e-12 of the sums. */
function assertTradeSummaryNear(got: TradeSummary, want: TradeSummary, where: string): void {
  const floor = 1e-12 * (want.grossProfit + want.grossLoss);
  for (const key of Object.keys(want) as (keyof TradeSummary)[]) {
    const difference = key === 'netPnl' || key === 'expectancy';
    assertNear(got[key], want[key], `${where}: rolling ${key}`, 1e-12, difference ? floor : 0);
  }
}

// ---------------------------------------------------------------------------------------------
// EquityAnalytics

function observeEquity(e: EquityAnalytics): unknown {
  return [e.lifetime(), e.rolling(), e.peak, e.drawdown, e.maxDrawdown, e.maxDrawdownAbs];
}

/**
 * Equity updates over time: several per period, empty periods, long gaps, advance() calls, a clock
 * stepping back, blown accounts (0 and negative equity), ignored non-finite values and times, and
 * reads at random (a read recomputes the rolling drawdown and inexact sums, so it is part of the
 * stream both runs see).
 */
function equitySteps(rand: () => number, intervalMs: number, periods: number, reads = 0.3): Step<EquityAnalytics>[] {
  const steps: Step<EquityAnalytics>[] = [];
  let t = 1_700_000_000_000 + Math.floor(rand() * 1e9);
  let level = 1000 * (0.5 + rand());
  for (let k = 0; k < periods; k++) {
    const u = rand();
    if (u < 0.1) t += intervalMs * (1 + Math.floor(rand() * (rand() < 0.2 ? 200 : 5)));
    else t += Math.floor(rand() * intervalMs);
    if (rand() < 0.05) t -= Math.floor(rand() * intervalMs * 3);
    const v = rand();
    const equity =
      v < 0.02
        ? 0
        : v < 0.04
          ? -rand() * 100
          : v < 0.06
            ? NaN
            : (level *=
                1 + (v < 0.1 ? 0 : v < 0.14 ? -0.3 * rand() : v < 0.17 ? 0.5 * rand() : (rand() - 0.48) * 0.02));
    const now = rand() < 0.01 ? Infinity : t;
    steps.push((e) => e.update(equity, now));
    if (rand() < 0.15) {
      const at = t + Math.floor(rand() * intervalMs * 3);
      steps.push((e) => e.advance(at));
    }
    if (rand() < reads) steps.push(observeEquity);
  }
  steps.push(observeEquity);
  return steps;
}

function randomEquityOptions(rand: () => number): EquityAnalyticsOptions {
  return {
    intervalMs: 1000 * (1 + Math.floor(rand() * 60)),
    periodsPerYear: [252, 52, 12, 8760, 365.25][Math.floor(rand() * 5)]!,
    riskFree: rand() < 0.5 ? 0 : rand() * 0.001,
    requiredReturn: rand() < 0.5 ? 0 : (rand() - 0.5) * 0.002,
    window: 1 + Math.floor(rand() * 40),
  };
}

function equityRestartable(options: EquityAnalyticsOptions): Restartable<EquityAnalytics> {
  return { make: () => new EquityAnalytics(options), save: (x) => x.saveState(), load: (x, s) => x.loadState(s) };
}

test('EquityAnalytics: restarted chains equal an uninterrupted run exactly (seeded, 300 streams)', () => {
  const rand = prng(131);
  for (let s = 0; s < 300; s++) {
    const options = randomEquityOptions(rand);
    const steps = equitySteps(rand, options.intervalMs, Math.floor(rand() * 250), s % 2 === 0 ? 0.05 : 0.5);
    assertRestartsExact(equityRestartable(options), steps, cutPoints(rand, steps.length), `stream ${s}`);
  }
});

test('EquityAnalytics: a state saved with another setting is rejected, naming the setting', () => {
  const options: EquityAnalyticsOptions = {
    intervalMs: 1000,
    periodsPerYear: 252,
    riskFree: 0.001,
    requiredReturn: 0.0005,
    window: 10,
  };
  const e = new EquityAnalytics(options);
  for (const step of equitySteps(prng(132), 1000, 40)) step(e);
  const state = throughJson(e.saveState());
  for (const [key, value] of [
    ['intervalMs', 2000],
    ['periodsPerYear', 365],
    ['riskFree', 0],
    ['requiredReturn', 0],
  ] as const) {
    assertMismatch(
      () => new EquityAnalytics({ ...options, [key]: value }).loadState(state),
      new RegExp(`^EquityAnalytics\\.${key} was saved as`),
      key,
    );
  }
  // -0 rates are saved as 0 and still match.
  const zero = { intervalMs: 1000, periodsPerYear: 12, riskFree: -0, requiredReturn: -0 };
  new EquityAnalytics(zero).loadState(throughJson(new EquityAnalytics(zero).saveState()));
});

test('EquityAnalytics: damaged states are rejected and leave the instance as new', () => {
  const options: EquityAnalyticsOptions = { intervalMs: 1000, periodsPerYear: 252, window: 4 };
  const e = new EquityAnalytics(options);
  for (const step of equitySteps(prng(133), 1000, 12)) step(e);
  const state = throughJson(e.saveState()) as EquityAnalyticsState;
  assert.ok(state.returns.length > 1, 'the damaged state has a window');
  const check = equitySteps(prng(134), 1000, 20);
  assertRejectsDamage(
    equityRestartable(options),
    state,
    check,
    'EquityAnalytics',
    [],
    [
      'markToMarket.peakAt',
      'markToMarket.maxDuration',
      'lifeDrawdown.peakAt',
      'lifeDrawdown.maxDuration',
      'moments',
      'first',
      'quantiles',
    ],
  );
  const bad = (patch: Partial<Record<keyof EquityAnalyticsState, unknown>>, field: RegExp, what: string) =>
    assertMismatch(() => new EquityAnalytics(options).loadState({ ...state, ...patch }), field, what);
  bad({ period: -1 }, /EquityAnalytics\.period/, 'period -1');
  bad({ period: 0.5 }, /EquityAnalytics\.period/, 'period 0.5');
  bad({ evictions: 4 }, /EquityAnalytics\.evictions/, 'evictions = window');
  bad({ t0: 'NaN' }, /EquityAnalytics\.t0/, 't0 NaN');
  bad({ returns: state.returns.slice(1) }, /EquityAnalytics\.roll/, 'a return fewer than the window sums');
  bad({ roll: { ...state.roll, riskFree: 1 } }, /EquityAnalytics\.roll\.riskFree/, 'nested sums of other rates');
  bad({ markToMarket: { ...state.markToMarket, count: -2 } }, /EquityAnalytics\.markToMarket\.count/, 'nested tracker');
});

test('EquityAnalytics: another window keeps the lifetime exactly and rebuilds the window from the newest saved returns', () => {
  const rand = prng(135);
  for (let s = 0; s < 150; s++) {
    const options = randomEquityOptions(rand);
    const saved = options.window!;
    const changed = 1 + Math.floor(rand() * 40);
    // Tame values (no blow-ups): two instances' rolling sums then agree to ~1e-15 relative.
    const steps: Step<EquityAnalytics>[] = [];
    let t = 1_700_000_000_000;
    let level = 1000;
    for (let k = 0, n = Math.floor(rand() * 200); k < n; k++) {
      t += rand() < 0.1 ? options.intervalMs * (1 + Math.floor(rand() * 4)) : Math.floor(rand() * options.intervalMs);
      const now = t;
      const equity = (level *= 1 + (rand() - 0.48) * 0.02);
      steps.push((e) => e.update(equity, now));
    }
    // Every return, oldest first, from an instance whose window holds them all.
    const all = new EquityAnalytics({ ...options, window: 100_000 });
    for (const step of steps) step(all);
    const returns = all.saveState().returns as number[];
    const cut = Math.floor(rand() * (steps.length + 1));
    const b = new EquityAnalytics(options);
    const reference = new EquityAnalytics({ ...options, window: changed });
    const partial = new EquityAnalytics({ ...options, window: 100_000 });
    for (const step of steps.slice(0, cut)) {
      step(b);
      step(reference);
      step(partial);
    }
    const atLoad = partial.lifetime().periods;
    const c = new EquityAnalytics({ ...options, window: changed });
    c.loadState(throughJson(b.saveState()));
    for (let i = cut; i <= steps.length; i++) {
      const where = `stream ${s} (window ${saved} -> ${changed}), step ${i}`;
      const life = c.lifetime();
      assert.deepStrictEqual(life, reference.lifetime(), `${where}: lifetime`);
      assert.deepStrictEqual(
        [c.peak, c.drawdown, c.maxDrawdown, c.maxDrawdownAbs],
        [reference.peak, reference.drawdown, reference.maxDrawdown, reference.maxDrawdownAbs],
        where,
      );
      const periods = life.periods;
      const count = Math.min(changed, Math.min(saved, atLoad) + (periods - atLoad), periods);
      const got = c.rolling();
      assert.equal(got.periods, count, `${where}: rolling periods`);
      if (count === reference.rolling().periods)
        assertEquityNear(got, reference.rolling(), where, 1e-12, options.periodsPerYear);
      // Fewer returns than the reference's window (a window grown by the load): the pure functions
      // over the same returns, which sum differently (two-pass moments, products), hence 1e-9.
      else
        assertEquityNear(
          got,
          pureEquity(returns.slice(periods - count, periods), options),
          where,
          1e-9,
          options.periodsPerYear,
        );
      if (i < steps.length) {
        steps[i]!(c);
        steps[i]!(reference);
      }
    }
  }
});

function pureEquity(returns: number[], o: EquityAnalyticsOptions): EquitySummary {
  const f = (x: number) => (Number.isFinite(x) ? x : undefined);
  const ppy = { periodsPerYear: o.periodsPerYear };
  return {
    periods: returns.length,
    sharpe: f(sharpeRatio(returns, { ...ppy, riskFree: o.riskFree ?? 0 })),
    sortino: f(sortinoRatio(returns, { ...ppy, requiredReturn: o.requiredReturn ?? 0 })),
    calmar: f(calmarRatio(returns, ppy)),
    annualReturn: f(annualReturn(returns, ppy)),
    annualVolatility: f(annualVolatility(returns, ppy)),
    maxDrawdown: f(maxDrawdown(returns)),
    valueAtRisk: f(valueAtRisk(returns)),
    conditionalValueAtRisk: f(conditionalValueAtRisk(returns)),
    tailRatio: f(tailRatio(returns)),
    omega: f(
      omegaRatio(returns, { riskFree: o.riskFree ?? 0, requiredReturn: o.requiredReturn ?? 0, annualization: 1 }),
    ),
    skewness: f(skewness(returns)),
    kurtosis: f(kurtosis(returns)),
  };
}

/**
 * `rel` relative (with a floor of rel / 1000 for differences near 0). The annual return is
 * expm1(sum of log(1 + r) * periodsPerYear / n): the rounding of the log sum (different in two
 * instances whose window sums took different paths, ~1e-16 per term) is multiplied by
 * periodsPerYear / n, which can reach the hundreds, so it and the Calmar ratio (annual return /
 * drawdown) get an absolute allowance of 1e-15 * periodsPerYear on the annual return.
 */
function assertEquityNear(
  got: EquitySummary,
  want: EquitySummary,
  where: string,
  rel: number,
  periodsPerYear: number,
): void {
  assert.equal(got.periods, want.periods, `${where}: periods`);
  const compounding = 1e-15 * periodsPerYear * (1 + Math.abs(want.annualReturn ?? 0));
  for (const key of ['sharpe', 'sortino', 'calmar', 'annualReturn', 'annualVolatility', 'maxDrawdown'] as const) {
    const floor = key === 'annualReturn' ? compounding : key === 'calmar' ? compounding / (want.maxDrawdown ?? 1) : 0;
    assertNear(got[key], want[key], `${where}: rolling ${key}`, rel, floor + rel * 1e-3);
  }
}

test('a failed load throws only StateMismatchError, whatever the input', () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new TypeError('boom');
      },
    },
  );
  for (const make of [
    () => new TradeAnalytics(),
    () => new EquityAnalytics({ intervalMs: 1, periodsPerYear: 1 }),
    () => new DrawdownTracker(),
  ]) {
    const x = make();
    assert.throws(() => x.loadState(hostile), StateMismatchError);
  }
});
