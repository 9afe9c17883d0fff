/**
 * Closed-trade statistics (win rate, profit factor, averages, expectancy, extremes, streaks,
 * payoff ratio, SQN) over a list of trade results. Pure and offline; `TradeAnalytics` computes
 * the same numbers incrementally.
 */

/**
 * How a trade whose result is exactly 0 counts in the win rate: 'notWin' (default, as freqtrade's
 * winrate) keeps it in the denominator only; 'win' counts it as a win; 'exclude' leaves it out of
 * the denominator. The mode changes the win rate only: counts and averages always classify
 * strictly (win > 0, loss < 0, draw = 0).
 */
export type DrawMode = 'notWin' | 'win' | 'exclude';

/** The draw modes, for validating options. */
export const DRAW_MODES: readonly DrawMode[] = Object.freeze(['notWin', 'win', 'exclude']);

/** Options of `tradeStats`. */
export interface TradeStatsOptions {
  /** How exactly-zero results count in the win rate. Default 'notWin'. */
  readonly draws?: DrawMode;
}

/** Statistics of a set of closed trades; amounts are in the currency of the results. */
export interface TradeStats {
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  readonly draws: number;
  /** Fraction of trades won, with draws counted per `DrawMode`. */
  readonly winRate: number;
  /** grossProfit / grossLoss. */
  readonly profitFactor: number;
  /** Mean result of the winning trades (positive). */
  readonly averageWin: number;
  /** Mean magnitude of the losing trades (positive). */
  readonly averageLoss: number;
  /** Mean result per closed trade, netPnl / trades. */
  readonly expectancy: number;
  /** Sum of the winning results. */
  readonly grossProfit: number;
  /** Sum of the magnitudes of the losing results (positive). */
  readonly grossLoss: number;
  /** grossProfit - grossLoss. */
  readonly netPnl: number;
  /** Largest winning result; NaN without a win. */
  readonly largestWin: number;
  /** Largest losing result as a positive amount; NaN without a loss. */
  readonly largestLoss: number;
  /** averageWin / averageLoss (quantstats `payoff_ratio`); NaN without a win or a loss. */
  readonly payoffRatio: number;
  /**
   * System quality number as freqtrade's `calculate_sqn` (Van Tharp's formula on the trade results
   * rather than on R-multiples): sqrt(trades) * mean / std(ddof=1) of every result, draws
   * included. freqtrade divides the results by the starting balance first, which cancels, rounds
   * to 4 decimals and returns -100 for a zero deviation: here it is unrounded, and NaN (or
   * ±Infinity) with fewer than 2 trades or a zero deviation.
   */
  readonly sqn: number;
  /** Longest run of consecutive winning trades (quantstats `consecutive_wins`): a draw or a loss ends it. */
  readonly maxConsecutiveWins: number;
  /** Longest run of consecutive losing trades (quantstats `consecutive_losses`): a draw or a win ends it. */
  readonly maxConsecutiveLosses: number;
  /** The run the last trade belongs to, signed: +3 after three wins in a row, -2 after two losses, 0 after a draw or none. */
  readonly currentStreak: number;
}

/** The order-dependent statistics of a set of trades, computed beside the sums. */
export interface TradeRunStats {
  readonly largestWin: number;
  readonly largestLoss: number;
  readonly sqn: number;
  readonly maxConsecutiveWins: number;
  readonly maxConsecutiveLosses: number;
  readonly currentStreak: number;
}

/**
 * Statistics of the trade results `pnls` (one number per closed trade). Non-finite entries are
 * skipped, like numpy's nan-functions. With no data the counts and sums are 0 and every ratio
 * and mean is NaN (0/0); with no losing trade `profitFactor` is +Infinity (NaN if there was no
 * profit either); `averageWin`/`averageLoss` are NaN without wins/losses; with only draws and
 * draws 'exclude', `winRate` is NaN.
 */
export function tradeStats(pnls: ArrayLike<number>, options: TradeStatsOptions = {}): TradeStats {
  let wins = 0;
  let losses = 0;
  let draws = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (let i = 0; i < pnls.length; i++) {
    const p = pnls[i]!;
    if (!Number.isFinite(p)) continue;
    if (p > 0) {
      wins++;
      grossProfit += p;
    } else if (p < 0) {
      losses++;
      grossLoss -= p;
    } else {
      draws++;
    }
  }
  const mean = (grossProfit - grossLoss) / (wins + losses + draws);
  return statsFromSums(wins, losses, draws, grossProfit, grossLoss, options.draws ?? 'notWin', tradeRuns(pnls, mean));
}

/**
 * The extremes, streaks and SQN of the finite results in `pnls`; `mean` is their mean as
 * `statsFromSums` computes it (net / trades), so that the SQN's numerator is the expectancy.
 */
export function tradeRuns(pnls: ArrayLike<number>, mean: number): TradeRunStats {
  let n = 0;
  let largestWin = NaN;
  let largestLoss = NaN;
  let run = 0;
  let maxWins = 0;
  let maxLosses = 0;
  let first = 0;
  let constant = true;
  let sum = 0;
  for (let i = 0; i < pnls.length; i++) {
    const p = pnls[i]!;
    if (!Number.isFinite(p)) continue;
    if (n === 0) first = p;
    else if (p !== first) constant = false;
    n++;
    sum += p;
    if (p > 0) {
      if (!(p <= largestWin)) largestWin = p;
      run = run > 0 ? run + 1 : 1;
      if (run > maxWins) maxWins = run;
    } else if (p < 0) {
      if (!(-p <= largestLoss)) largestLoss = -p;
      run = run < 0 ? run - 1 : -1;
      if (-run > maxLosses) maxLosses = -run;
    } else {
      run = 0;
    }
  }
  // Two passes, as numpy's std; identical results have a deviation of exactly 0 (see `moments`).
  let m2 = 0;
  if (!constant) {
    const m = sum / n;
    for (let i = 0; i < pnls.length; i++) {
      const p = pnls[i]!;
      if (!Number.isFinite(p)) continue;
      m2 += (p - m) * (p - m);
    }
  }
  return {
    largestWin,
    largestLoss,
    sqn: sqnFrom(n, mean, m2),
    maxConsecutiveWins: maxWins,
    maxConsecutiveLosses: maxLosses,
    currentStreak: run,
  };
}

/** sqrt(n) * mean / sqrt(m2 / (n - 1)); NaN with fewer than 2 results. */
export function sqnFrom(n: number, mean: number, m2: number): number {
  return n < 2 ? NaN : (Math.sqrt(n) * mean) / Math.sqrt(m2 / (n - 1));
}

/** The `TradeStats` of the given counts and sums; shared with the streaming class so both round alike. */
export function statsFromSums(
  wins: number,
  losses: number,
  draws: number,
  grossProfit: number,
  grossLoss: number,
  mode: DrawMode,
  runs: TradeRunStats,
): TradeStats {
  const trades = wins + losses + draws;
  const netPnl = grossProfit - grossLoss;
  const averageWin = grossProfit / wins;
  const averageLoss = grossLoss / losses;
  const winRate =
    mode === 'win' ? (wins + draws) / trades : mode === 'exclude' ? wins / (wins + losses) : wins / trades;
  return {
    trades,
    wins,
    losses,
    draws,
    winRate,
    profitFactor: grossProfit / grossLoss,
    averageWin,
    averageLoss,
    expectancy: netPnl / trades,
    grossProfit,
    grossLoss,
    netPnl,
    largestWin: runs.largestWin,
    largestLoss: runs.largestLoss,
    payoffRatio: averageWin / averageLoss,
    sqn: runs.sqn,
    maxConsecutiveWins: runs.maxConsecutiveWins,
    maxConsecutiveLosses: runs.maxConsecutiveLosses,
    currentStreak: runs.currentStreak,
  };
}
