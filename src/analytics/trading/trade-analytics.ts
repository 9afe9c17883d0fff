/**
 * Incremental closed-trade statistics: lifetime, over the last `window` trades, and the realized
 * drawdown of the balance. O(1) per trade, memory bounded by the window.
 */

import { DrawdownTracker, type DrawdownTrackerState } from './drawdown.ts';
import { finiteOrUndefined } from './finite.ts';
import { DRAW_MODES, sqnFrom, statsFromSums, tradeRuns } from './trades.ts';
import type { DrawMode, TradeRunStats, TradeStats } from './trades.ts';
import { readState, saveNumber, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

/** An evicted result this many times larger than the remaining sum marks the window sums for an exact recompute. */
const CANCELLATION = 64;

/** The window in trade order while its order-dependent figures are computed: one buffer shared by every instance (used synchronously). */
let scratch = new Float64Array(128);

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
  readonly [K in keyof TradeStats]: K extends
    | 'winRate'
    | 'profitFactor'
    | 'averageWin'
    | 'averageLoss'
    | 'expectancy'
    | 'largestWin'
    | 'largestLoss'
    | 'payoffRatio'
    | 'sqn'
    ? number | undefined
    : number;
} & {
  /** Sum of the fees of the trades. */
  readonly feesTotal: number;
  /** Mean holding time in seconds of the winning trades given one; undefined without such a trade. */
  readonly averageHoldingWin: number | undefined;
  /** Mean holding time in seconds of the losing trades given one; undefined without such a trade. */
  readonly averageHoldingLoss: number | undefined;
};

/** The lifetime figures that depend on the order of the trades, as saved in a `TradeAnalyticsState`. */
export interface TradeRunsState {
  /** Signed length of the current run (+ wins, - losses, 0 after a draw). */
  readonly run: number;
  readonly maxWins: number;
  readonly maxLosses: number;
  /** Largest win, NaN without one. */
  readonly largestWin: SavedNumber;
  /** Largest loss (positive), NaN without one. */
  readonly largestLoss: SavedNumber;
  /** Running mean and sum of squared deviations of the net results (Welford), for the SQN. */
  readonly mean: SavedNumber;
  readonly m2: SavedNumber;
  /** Sum of the fees. */
  readonly fees: SavedNumber;
  /** Sums and counts of the holding times of winning and losing trades given one. */
  readonly heldWin: SavedNumber;
  readonly heldWinCount: number;
  readonly heldLoss: SavedNumber;
  readonly heldLossCount: number;
}

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
  /** Fees of the same trades (absent in a state saved before fees were kept: 0). */
  readonly fees?: number[];
  /** Holding times in seconds of the same trades, NaN where unknown (absent: unknown). */
  readonly held?: SavedNumber[];
  /** Order-dependent lifetime figures (absent in a state saved before they existed: rebuilt from `trades`). */
  readonly runs?: TradeRunsState;
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
  readonly #fees: Float64Array;
  readonly #held: Float64Array;
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
  #run = 0;
  #maxWins = 0;
  #maxLosses = 0;
  #largestWin = NaN;
  #largestLoss = NaN;
  #mean = 0;
  #m2 = 0;
  #allFees = 0;
  #heldWin = 0;
  #heldWinCount = 0;
  #heldLoss = 0;
  #heldLossCount = 0;
  #rollRuns: RollingRuns | undefined;
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
    this.#fees = new Float64Array(window);
    this.#held = new Float64Array(window);
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

  /**
   * Records a closed trade (profit before fees, its fees, how long it was held in seconds and when
   * it closed in ms, NaN when unknown); returns false and ignores it if the net result is not finite.
   */
  add(pnl: number, fees = 0, heldSeconds = NaN, closedAtMs = NaN): boolean {
    const net = pnl - fees;
    if (!Number.isFinite(net)) return false;
    this.#lifetimeRuns(net, fees, heldSeconds, this.#allWins + this.#allLosses + this.#allDraws + 1);
    if (net > 0) {
      this.#allWins++;
      this.#allProfit += net;
    } else if (net < 0) {
      this.#allLosses++;
      this.#allLoss -= net;
    } else {
      this.#allDraws++;
    }
    let at: number;
    if (this.#count === this.#window) {
      at = this.#start;
      this.#evict(this.#ring[at]!);
      this.#ring[at] = net;
      this.#start = at + 1 === this.#window ? 0 : at + 1;
      this.#include(net);
      if (++this.#evictions === this.#window) this.#recompute();
    } else {
      at = this.#start + this.#count;
      if (at >= this.#window) at -= this.#window;
      this.#ring[at] = net;
      this.#count++;
      this.#include(net);
    }
    this.#fees[at] = fees;
    this.#held[at] = heldSeconds;
    this.#rollRuns = undefined;
    if (this.#realized !== undefined) {
      this.#balance += net;
      this.#realized.update(this.#balance, closedAtMs);
    }
    return true;
  }

  /** Statistics over every trade so far. */
  lifetime(): TradeSummary {
    const n = this.#allWins + this.#allLosses + this.#allDraws;
    const runs: TradeRunStats = {
      largestWin: this.#largestWin,
      largestLoss: this.#largestLoss,
      sqn: sqnFrom(n, (this.#allProfit - this.#allLoss) / n, this.#m2),
      maxConsecutiveWins: this.#maxWins,
      maxConsecutiveLosses: this.#maxLosses,
      currentStreak: this.#run,
    };
    return summary(
      statsFromSums(this.#allWins, this.#allLosses, this.#allDraws, this.#allProfit, this.#allLoss, this.#mode, runs),
      this.#allFees,
      this.#heldWin / this.#heldWinCount,
      this.#heldLoss / this.#heldLossCount,
    );
  }

  /**
   * Statistics over the last `window` trades. The extremes, streaks, SQN, fees and holding times
   * of the window are recomputed from it (O(window)) on the first read after a trade.
   */
  rolling(): TradeSummary {
    if (this.#inexact) this.#recompute();
    const r = (this.#rollRuns ??= this.#windowRuns());
    return summary(
      statsFromSums(this.#wins, this.#losses, this.#draws, this.#profit, this.#loss, this.#mode, r.runs),
      r.fees,
      r.heldWin,
      r.heldLoss,
    );
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

  /** Time (ms) the balance has been below its peak as of `nowMs`; undefined without `startingBalance` or a timed trade. */
  drawdownDurationAt(nowMs: number): number | undefined {
    return this.#realized?.durationAt(nowMs);
  }

  /** Longest time (ms) the balance spent below a peak, as of `nowMs`; undefined as `drawdownDurationAt`. */
  maxDrawdownDurationAt(nowMs: number): number | undefined {
    return this.#realized?.maxDurationAt(nowMs);
  }

  /** The complete state as plain JSON data, settings included, for `loadState` after a restart. */
  saveState(): TradeAnalyticsState {
    const trades = new Array<number>(this.#count);
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      trades[i] = this.#ring[at]!;
      if (++at === this.#window) at = 0;
    }
    const fees = new Array<number>(this.#count);
    const held = new Array<SavedNumber>(this.#count);
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      fees[i] = this.#fees[at]!;
      held[i] = saveNumber(this.#held[at]!);
      if (++at === this.#window) at = 0;
    }
    return {
      window: this.#window,
      draws: this.#mode,
      // +0 for -0, which JSON would print as 0 and `same` tell apart.
      startingBalance: this.#startingBalance === undefined ? null : this.#startingBalance + 0,
      trades,
      fees,
      held,
      runs: {
        run: this.#run,
        maxWins: this.#maxWins,
        maxLosses: this.#maxLosses,
        largestWin: saveNumber(this.#largestWin),
        largestLoss: saveNumber(this.#largestLoss),
        mean: saveNumber(this.#mean),
        m2: saveNumber(this.#m2),
        fees: saveNumber(this.#allFees),
        heldWin: saveNumber(this.#heldWin),
        heldWinCount: this.#heldWinCount,
        heldLoss: saveNumber(this.#heldLoss),
        heldLossCount: this.#heldLossCount,
      },
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
      const fees = r.has('fees') ? r.finites('fees', trades.length) : new Array<number>(trades.length).fill(0);
      const held = r.has('held') ? r.numbers('held', trades.length) : new Array<number>(trades.length).fill(NaN);
      const runs = r.has('runs') ? readRuns(r.object('runs')) : undefined;
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
        fees,
        held,
        runs,
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
    const from = s.sameWindow ? 0 : Math.max(0, s.trades.length - this.#window);
    const kept = s.trades.slice(from);
    this.#ring.set(kept);
    this.#fees.set(s.fees.slice(from));
    this.#held.set(s.held.slice(from));
    this.#start = 0;
    this.#count = kept.length;
    this.#rollRuns = undefined;
    if (s.runs !== undefined) {
      const x = s.runs;
      this.#run = x.run;
      this.#maxWins = x.maxWins;
      this.#maxLosses = x.maxLosses;
      this.#largestWin = x.largestWin;
      this.#largestLoss = x.largestLoss;
      this.#mean = x.mean;
      this.#m2 = x.m2;
      this.#allFees = x.fees;
      this.#heldWin = x.heldWin;
      this.#heldWinCount = x.heldWinCount;
      this.#heldLoss = x.heldLoss;
      this.#heldLossCount = x.heldLossCount;
    } else {
      // A state from before these figures: streaks and extremes restart from the saved window's
      // trades; the lifetime SQN, whose sums cannot be rebuilt, stays unpublished (NaN).
      this.#run = this.#maxWins = this.#maxLosses = 0;
      this.#largestWin = this.#largestLoss = NaN;
      this.#allFees = 0;
      this.#heldWin = this.#heldWinCount = this.#heldLoss = this.#heldLossCount = 0;
      for (let i = 0; i < kept.length; i++) this.#lifetimeRuns(kept[i]!, 0, NaN, i + 1);
      this.#mean = this.#m2 = NaN;
    }
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

  /** The order-dependent lifetime figures of one more trade, O(1). */
  #lifetimeRuns(net: number, fees: number, held: number, n: number): void {
    const delta = net - this.#mean;
    this.#mean += delta / n;
    this.#m2 += delta * (net - this.#mean);
    this.#allFees += fees;
    const run = this.#run;
    if (net > 0) {
      if (!(net <= this.#largestWin)) this.#largestWin = net;
      this.#run = run > 0 ? run + 1 : 1;
      if (this.#run > this.#maxWins) this.#maxWins = this.#run;
      if (held === held) {
        this.#heldWin += held;
        this.#heldWinCount++;
      }
    } else if (net < 0) {
      if (!(-net <= this.#largestLoss)) this.#largestLoss = -net;
      this.#run = run < 0 ? run - 1 : -1;
      if (-this.#run > this.#maxLosses) this.#maxLosses = -this.#run;
      if (held === held) {
        this.#heldLoss += held;
        this.#heldLossCount++;
      }
    } else {
      this.#run = 0;
    }
  }

  /** The order-dependent figures of the rolling window, from its trades in order. */
  #windowRuns(): RollingRuns {
    let fees = 0;
    let heldWin = 0;
    let heldWinCount = 0;
    let heldLoss = 0;
    let heldLossCount = 0;
    if (scratch.length < this.#count) scratch = new Float64Array(this.#count);
    const ordered = scratch;
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      const net = this.#ring[at]!;
      const held = this.#held[at]!;
      ordered[i] = net;
      fees += this.#fees[at]!;
      if (held === held) {
        if (net > 0) {
          heldWin += held;
          heldWinCount++;
        } else if (net < 0) {
          heldLoss += held;
          heldLossCount++;
        }
      }
      if (++at === this.#window) at = 0;
    }
    const n = this.#wins + this.#losses + this.#draws;
    return {
      runs: tradeRuns(ordered.subarray(0, this.#count), (this.#profit - this.#loss) / n),
      fees,
      heldWin: heldWin / heldWinCount,
      heldLoss: heldLoss / heldLossCount,
    };
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

/** The order-dependent figures of the rolling window, cached until the next trade. */
interface RollingRuns {
  readonly runs: TradeRunStats;
  readonly fees: number;
  readonly heldWin: number;
  readonly heldLoss: number;
}

function readRuns(r: StateReader): TradeRunsState & {
  largestWin: number;
  largestLoss: number;
  mean: number;
  m2: number;
  fees: number;
  heldWin: number;
  heldLoss: number;
} {
  const run = r.number('run');
  if (!Number.isInteger(run)) throw new StateMismatchError(`${r.at('run')} is not an integer`);
  return {
    run,
    maxWins: r.integer('maxWins'),
    maxLosses: r.integer('maxLosses'),
    largestWin: r.number('largestWin'),
    largestLoss: r.number('largestLoss'),
    mean: r.number('mean'),
    m2: r.number('m2'),
    fees: r.number('fees'),
    heldWin: r.number('heldWin'),
    heldWinCount: r.integer('heldWinCount'),
    heldLoss: r.number('heldLoss'),
    heldLossCount: r.integer('heldLossCount'),
  };
}

function summary(s: TradeStats, feesTotal: number, heldWin: number, heldLoss: number): TradeSummary {
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
    largestWin: finiteOrUndefined(s.largestWin),
    largestLoss: finiteOrUndefined(s.largestLoss),
    payoffRatio: finiteOrUndefined(s.payoffRatio),
    sqn: finiteOrUndefined(s.sqn),
    maxConsecutiveWins: s.maxConsecutiveWins,
    maxConsecutiveLosses: s.maxConsecutiveLosses,
    currentStreak: s.currentStreak,
    feesTotal,
    averageHoldingWin: finiteOrUndefined(heldWin),
    averageHoldingLoss: finiteOrUndefined(heldLoss),
  };
}
