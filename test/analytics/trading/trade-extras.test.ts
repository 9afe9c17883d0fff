/**
 * Largest win and loss, payoff ratio, SQN, streaks, fees, holding times and drawdown durations.
 * References: freqtrade `tests/data/test_metrics.py::test_calculate_sqn_cases` (its SQN, rounded
 * to 4 decimals by freqtrade); quantstats `consecutive_wins` / `consecutive_losses` and
 * `payoff_ratio` definitions, worked by hand in the comments; the streaming class against the pure
 * functions, and the duration tracker against a brute-force scan, on seeded series.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DrawdownTracker,
  TradeAnalytics,
  drawdownDurations,
  recoveryFactor,
  tradeStats,
} from '../../../src/analytics/trading/index.ts';
import { prng } from '../../helpers/random.ts';

test('freqtrade test_calculate_sqn_cases: the SQN rounded to 4 decimals as freqtrade does', () => {
  const cases: [string, number[], number | undefined][] = [
    ['Mixed profits/losses', [1.0, -0.5, 2.0, -1.0, 0.5, 1.5, -0.5, 1.0], 1.3229],
    ['All winning trades', [1.0, 0.5, 2.0, 1.5, 0.8], 4.3657],
    ['All losing trades', [-1.0, -0.5, -2.0, -1.5, -0.8], -4.3657],
    // freqtrade returns the sentinel -100 for one trade and 0 for none: undefined here, not published.
    ['Single trade', [1.0], undefined],
    ['Empty dataframe', [], undefined],
  ];
  for (const [name, profits, want] of cases) {
    const pure = tradeStats(profits).sqn;
    const ta = new TradeAnalytics({ window: 3 });
    for (const p of profits) ta.add(p);
    const live = ta.lifetime().sqn;
    if (want === undefined) {
      assert.ok(!Number.isFinite(pure), `${name}: pure ${pure}`);
      assert.equal(live, undefined, name);
      continue;
    }
    assert.equal(Math.round(pure * 1e4) / 1e4, want, `${name}: pure ${pure}`);
    assert.equal(Math.round(live! * 1e4) / 1e4, want, `${name}: streaming ${live}`);
  }
});

test('streaks (quantstats consecutive_wins/losses), largest win and loss, payoff ratio, worked by hand', () => {
  // W W L L L D W W W W L: longest wins 4, longest losses 3; a draw ends a run; last trade a loss.
  const pnls = [5, 1, -2, -7, -1, 0, 3, 3, 9, 2, -4];
  const s = tradeStats(pnls);
  assert.equal(s.maxConsecutiveWins, 4);
  assert.equal(s.maxConsecutiveLosses, 3);
  assert.equal(s.currentStreak, -1);
  assert.equal(s.largestWin, 9);
  assert.equal(s.largestLoss, 7);
  // average win 23 / 6, average loss 14 / 4.
  assert.equal(s.payoffRatio, 23 / 6 / (14 / 4));
  assert.equal(tradeStats([1, 2, 3]).currentStreak, 3, 'three wins in a row: +3');
  assert.equal(tradeStats([1, -2, -3]).currentStreak, -2, 'two losses in a row: -2');
  assert.equal(tradeStats([1, 0]).currentStreak, 0, 'a draw ends the run');
  assert.ok(Number.isNaN(tradeStats([1, 2]).payoffRatio), 'no loss: no payoff ratio');
  // The rolling window of 4 holds 3, 9, 2, -4: three wins then a loss.
  const ta = new TradeAnalytics({ window: 4 });
  for (const p of pnls) ta.add(p);
  const r = ta.rolling();
  assert.deepEqual(
    [r.maxConsecutiveWins, r.maxConsecutiveLosses, r.currentStreak, r.largestWin, r.largestLoss],
    [3, 1, -1, 9, 4],
  );
});

/** The fees and holding-time averages of trades, computed plainly. */
function plain(trades: { net: number; fees: number; held: number }[]): {
  fees: number;
  win: number | undefined;
  loss: number | undefined;
} {
  let fees = 0;
  let win = 0;
  let wins = 0;
  let loss = 0;
  let losses = 0;
  for (const t of trades) {
    fees += t.fees;
    if (Number.isNaN(t.held)) continue;
    if (t.net > 0) {
      win += t.held;
      wins++;
    } else if (t.net < 0) {
      loss += t.held;
      losses++;
    }
  }
  return { fees, win: wins === 0 ? undefined : win / wins, loss: losses === 0 ? undefined : loss / losses };
}

test('property: fees and holding times per outcome, lifetime and rolling (seeded, 300 series: all-win, all-loss, draws)', () => {
  const rand = prng(314);
  for (let s = 0; s < 300; s++) {
    const window = 1 + Math.floor(rand() * 30);
    const ta = new TradeAnalytics({ window });
    const trades: { net: number; fees: number; held: number }[] = [];
    const bias = s % 3 === 0 ? 1 : s % 3 === 1 ? -1 : 0; // all-win, all-loss, mixed
    const length = Math.floor(rand() * 200);
    for (let i = 0; i < length; i++) {
      const magnitude = rand() * 100;
      const pnl = bias === 0 ? (rand() < 0.1 ? 0 : magnitude - 45) : bias * (magnitude + 1);
      const fees = rand() < 0.5 ? 0 : rand();
      const held = rand() < 0.8 ? Math.floor(rand() * 1e6) / 10 : NaN;
      ta.add(pnl + fees, fees, held);
      trades.push({ net: pnl, fees, held });
      if (rand() < 0.2 || i === length - 1) {
        for (const [name, got, want] of [
          ['lifetime', ta.lifetime(), plain(trades)],
          ['rolling', ta.rolling(), plain(trades.slice(-window))],
        ] as const) {
          const where = `series ${s} trade ${i} ${name}`;
          assert.ok(Math.abs(got.feesTotal - want.fees) <= 1e-9 * want.fees, `${where} fees`);
          for (const [g, w] of [
            [got.averageHoldingWin, want.win],
            [got.averageHoldingLoss, want.loss],
          ] as const) {
            if (w === undefined) assert.equal(g, undefined, where);
            else assert.ok(g !== undefined && Math.abs(g - w) <= 1e-9 * w + 1e-12, `${where}: ${g} vs ${w}`);
          }
          if (bias === 1) assert.equal(got.maxConsecutiveLosses, 0, `${where}: all wins`);
          if (bias === -1) assert.equal(got.maxConsecutiveWins, 0, `${where}: all losses`);
        }
      }
    }
  }
});

/** Drawdown durations by brute force: every prefix rescanned for its peak and the time that peak was last reached. */
function bruteDurations(values: number[], times: number[]): { duration: number; maxDuration: number } {
  const maxBefore = (i: number) => Math.max(-Infinity, ...values.slice(0, i));
  let maxDuration = 0;
  let duration = 0;
  for (let i = 1; i < values.length; i++) {
    let peakAt = NaN;
    for (let j = 0; j < i; j++) if (values[j]! >= maxBefore(j)) peakAt = times[j]!;
    const below = values[i]! < maxBefore(i);
    const wasBelow = values[i - 1]! < maxBefore(i - 1);
    // A stretch below the peak lasts until the value that gets back to it.
    if (below || wasBelow) maxDuration = Math.max(maxDuration, times[i]! - peakAt);
    duration = below ? times[i]! - peakAt : 0;
  }
  return { duration, maxDuration };
}

test('property: drawdown durations equal a brute-force scan (seeded, 300 series with flat runs and new peaks)', () => {
  const rand = prng(2718);
  for (let s = 0; s < 300; s++) {
    const values: number[] = [];
    const times: number[] = [];
    let v = 100;
    let t = 1_700_000_000_000;
    const length = 1 + Math.floor(rand() * 60);
    for (let i = 0; i < length; i++) {
      const u = rand();
      v = u < 0.2 ? v : u < 0.3 ? Math.max(...values, v) : v * (1 + (rand() - 0.5) * 0.1);
      t += Math.floor(rand() * 86_400_000);
      values.push(v);
      times.push(t);
    }
    const want = bruteDurations(values, times);
    const got = drawdownDurations(values, times);
    assert.deepEqual(got, want, `series ${s}`);
  }
});

test('drawdown durations: 0 at a new peak, the current stretch grows with the clock, the longest is kept', () => {
  const d = new DrawdownTracker();
  d.update(100, 0);
  assert.equal(d.durationAt(5_000), 0, 'at the peak');
  d.update(90, 1_000);
  assert.equal(d.durationAt(5_000), 5_000, 'below the peak reached at 0');
  d.update(100, 8_000); // back to the peak: an 8 s stretch
  assert.equal(d.durationAt(9_000), 0);
  assert.equal(d.maxDurationAt(9_000), 8_000);
  d.update(99, 10_000);
  assert.equal(d.maxDurationAt(30_000), 22_000, 'the current stretch, now the longest');
  assert.equal(d.durationAt(5_000), 0, 'a clock before the peak: 0, never negative');
  const untimed = new DrawdownTracker();
  untimed.update(100);
  untimed.update(90);
  assert.equal(untimed.durationAt(1), undefined, 'no time: no duration');
  untimed.update(80, 50);
  assert.equal(untimed.durationAt(70), 20, 'a peak without a time counts from the first timed value below it');
});

test('recovery factor: net profit / max drawdown in currency; NaN without a drawdown', () => {
  assert.equal(recoveryFactor(300, 100), 3);
  assert.equal(recoveryFactor(-50, 100), -0.5);
  assert.ok(Number.isNaN(recoveryFactor(10, 0)));
});

test('a state saved before these figures loads: streaks and extremes from its window, the lifetime SQN unpublished', () => {
  const ta = new TradeAnalytics({ window: 3 });
  for (const p of [4, -1, 2, 2]) ta.add(p, 0.5, 60);
  const state = ta.saveState() as unknown as Record<string, unknown>;
  const { fees: _fees, held: _held, runs: _runs, ...old } = state;
  const restored = new TradeAnalytics({ window: 3 });
  restored.loadState(JSON.parse(JSON.stringify(old)));
  const life = restored.lifetime();
  assert.equal(life.trades, 4, 'the lifetime counts and sums as saved');
  assert.equal(life.sqn, undefined);
  assert.deepEqual([life.maxConsecutiveWins, life.currentStreak, life.largestLoss], [2, 2, 1.5]);
  assert.equal(restored.rolling().feesTotal, 0, 'fees unknown: 0');
  restored.add(1);
  assert.equal(restored.lifetime().currentStreak, 3);
});
