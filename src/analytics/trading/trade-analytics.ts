/**
 * Incremental closed-trade statistics: lifetime, over the last `window` trades, and the realized
 * drawdown of the balance. O(1) per trade, memory bounded by the window.
 */

import { DrawdownTracker } from './drawdown.ts';
import { finiteOrUndefined } from './finite.ts';
import { DRAW_MODES, statsFromSums } from './trades.ts';
import type { DrawMode, TradeStats } from './trades.ts';

/** An evicted result this many times larger than the remaining sum marks the window sums for an exact recompute. */
const CANCELLATION = 64;

/** Options of `TradeAnalytics`; every field is optional. */
export interface TradeAnalyticsOptions {
  /** Trades in the rolling window. Default 100. */
  readonly window?: number;
  /** How exactly-zero net results count in the win rate. Default 'notWin'. */
  readonly draws?: DrawMode;
  /** Account balance before the first trade; enables the realized drawdown. */
  readonly startingBalance?: number;
}

/**
 * `TradeStats` as published: a ratio or mean that is undefined (no trades, no losing trade for the
 * profit factor, no wins for the average win…) is `undefined`, never NaN or ±Infinity; in
 * particular a profit factor with no losing trade is not published as infinite.
 */
export type TradeSummary = {
  readonly [K in keyof TradeStats]: K extends 'winRate' | 'profitFactor' | 'averageWin' | 'averageLoss' | 'expectancy'
    ? number | undefined
    : number;
};

/**
 * Streaming trade statistics. `add(pnl, fees)` takes one closed trade: `pnl` is its profit BEFORE
 * fees and the statistics use the net result `pnl - fees` (a trade that only covers its fees is a
 * draw). `lifetime()` equals `tradeStats` over every net result and `rolling()` equals it over the
 * last `window` ones (to ~1e-12 relative: the window's sums are updated by adding the new result
 * and subtracting the evicted one, and recomputed exactly every `window` evictions so that
 * rounding drift cannot accumulate, amortised O(1); an eviction that cancels most of a sum also
 * triggers the exact recompute, at the next `rolling()` read). With `startingBalance`, the realized drawdown
 * tracks startingBalance + cumulative net results after each trade (freqtrade's live definition).
 */
export class TradeAnalytics {
  /** Defaults of the options. */
  static readonly DEFAULT_OPTIONS: Readonly<{ window: number; draws: DrawMode }> = Object.freeze({
    window: 100,
    draws: 'notWin',
  });

  readonly #mode: DrawMode;
  readonly #window: number;
  readonly #ring: Float64Array;
  #start = 0;
  #count = 0;
  #evictions = 0;
  #inexact = false;
  #wins = 0;
  #losses = 0;
  #draws = 0;
  #profit = 0;
  #loss = 0;
  #allWins = 0;
  #allLosses = 0;
  #allDraws = 0;
  #allProfit = 0;
  #allLoss = 0;
  #balance = 0;
  readonly #realized: DrawdownTracker | undefined;

  /** Validates the options; throws a RangeError naming the bad key. */
  constructor(options: TradeAnalyticsOptions = {}) {
    const window = options.window ?? TradeAnalytics.DEFAULT_OPTIONS.window;
    if (!Number.isInteger(window) || window < 1)
      throw new RangeError(`TradeAnalytics: window must be a positive integer, got ${String(window)}`);
    const mode = options.draws ?? TradeAnalytics.DEFAULT_OPTIONS.draws;
    if (!DRAW_MODES.includes(mode))
      throw new RangeError(`TradeAnalytics: draws must be one of ${DRAW_MODES.join(', ')}, got ${String(mode)}`);
    this.#window = window;
    this.#mode = mode;
    this.#ring = new Float64Array(window);
    if (options.startingBalance !== undefined) {
      if (!Number.isFinite(options.startingBalance))
        throw new RangeError(
          `TradeAnalytics: startingBalance must be a finite number, got ${String(options.startingBalance)}`,
        );
      this.#balance = options.startingBalance;
      this.#realized = new DrawdownTracker();
      this.#realized.update(this.#balance);
    }
  }

  /** Records a closed trade (profit before fees, and its fees); returns false and ignores it if either is not finite. */
  add(pnl: number, fees = 0): boolean {
    const net = pnl - fees;
    if (!Number.isFinite(net)) return false;
    if (net > 0) {
      this.#allWins++;
      this.#allProfit += net;
    } else if (net < 0) {
      this.#allLosses++;
      this.#allLoss -= net;
    } else {
      this.#allDraws++;
    }
    if (this.#count === this.#window) {
      this.#evict(this.#ring[this.#start]!);
      this.#ring[this.#start] = net;
      this.#start = this.#start + 1 === this.#window ? 0 : this.#start + 1;
      this.#include(net);
      if (++this.#evictions === this.#window) this.#recompute();
    } else {
      const at = this.#start + this.#count;
      this.#ring[at >= this.#window ? at - this.#window : at] = net;
      this.#count++;
      this.#include(net);
    }
    if (this.#realized !== undefined) {
      this.#balance += net;
      this.#realized.update(this.#balance);
    }
    return true;
  }

  /** Statistics over every trade so far. */
  lifetime(): TradeSummary {
    return summary(
      statsFromSums(this.#allWins, this.#allLosses, this.#allDraws, this.#allProfit, this.#allLoss, this.#mode),
    );
  }

  /** Statistics over the last `window` trades. */
  rolling(): TradeSummary {
    if (this.#inexact) this.#recompute();
    return summary(statsFromSums(this.#wins, this.#losses, this.#draws, this.#profit, this.#loss, this.#mode));
  }

  /** Trades in the rolling window (at most `window`). */
  get windowCount(): number {
    return this.#count;
  }

  /** startingBalance + cumulative net results; undefined without `startingBalance`. */
  get balance(): number | undefined {
    return this.#realized === undefined ? undefined : this.#balance;
  }

  /** Current realized drawdown, a positive fraction of the peak balance; undefined without `startingBalance` or while the peak is <= 0. */
  get drawdown(): number | undefined {
    return this.#realized?.drawdown;
  }

  /** Largest realized drawdown so far, a positive fraction; undefined without `startingBalance` or while the peak is <= 0. */
  get maxDrawdown(): number | undefined {
    return this.#realized?.maxDrawdown;
  }

  /** Largest realized drawdown so far in currency (positive); undefined without `startingBalance`. */
  get maxDrawdownAbs(): number | undefined {
    return this.#realized?.maxDrawdownAbs;
  }

  #include(net: number): void {
    if (net > 0) {
      this.#wins++;
      this.#profit += net;
    } else if (net < 0) {
      this.#losses++;
      this.#loss -= net;
    } else {
      this.#draws++;
    }
  }

  #evict(net: number): void {
    if (net > 0) {
      // The last win leaving the window sets the sum to exactly 0 rather than to the rounding residue.
      if (--this.#wins === 0) this.#profit = 0;
      else {
        this.#profit -= net;
        // A result that dwarfs what remains leaves a residue large relative to it: recompute before reading.
        if (net > CANCELLATION * this.#profit) this.#inexact = true;
      }
    } else if (net < 0) {
      if (--this.#losses === 0) this.#loss = 0;
      else {
        this.#loss += net;
        if (-net > CANCELLATION * this.#loss) this.#inexact = true;
      }
    } else {
      this.#draws--;
    }
  }

  /** Re-adds the window in trade order, exactly as `tradeStats` does. */
  #recompute(): void {
    this.#evictions = 0;
    this.#inexact = false;
    this.#wins = this.#losses = this.#draws = 0;
    this.#profit = this.#loss = 0;
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      this.#include(this.#ring[at]!);
      if (++at === this.#window) at = 0;
    }
  }
}

function summary(s: TradeStats): TradeSummary {
  return {
    trades: s.trades,
    wins: s.wins,
    losses: s.losses,
    draws: s.draws,
    winRate: finiteOrUndefined(s.winRate),
    profitFactor: finiteOrUndefined(s.profitFactor),
    averageWin: finiteOrUndefined(s.averageWin),
    averageLoss: finiteOrUndefined(s.averageLoss),
    expectancy: finiteOrUndefined(s.expectancy),
    grossProfit: s.grossProfit,
    grossLoss: s.grossLoss,
    netPnl: s.netPnl,
  };
}
