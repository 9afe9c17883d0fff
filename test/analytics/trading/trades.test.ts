import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tradeStats } from '../../../src/analytics/trading/index.ts';

// Expected values are worked by hand in the comments (no reference library computes these
// exact definitions; freqtrade's winrate = wins / trades matches the default 'notWin' mode).

test('tradeStats on a mixed list: counts, sums, averages, profit factor, expectancy', () => {
  // wins 100 + 50 = 150 (2), losses 30 + 20 = 50 (2), one draw; net 100, 5 trades.
  const s = tradeStats([100, -30, 0, 50, -20]);
  assert.deepEqual(
    { ...s },
    {
      trades: 5,
      wins: 2,
      losses: 2,
      draws: 1,
      winRate: 2 / 5,
      profitFactor: 3,
      averageWin: 75,
      averageLoss: 25,
      expectancy: 20,
      grossProfit: 150,
      grossLoss: 50,
      netPnl: 100,
      largestWin: 100,
      largestLoss: 30,
      payoffRatio: 75 / 25,
      // freqtrade's calculate_sqn: sqrt(5) * mean 20 / std(ddof=1); squared deviations 6400 + 2500 + 400 + 900 + 1600.
      sqn: (Math.sqrt(5) * 20) / Math.sqrt(11800 / 4),
      // win, loss, draw, win, loss: no run longer than one; the last trade is a loss.
      maxConsecutiveWins: 1,
      maxConsecutiveLosses: 1,
      currentStreak: -1,
    },
  );
});

test('tradeStats draw modes change the win rate only', () => {
  const pnls = [10, -5, 0, 0];
  assert.equal(tradeStats(pnls).winRate, 1 / 4, "default 'notWin': draws in the denominator");
  assert.equal(tradeStats(pnls, { draws: 'notWin' }).winRate, 1 / 4);
  assert.equal(tradeStats(pnls, { draws: 'win' }).winRate, 3 / 4, 'draws count as wins');
  assert.equal(tradeStats(pnls, { draws: 'exclude' }).winRate, 1 / 2, 'draws left out');
  for (const draws of ['notWin', 'win', 'exclude'] as const) {
    const s = tradeStats(pnls, { draws });
    assert.equal(s.wins, 1);
    assert.equal(s.draws, 2);
    assert.equal(s.averageWin, 10);
    assert.equal(s.expectancy, 5 / 4);
  }
});

test('tradeStats edge cases: no data, no losing trade, only losses, all draws', () => {
  const none = tradeStats([]);
  assert.equal(none.trades, 0);
  assert.equal(none.netPnl, 0);
  for (const k of ['winRate', 'profitFactor', 'averageWin', 'averageLoss', 'expectancy'] as const)
    assert.ok(Number.isNaN(none[k]), k);

  const noLoss = tradeStats([5, 15]);
  assert.equal(noLoss.profitFactor, Infinity, 'gross profit / 0');
  assert.ok(Number.isNaN(noLoss.averageLoss));
  assert.equal(noLoss.winRate, 1);

  const onlyLosses = tradeStats([-5, -15]);
  assert.equal(onlyLosses.profitFactor, 0);
  assert.ok(Number.isNaN(onlyLosses.averageWin));
  assert.equal(onlyLosses.averageLoss, 10);
  assert.equal(onlyLosses.expectancy, -10);

  const draws = tradeStats([0, 0, 0]);
  assert.equal(draws.winRate, 0);
  assert.equal(tradeStats([0, 0, 0], { draws: 'win' }).winRate, 1);
  assert.ok(Number.isNaN(tradeStats([0, 0, 0], { draws: 'exclude' }).winRate), '0 / 0');
  assert.ok(Number.isNaN(draws.profitFactor), '0 / 0');
  assert.equal(draws.expectancy, 0);
});

test('tradeStats skips non-finite results like numpy nan-functions', () => {
  assert.deepEqual(tradeStats([NaN, 10, Infinity, -5, -Infinity]), tradeStats([10, -5]));
});
