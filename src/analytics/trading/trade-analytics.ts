/**
 * Incremental closed-trade statistics: lifetime, over the last `window` trades, and the realized
 * drawdown of the balance. O(1) per trade, memory bounded by the window.
 */

import { DrawdownTracker, type DrawdownTrackerState } from './drawdown.ts';
import { finiteOrUndefined } from './finite.ts';
import { DRAW_MODES, statsFromSums } from './trades.ts';
import type { DrawMode, TradeStats } from './trades.ts';
import { readState, saveNumber, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

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

/** Counts and sums of a set of trades, as saved in a `TradeAnalyticsState`. */
export interface TradeSumsState {
  /** Trades with a positive net result. */
  readonly wins: number;
  /** Trades with a negative net result. */
  readonly losses: number;
  /** Trades with a net result of exactly 0. */
  readonly draws: number;
  /** Sum of the winning results. */
  readonly profit: SavedNumber;
  /** Sum of the magnitudes of the losing results. */
  readonly loss: SavedNumber;
}

/** The saved state of a `TradeAnalytics`, from `saveState` (plain JSON data). */
export interface TradeAnalyticsState {
  /** Setting: trades in the rolling window. */
  readonly window: number;
  /** Setting: how exactly-zero results count in the win rate. */
  readonly draws: DrawMode;
  /** Setting: the starting balance, null without one. */
  readonly startingBalance: number | null;
  /** Net results of the trades in the rolling window, oldest first (at most `window`). */
  readonly trades: number[];
  /** Evictions since the window's sums were last recomputed exactly. */
  readonly evictions: number;
  /** Whether an eviction cancelled most of a window sum (recomputed at the next `rolling()`). */
  readonly inexact: boolean;
  /** Counts and sums over the rolling window. */
  readonly rolling: TradeSumsState;
  /** Counts and sums over every trade. */
  readonly lifetime: TradeSumsState;
  /** startingBalance + cumulative net results; null without a starting balance. */
  readonly balance: SavedNumber | null;
  /** Drawdown of the balance; null without a starting balance. */
  readonly realized: DrawdownTrackerState | null;
}

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
  readonly #startingBalance: number | undefined;
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
  // Not readonly: `loadState` swaps in the tracker it has checked.
  #realized: DrawdownTracker | undefined;

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
    this.#startingBalance = options.startingBalance;
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

  /** The complete state as plain JSON data, settings included, for `loadState` after a restart. */
  saveState(): TradeAnalyticsState {
    const trades = new Array<number>(this.#count);
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      trades[i] = this.#ring[at]!;
      if (++at === this.#window) at = 0;
    }
    return {
      window: this.#window,
      draws: this.#mode,
      // +0 for -0, which JSON would print as 0 and `same` tell apart.
      startingBalance: this.#startingBalance === undefined ? null : this.#startingBalance + 0,
      trades,
      evictions: this.#evictions,
      inexact: this.#inexact,
      rolling: sums(this.#wins, this.#losses, this.#draws, this.#profit, this.#loss),
      lifetime: sums(this.#allWins, this.#allLosses, this.#allDraws, this.#allProfit, this.#allLoss),
      balance: this.#realized === undefined ? null : saveNumber(this.#balance),
      realized: this.#realized === undefined ? null : this.#realized.saveState(),
    };
  }

  /**
   * Replaces the state with one from `saveState`, for an instance constructed with the same
   * options: checks it all first and throws `StateMismatchError` (changing nothing) when it does
   * not fit, naming the field or the setting that differs (`draws`, `startingBalance`). Only
   * `window` may differ: the lifetime figures and the realized drawdown are restored exactly and
   * the rolling window is rebuilt from the newest saved trades that fit, as if this instance had
   * been fed them (so `rolling()` covers the last min(saved window, window) trades until new ones
   * arrive).
   */
  loadState(state: unknown): void {
    const where = 'TradeAnalytics';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('draws', this.#mode);
      const hasBalance = r.present('startingBalance');
      if (hasBalance !== (this.#startingBalance !== undefined))
        throw new StateMismatchError(
          `${r.at('startingBalance')} was saved as ${JSON.stringify(r.raw('startingBalance'))}, this instance has ${String(this.#startingBalance)}`,
        );
      if (this.#startingBalance !== undefined) r.same('startingBalance', this.#startingBalance + 0);
      const savedWindow = r.integer('window', 1);
      const trades = r.finites('trades');
      if (trades.length > savedWindow)
        throw new StateMismatchError(`${r.at('trades')} has ${trades.length} entries, more than the saved window`);
      const rolling = readSums(r.object('rolling'));
      if (rolling.wins + rolling.losses + rolling.draws !== trades.length)
        throw new StateMismatchError(
          `${r.at('rolling')} counts ${rolling.wins + rolling.losses + rolling.draws} trades, but ${trades.length} were saved`,
        );
      const lifetime = readSums(r.object('lifetime'));
      if (lifetime.wins < rolling.wins || lifetime.losses < rolling.losses || lifetime.draws < rolling.draws)
        throw new StateMismatchError(`${r.at('lifetime')} counts fewer trades than ${r.at('rolling')}`);
      let balance = 0;
      let realized: DrawdownTracker | undefined;
      if (this.#startingBalance !== undefined) {
        balance = r.number('balance');
        realized = new DrawdownTracker();
        realized.loadState(r.raw('realized'), r.at('realized'));
      } else if (r.present('balance') || r.present('realized')) {
        throw new StateMismatchError(
          `${r.at('balance')} and ${r.at('realized')} must be null without a startingBalance`,
        );
      }
      return {
        sameWindow: savedWindow === this.#window,
        trades,
        evictions: r.integerIn('evictions', 0, savedWindow - 1),
        inexact: r.boolean('inexact'),
        rolling,
        lifetime,
        balance,
        realized,
      };
    });
    this.#allWins = s.lifetime.wins;
    this.#allLosses = s.lifetime.losses;
    this.#allDraws = s.lifetime.draws;
    this.#allProfit = s.lifetime.profit;
    this.#allLoss = s.lifetime.loss;
    this.#balance = s.balance;
    this.#realized = s.realized;
    const kept = s.sameWindow ? s.trades : s.trades.slice(Math.max(0, s.trades.length - this.#window));
    this.#ring.set(kept);
    this.#start = 0;
    this.#count = kept.length;
    if (s.sameWindow) {
      this.#evictions = s.evictions;
      this.#inexact = s.inexact;
      this.#wins = s.rolling.wins;
      this.#losses = s.rolling.losses;
      this.#draws = s.rolling.draws;
      this.#profit = s.rolling.profit;
      this.#loss = s.rolling.loss;
    } else {
      // As a fresh instance fed the kept trades: no eviction yet, sums added in trade order.
      this.#recompute();
    }
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

function sums(wins: number, losses: number, draws: number, profit: number, loss: number): TradeSumsState {
  return { wins, losses, draws, profit: saveNumber(profit), loss: saveNumber(loss) };
}

function readSums(r: StateReader): { wins: number; losses: number; draws: number; profit: number; loss: number } {
  return {
    wins: r.integer('wins'),
    losses: r.integer('losses'),
    draws: r.integer('draws'),
    profit: r.number('profit'),
    loss: r.number('loss'),
  };
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
