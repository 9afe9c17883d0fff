import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrawdownTracker, TradeAnalytics, tradeStats } from '../../../src/analytics/trading/index.ts';
import type { DrawMode, TradeStats, TradeSummary } from '../../../src/analytics/trading/index.ts';
import { prng } from '../../helpers/random.ts';

/** Streaming value vs the pure one: undefined where the pure one is NaN/±Infinity, else equal to 1e-9 relative (1e-12 absolute near 0). */
function assertMatches(got: TradeSummary, want: TradeStats, where: string): void {
  for (const key of Object.keys(want) as (keyof TradeStats)[]) {
    const w = want[key];
    const g = got[key];
    if (!Number.isFinite(w)) {
      assert.equal(g, undefined, `${where} ${key}: pure ${w}`);
      continue;
    }
    assert.ok(
      g !== undefined && Math.abs(g - w) <= 1e-9 * Math.max(Math.abs(g), Math.abs(w)) + 1e-12,
      `${where} ${key}: ${g} vs ${w}`,
    );
  }
}

test('property: lifetime and rolling agree with tradeStats on the same net results (seeded, 300 series)', () => {
  const rand = prng(42);
  const modes: DrawMode[] = ['notWin', 'win', 'exclude'];
  for (let s = 0; s < 300; s++) {
    const window = 1 + Math.floor(rand() * 40);
    const draws = modes[s % 3]!;
    const ta = new TradeAnalytics({ window, draws, startingBalance: 1000 });
    const balance = new DrawdownTracker();
    balance.update(1000);
    let cash = 1000;
    const nets: number[] = [];
    const length = Math.floor(rand() * 300);
    const scale = rand() < 0.2 ? 1e6 : 100;
    for (let i = 0; i < length; i++) {
      const u = rand();
      // About 10% exact draws, some trades only covering their fees, the rest wins and losses of varied size.
      const pnl = u < 0.1 ? 0 : (rand() - 0.45) * scale * (rand() < 0.05 ? 1000 : 1);
      const fees = u > 0.9 ? pnl : rand() < 0.5 ? 0 : rand() * 0.5;
      assert.equal(ta.add(pnl, fees), true);
      nets.push(pnl - fees);
      cash += pnl - fees;
      balance.update(cash);
      if (rand() < 0.3 || i === length - 1) {
        assertMatches(ta.lifetime(), tradeStats(nets, { draws }), `series ${s} trade ${i} lifetime`);
        assertMatches(ta.rolling(), tradeStats(nets.slice(-window), { draws }), `series ${s} trade ${i} rolling`);
        assert.equal(ta.maxDrawdownAbs, balance.maxDrawdownAbs);
        assert.equal(ta.maxDrawdown, balance.maxDrawdown);
        assert.equal(ta.drawdown, balance.drawdown);
      }
    }
  }
});

test('rolling sums do not drift over a long run with huge and tiny results mixed', () => {
  // A 1e12 win leaving the window would leave a residue of ~1e-4 in a running sum that then
  // holds values of ~1; the periodic exact recompute and the exact reset at zero counts keep the
  // window equal to tradeStats on the slice.
  const rand = prng(7);
  const window = 50;
  const ta = new TradeAnalytics({ window });
  const nets: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const big = i % 997 === 0;
    const pnl = big ? 1e12 * (rand() - 0.4) : rand() - 0.5;
    ta.add(pnl);
    nets.push(pnl);
    if ((i % 997 >= 49 && i % 997 <= 52) || i % 1013 === 0 || i === 99_999)
      assertMatches(ta.rolling(), tradeStats(nets.slice(-window)), `trade ${i}`);
  }
  assertMatches(ta.lifetime(), tradeStats(nets), 'lifetime');
});

test('pnl is before fees: statistics use pnl - fees, and a trade covering only its fees is a draw', () => {
  const ta = new TradeAnalytics();
  ta.add(10, 2); // +8
  ta.add(5, 5); // draw
  ta.add(-4, 1); // -5
  const s = ta.lifetime();
  assert.equal(s.trades, 3);
  assert.equal(s.draws, 1);
  assert.equal(s.grossProfit, 8);
  assert.equal(s.grossLoss, 5);
  assert.equal(s.netPnl, 3);
  assert.equal(s.profitFactor, 8 / 5);
});

test('undefined, never NaN or Infinity: no trades, no losing trade, all draws', () => {
  const ta = new TradeAnalytics({ draws: 'exclude', startingBalance: 100 });
  const empty = ta.lifetime();
  assert.deepEqual(empty, {
    trades: 0,
    wins: 0,
    losses: 0,
    draws: 0,
    winRate: undefined,
    profitFactor: undefined,
    averageWin: undefined,
    averageLoss: undefined,
    expectancy: undefined,
    grossProfit: 0,
    grossLoss: 0,
    netPnl: 0,
    largestWin: undefined,
    largestLoss: undefined,
    payoffRatio: undefined,
    sqn: undefined,
    maxConsecutiveWins: 0,
    maxConsecutiveLosses: 0,
    currentStreak: 0,
    feesTotal: 0,
    averageHoldingWin: undefined,
    averageHoldingLoss: undefined,
  });
  assert.deepEqual(ta.rolling(), empty);
  assert.equal(ta.drawdown, 0, 'the starting balance is the first peak');
  assert.equal(ta.maxDrawdown, 0);

  ta.add(0);
  ta.add(0);
  assert.equal(ta.lifetime().winRate, undefined, "all draws with draws 'exclude': 0 / 0");
  assert.equal(ta.lifetime().expectancy, 0);
  assert.equal(ta.lifetime().sqn, undefined, 'identical results: zero deviation, no SQN');
  ta.add(7);
  assert.equal(ta.lifetime().winRate, 1);
  assert.equal(ta.lifetime().profitFactor, undefined, 'no losing trade: infinite, not published');
  assert.equal(ta.lifetime().averageLoss, undefined);
});

test('draw modes on the rolling window', () => {
  for (const [draws, rate] of [
    ['notWin', 1 / 3],
    ['win', 2 / 3],
    ['exclude', 1 / 2],
  ] as const) {
    const ta = new TradeAnalytics({ window: 3, draws });
    for (const p of [5, 5, -1, 0]) ta.add(p); // window: 5, -1, 0
    assert.equal(ta.rolling().winRate, rate, draws);
    assert.equal(ta.rolling().trades, 3);
    assert.equal(ta.lifetime().trades, 4);
  }
});

test('realized drawdown over startingBalance + cumulative net pnl; none without startingBalance', () => {
  const ta = new TradeAnalytics({ startingBalance: 1000 });
  for (const p of [200, -300, 100, -100]) ta.add(p); // 1200, 900, 1000, 900
  assert.equal(ta.balance, 900);
  assert.equal(ta.maxDrawdown, 0.25);
  assert.equal(ta.drawdown, 0.25);
  assert.equal(ta.maxDrawdownAbs, 300);
  const plain = new TradeAnalytics();
  plain.add(-5);
  assert.equal(plain.maxDrawdown, undefined);
  assert.equal(plain.balance, undefined);
});

test('non-finite inputs are dropped; invalid options throw naming the key', () => {
  const ta = new TradeAnalytics();
  assert.equal(ta.add(NaN), false);
  assert.equal(ta.add(1, Infinity), false);
  assert.equal(ta.lifetime().trades, 0);
  assert.throws(() => new TradeAnalytics({ window: 0 }), /window/);
  assert.throws(() => new TradeAnalytics({ window: 2.5 }), /window/);
  assert.throws(() => new TradeAnalytics({ draws: 'lose' as DrawMode }), /draws/);
  assert.throws(() => new TradeAnalytics({ startingBalance: NaN }), /startingBalance/);
});
