/**
 * Closed-trade statistics (win rate, profit factor, averages, expectancy) over a list of trade
 * results. Pure and offline; `TradeAnalytics` computes the same numbers incrementally.
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
  return statsFromSums(wins, losses, draws, grossProfit, grossLoss, options.draws ?? 'notWin');
}

/** The `TradeStats` of the given counts and sums; shared with the streaming class so both round alike. */
export function statsFromSums(
  wins: number,
  losses: number,
  draws: number,
  grossProfit: number,
  grossLoss: number,
  mode: DrawMode,
): TradeStats {
  const trades = wins + losses + draws;
  const netPnl = grossProfit - grossLoss;
  const winRate =
    mode === 'win' ? (wins + draws) / trades : mode === 'exclude' ? wins / (wins + losses) : wins / trades;
  return {
    trades,
    wins,
    losses,
    draws,
    winRate,
    profitFactor: grossProfit / grossLoss,
    averageWin: grossProfit / wins,
    averageLoss: grossLoss / losses,
    expectancy: netPnl / trades,
    grossProfit,
    grossLoss,
    netPnl,
  };
}
