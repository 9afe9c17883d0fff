/**
 * Streaming risk-adjusted performance of an equity curve: mark-to-market drawdown on every value,
 * and empyrical's ratios over the returns of the equity sampled at a fixed interval.
 */

import {
  centralSums,
  kurtosisFrom,
  omegaFrom,
  ReturnMoments,
  ReturnQuantiles,
  skewnessFrom,
  sortedConditionalValueAtRisk,
  sortedTailRatio,
  sortedValueAtRisk,
  type ReturnMomentsState,
  type ReturnQuantilesState,
} from './distribution.ts';
import { DrawdownTracker, type DrawdownTrackerState } from './drawdown.ts';
import { finiteOrUndefined } from './finite.ts';
import { ReturnSums } from './return-sums.ts';
import type { ReturnRatios, ReturnSumsState } from './return-sums.ts';
import { maxDrawdown } from './returns.ts';
import { readState, saveNumber, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

/** Options of `EquityAnalytics`. Rates are PER PERIOD (one interval), not annual. */
export interface EquityAnalyticsOptions {
  /** Length of a return period in ms. */
  readonly intervalMs: number;
  /** Periods per year, the annualisation factor (365.25 * 86_400_000 / intervalMs for round-the-clock markets). */
  readonly periodsPerYear: number;
  /** Risk-free return per period, for the Sharpe ratio. Default 0. */
  readonly riskFree?: number;
  /** Minimum acceptable return per period, for the Sortino ratio. Default 0. */
  readonly requiredReturn?: number;
  /** Periods in the rolling window. Default 30. */
  readonly window?: number;
  /** Confidence of the value at risk: its cutoff percentile is 1 - varConfidence. Default 0.95. */
  readonly varConfidence?: number;
}

/** Ratios of the sampled return series as published: `undefined` wherever the value is undefined or not finite. */
export interface EquitySummary {
  /** Returns (closed periods after the first) the ratios cover. */
  readonly periods: number;
  readonly sharpe: number | undefined;
  readonly sortino: number | undefined;
  readonly calmar: number | undefined;
  readonly annualReturn: number | undefined;
  readonly annualVolatility: number | undefined;
  /** Max drawdown of the SAMPLED series (what Calmar uses, as empyrical), a positive fraction. */
  readonly maxDrawdown: number | undefined;
  /** empyrical `value_at_risk` at cutoff 1 - varConfidence (a return, usually negative); lifetime: while at most 2048 distinct returns were seen. */
  readonly valueAtRisk: number | undefined;
  /** empyrical `conditional_value_at_risk` at the same cutoff; lifetime as value_at_risk. */
  readonly conditionalValueAtRisk: number | undefined;
  /** empyrical `tail_ratio`; lifetime as value_at_risk. */
  readonly tailRatio: number | undefined;
  /** empyrical `omega_ratio` about riskFree + requiredReturn (per period). */
  readonly omega: number | undefined;
  /** Skewness G1, as pandas `skew` (quantstats `skew`). */
  readonly skewness: number | undefined;
  /** Excess kurtosis G2, as pandas `kurt` (quantstats `kurtosis`). */
  readonly kurtosis: number | undefined;
}

/** The distribution figures of a return series, NaN where undefined. */
interface Distribution {
  readonly valueAtRisk: number;
  readonly conditionalValueAtRisk: number;
  readonly tailRatio: number;
  readonly omega: number;
  readonly skewness: number;
  readonly kurtosis: number;
}

const NO_TAILS: Distribution = Object.freeze({
  valueAtRisk: NaN,
  conditionalValueAtRisk: NaN,
  tailRatio: NaN,
  omega: NaN,
  skewness: NaN,
  kurtosis: NaN,
});

/** The saved state of an `EquityAnalytics`, from `saveState` (plain JSON data). */
export interface EquityAnalyticsState {
  /** Setting: length of a return period in ms. */
  readonly intervalMs: number;
  /** Setting: periods per year. */
  readonly periodsPerYear: number;
  /** Setting: risk-free return per period. */
  readonly riskFree: number;
  /** Setting: minimum acceptable return per period. */
  readonly requiredReturn: number;
  /** Setting: returns in the rolling window. */
  readonly window: number;
  /** Drawdown of every equity value (mark to market). */
  readonly markToMarket: DrawdownTrackerState;
  /** Whether an update has been seen (which fixes `t0`). */
  readonly started: boolean;
  /** Time of the first update, in ms: the start of period 0. */
  readonly t0: number;
  /** Index of the current (open) period. */
  readonly period: SavedNumber;
  /** Last equity seen: the close of the current period so far. */
  readonly last: number;
  /** Whether a period has closed, so `base` holds a close. */
  readonly hasBase: boolean;
  /** Close of the last closed period, the base of the next return. */
  readonly base: number;
  /** Sums over every return. */
  readonly life: ReturnSumsState;
  /** Cumulative return factor, prod(1 + r), over every return. */
  readonly cumulative: SavedNumber;
  /** Drawdown of the cumulative return factor. */
  readonly lifeDrawdown: DrawdownTrackerState;
  /** The returns of the rolling window, oldest first (at most `window`). */
  readonly returns: SavedNumber[];
  /** Sums over the rolling window. */
  readonly roll: ReturnSumsState;
  /** Evictions since the window's sums were last recomputed exactly. */
  readonly evictions: number;
  /** Lifetime moments and Omega sums; absent in a state from before them (those figures stay unpublished). */
  readonly moments?: ReturnMomentsState | null;
  /** First equity value, for the net change (absent in a state from before it: unknown). */
  readonly first?: number | null;
  /** Every return as a sorted multiset, for the lifetime quantiles; absent in a state from before it (unpublished). */
  readonly quantiles?: ReturnQuantilesState | null;
}

/** Distinct returns kept for the exact lifetime quantiles (64 KiB); past it they are not published. */
const LIFETIME_DISTINCT_RETURNS = 2048;

/**
 * Streaming equity analytics, O(1) per `update`.
 *
 * Sampling: period k is [t0 + k * intervalMs, t0 + (k + 1) * intervalMs), t0 being the first
 * update's time, and its close is the last equity seen up to its end. A period with no update
 * therefore closes at the previous close (a return of 0: the equity did not change). A period
 * closes when an update or `advance(nowMs)` falls in a later one; the first close is the base and
 * every later one yields the return close_k / close_{k-1} - 1, so `periods` trails the closes by
 * one. A return is only defined after a positive close: after a close <= 0 (a blown account) no
 * return is produced and the next close becomes the new base. An update stamped before the
 * current period (a clock stepping back) counts in the current period.
 *
 * `lifetime()` takes the ratios from running sums (see `ReturnSums`) and the max drawdown from a
 * tracker on the cumulative return. `rolling()` covers the last `window` returns: sums updated by
 * adding and subtracting, recomputed exactly every `window` evictions (amortised O(1)), and also
 * on read after a removal that cancelled most of a sum (at most O(window) per read); its max
 * drawdown is recomputed in O(window) when `rolling()` is read after a period closed, so at most
 * once per closed period. A gap of m empty periods costs O(min(m, window)).
 * Both equal the pure functions of `returns.ts` over the same returns to ~1e-12 relative.
 */
export class EquityAnalytics {
  /** Defaults of the optional options. */
  static readonly DEFAULT_OPTIONS: Readonly<{
    riskFree: number;
    requiredReturn: number;
    window: number;
    varConfidence: number;
  }> = Object.freeze({
    riskFree: 0,
    requiredReturn: 0,
    window: 30,
    varConfidence: 0.95,
  });

  readonly #intervalMs: number;
  readonly #periodsPerYear: number;
  readonly #riskFree: number;
  readonly #requiredReturn: number;
  readonly #window: number;
  /** 1 - varConfidence, rounded to 12 decimals so that 0.9 gives empyrical's cutoff 0.1 and not 0.09999999999999998. */
  readonly #cutoff: number;
  // Not readonly: `loadState` swaps in the trackers and sums it has checked.
  #markToMarket = new DrawdownTracker();
  #started = false;
  #t0 = 0;
  #period = 0;
  #last = 0;
  #hasBase = false;
  #base = 0;
  #life: ReturnSums;
  #cumulative = 1;
  #lifeDrawdown = new DrawdownTracker();
  readonly #ring: Float64Array;
  readonly #scratch: Float64Array;
  #roll: ReturnSums;
  #start = 0;
  #count = 0;
  #evictions = 0;
  #rollDrawdown = NaN;
  #rollDirty = true;
  readonly #sorted: Float64Array;
  #rollTails: Distribution = NO_TAILS;
  #moments: ReturnMoments | undefined;
  #quantiles: ReturnQuantiles | undefined = new ReturnQuantiles(LIFETIME_DISTINCT_RETURNS);
  #first = NaN;

  /** Validates the options; throws a RangeError naming the bad key. */
  constructor(options: EquityAnalyticsOptions) {
    const d = EquityAnalytics.DEFAULT_OPTIONS;
    const riskFree = options.riskFree ?? d.riskFree;
    const requiredReturn = options.requiredReturn ?? d.requiredReturn;
    const window = options.window ?? d.window;
    positive('intervalMs', options.intervalMs);
    positive('periodsPerYear', options.periodsPerYear);
    if (!Number.isFinite(riskFree))
      throw new RangeError(`EquityAnalytics: riskFree must be a finite number, got ${String(riskFree)}`);
    if (!Number.isFinite(requiredReturn))
      throw new RangeError(`EquityAnalytics: requiredReturn must be a finite number, got ${String(requiredReturn)}`);
    if (!Number.isInteger(window) || window < 1)
      throw new RangeError(`EquityAnalytics: window must be a positive integer, got ${String(window)}`);
    const varConfidence = options.varConfidence ?? d.varConfidence;
    if (!(varConfidence >= 0 && varConfidence <= 1))
      throw new RangeError(`EquityAnalytics: varConfidence must be within [0, 1], got ${String(varConfidence)}`);
    this.#cutoff = Math.round((1 - varConfidence) * 1e12) / 1e12;
    this.#sorted = new Float64Array(window);
    this.#moments = new ReturnMoments(riskFree + requiredReturn);
    this.#intervalMs = options.intervalMs;
    this.#periodsPerYear = options.periodsPerYear;
    this.#riskFree = riskFree;
    this.#requiredReturn = requiredReturn;
    this.#window = window;
    this.#life = new ReturnSums(riskFree, requiredReturn);
    this.#roll = new ReturnSums(riskFree, requiredReturn);
    this.#ring = new Float64Array(window);
    this.#scratch = new Float64Array(window);
    this.#lifeDrawdown.update(1);
  }

  /** Records the equity at `nowMs` (ms, e.g. Date.now()); returns false and ignores it if either is not finite. */
  update(equity: number, nowMs: number): boolean {
    if (!Number.isFinite(equity) || !Number.isFinite(nowMs)) return false;
    if (!this.#started) {
      this.#started = true;
      this.#t0 = nowMs;
      this.#first = equity;
    } else {
      this.advance(nowMs);
    }
    this.#last = equity;
    this.#markToMarket.update(equity, nowMs);
    return true;
  }

  /** Closes the periods that ended by `nowMs` without an update (call before reading, e.g. at collection time). */
  advance(nowMs: number): void {
    if (!this.#started) return;
    const period = Math.floor((nowMs - this.#t0) / this.#intervalMs);
    if (!(period > this.#period)) return;
    const closes = period - this.#period;
    this.#period = period;
    const c = this.#last;
    if (this.#hasBase && this.#base > 0) this.#emit(c / this.#base - 1, 1);
    this.#hasBase = true;
    this.#base = c;
    if (closes > 1 && c > 0) this.#emit(0, closes - 1);
  }

  /** Ratios over every return so far. */
  lifetime(): EquitySummary {
    const m = this.#moments;
    const q = this.#quantiles;
    const tails: Distribution = {
      valueAtRisk: q === undefined ? NaN : q.valueAtRisk(this.#cutoff),
      conditionalValueAtRisk: q === undefined ? NaN : q.conditionalValueAtRisk(this.#cutoff),
      tailRatio: q === undefined ? NaN : q.tailRatio(),
      omega: m === undefined ? NaN : m.omega,
      skewness: m === undefined ? NaN : m.skewness,
      kurtosis: m === undefined ? NaN : m.kurtosis,
    };
    return summary(this.#life.ratios(this.#periodsPerYear, this.#lifeDrawdown.maxDrawdown!), tails);
  }

  /** Ratios over the last `window` returns. */
  rolling(): EquitySummary {
    if (this.#rollDirty) {
      for (let i = 0, at = this.#start; i < this.#count; i++) {
        this.#scratch[i] = this.#ring[at]!;
        if (++at === this.#window) at = 0;
      }
      const window = this.#scratch.subarray(0, this.#count);
      this.#rollDrawdown = maxDrawdown(window);
      this.#rollTails = this.#tails(window);
      this.#rollDirty = false;
    }
    if (this.#roll.inexact) this.#recompute();
    return summary(this.#roll.ratios(this.#periodsPerYear, this.#rollDrawdown), this.#rollTails);
  }

  /** Time (ms) the equity has been below its peak as of `nowMs`, 0 at the peak; undefined before the first update. */
  drawdownDurationAt(nowMs: number): number | undefined {
    return this.#markToMarket.durationAt(nowMs);
  }

  /** Longest time (ms) the equity spent below a peak, the current stretch as of `nowMs` included. */
  maxDrawdownDurationAt(nowMs: number): number | undefined {
    return this.#markToMarket.maxDurationAt(nowMs);
  }

  /** Last equity minus the first one (the net profit of the equity curve); undefined before the first update. */
  get netChange(): number | undefined {
    return this.#started && Number.isFinite(this.#first) ? this.#last - this.#first : undefined;
  }

  /** The distribution figures of the window's returns, exactly as the pure functions compute them. */
  #tails(window: Float64Array): Distribution {
    const n = window.length;
    if (n === 0) return NO_TAILS;
    const sorted = this.#sorted.subarray(0, n);
    sorted.set(window);
    sorted.sort();
    const threshold = this.#riskFree + this.#requiredReturn;
    let gains = 0;
    let losses = 0;
    for (let i = 0; i < n; i++) {
      const d = window[i]! - threshold;
      if (d > 0) gains += d;
      else if (d < 0) losses -= d;
    }
    const c = centralSums(window);
    return {
      valueAtRisk: sortedValueAtRisk(sorted, this.#cutoff),
      conditionalValueAtRisk: sortedConditionalValueAtRisk(sorted, this.#cutoff),
      tailRatio: sortedTailRatio(sorted),
      omega: n < 2 ? NaN : omegaFrom(gains, losses),
      skewness: skewnessFrom(c.n, c.m2, c.m3, c.maxAbs),
      kurtosis: kurtosisFrom(c.n, c.m2, c.m4, c.maxAbs),
    };
  }

  /** Highest equity seen; undefined before the first update. */
  get peak(): number | undefined {
    return this.#markToMarket.peak;
  }

  /** Current mark-to-market drawdown (every update), a positive fraction of the peak; undefined while the peak is <= 0. */
  get drawdown(): number | undefined {
    return this.#markToMarket.drawdown;
  }

  /** Largest mark-to-market drawdown so far, a positive fraction; undefined while the peak is <= 0. */
  get maxDrawdown(): number | undefined {
    return this.#markToMarket.maxDrawdown;
  }

  /** Largest mark-to-market drawdown so far in currency (positive); undefined before the first update. */
  get maxDrawdownAbs(): number | undefined {
    return this.#markToMarket.maxDrawdownAbs;
  }

  /** The complete state as plain JSON data, settings included, for `loadState` after a restart. */
  saveState(): EquityAnalyticsState {
    const returns = new Array<SavedNumber>(this.#count);
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      returns[i] = saveNumber(this.#ring[at]!);
      if (++at === this.#window) at = 0;
    }
    return {
      intervalMs: this.#intervalMs,
      periodsPerYear: this.#periodsPerYear,
      riskFree: this.#riskFree + 0, // +0 for -0, which JSON would print as 0 and `same` tell apart
      requiredReturn: this.#requiredReturn + 0,
      window: this.#window,
      markToMarket: this.#markToMarket.saveState(),
      started: this.#started,
      t0: this.#t0,
      period: saveNumber(this.#period),
      last: this.#last,
      hasBase: this.#hasBase,
      base: this.#base,
      life: this.#life.saveState(),
      cumulative: saveNumber(this.#cumulative),
      lifeDrawdown: this.#lifeDrawdown.saveState(),
      returns,
      roll: this.#roll.saveState(),
      evictions: this.#evictions,
      moments: this.#moments === undefined ? null : this.#moments.saveState(),
      first: Number.isFinite(this.#first) ? this.#first : null,
      quantiles: this.#quantiles === undefined ? null : this.#quantiles.saveState(),
    };
  }

  /**
   * Replaces the state with one from `saveState`, for an instance constructed with the same
   * options: checks it all first and throws `StateMismatchError` (changing nothing) when it does
   * not fit, naming the field or the setting that differs. Only `window` may differ: the
   * lifetime figures are restored exactly and the rolling window is rebuilt from the newest saved
   * returns that fit, as if this instance had been fed them (so `rolling()` covers the last
   * min(saved window, window) returns until new ones arrive).
   */
  loadState(state: unknown): void {
    const where = 'EquityAnalytics';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('intervalMs', this.#intervalMs);
      r.same('periodsPerYear', this.#periodsPerYear);
      r.same('riskFree', this.#riskFree + 0);
      r.same('requiredReturn', this.#requiredReturn + 0);
      const savedWindow = r.integer('window', 1);
      const sameWindow = savedWindow === this.#window;
      const markToMarket = new DrawdownTracker();
      markToMarket.loadState(r.raw('markToMarket'), r.at('markToMarket'));
      const period = r.number('period');
      if (!(period >= 0 && (Number.isInteger(period) || period === Infinity)))
        throw new StateMismatchError(`${r.at('period')} is not an integer >= 0`);
      const life = new ReturnSums(this.#riskFree, this.#requiredReturn);
      life.loadState(r.raw('life'), r.at('life'));
      const lifeDrawdown = new DrawdownTracker();
      lifeDrawdown.loadState(r.raw('lifeDrawdown'), r.at('lifeDrawdown'));
      const returns = r.numbers('returns');
      if (returns.length > savedWindow)
        throw new StateMismatchError(`${r.at('returns')} has ${returns.length} entries, more than the saved window`);
      const roll = new ReturnSums(this.#riskFree, this.#requiredReturn);
      roll.loadState(r.raw('roll'), r.at('roll'));
      if (roll.n !== returns.length)
        throw new StateMismatchError(`${r.at('roll')}.n is ${roll.n}, but ${returns.length} returns were saved`);
      const evictions = r.integerIn('evictions', 0, savedWindow - 1);
      let moments: ReturnMoments | undefined;
      if (r.has('moments')) {
        moments = new ReturnMoments(this.#riskFree + this.#requiredReturn);
        moments.loadState(r.raw('moments'), r.at('moments'));
      }
      let quantiles: ReturnQuantiles | undefined;
      if (r.has('quantiles')) {
        quantiles = new ReturnQuantiles(LIFETIME_DISTINCT_RETURNS);
        quantiles.loadState(r.raw('quantiles'), r.at('quantiles'));
      }
      return {
        first: r.has('first') ? r.finite('first') : NaN,
        quantiles,
        moments,
        sameWindow,
        markToMarket,
        started: r.boolean('started'),
        t0: r.finite('t0'),
        period,
        last: r.finite('last'),
        hasBase: r.boolean('hasBase'),
        base: r.finite('base'),
        life,
        cumulative: r.number('cumulative'),
        lifeDrawdown,
        returns,
        roll,
        evictions,
      };
    });
    this.#markToMarket = s.markToMarket;
    this.#started = s.started;
    this.#t0 = s.t0;
    this.#period = s.period;
    this.#last = s.last;
    this.#hasBase = s.hasBase;
    this.#base = s.base;
    this.#life = s.life;
    this.#cumulative = s.cumulative;
    this.#lifeDrawdown = s.lifeDrawdown;
    const kept = s.sameWindow ? s.returns : s.returns.slice(Math.max(0, s.returns.length - this.#window));
    this.#ring.set(kept);
    this.#start = 0;
    this.#count = kept.length;
    if (s.sameWindow) {
      this.#roll = s.roll;
      this.#evictions = s.evictions;
    } else {
      // As a fresh instance fed the kept returns: no eviction yet, sums added in order.
      this.#roll = new ReturnSums(this.#riskFree, this.#requiredReturn);
      this.#recompute();
    }
    this.#rollDrawdown = NaN;
    this.#rollDirty = true;
    this.#moments = s.moments;
    this.#quantiles = s.quantiles;
    this.#first = s.first;
  }

  #emit(r: number, times: number): void {
    this.#life.add(r, times);
    this.#moments?.add(r, times);
    this.#quantiles?.add(r, times);
    if (r !== 0) {
      this.#cumulative *= 1 + r;
      this.#lifeDrawdown.update(this.#cumulative);
    }
    const pushes = Math.min(times, this.#window);
    for (let i = 0; i < pushes; i++) this.#push(r);
    this.#rollDirty = true;
  }

  #push(r: number): void {
    if (this.#count < this.#window) {
      const at = this.#start + this.#count;
      this.#ring[at >= this.#window ? at - this.#window : at] = r;
      this.#count++;
      this.#roll.add(r);
      return;
    }
    this.#roll.remove(this.#ring[this.#start]!);
    this.#ring[this.#start] = r;
    this.#start = this.#start + 1 === this.#window ? 0 : this.#start + 1;
    this.#roll.add(r);
    if (++this.#evictions === this.#window) this.#recompute();
  }

  /** Re-adds the window in order, as the pure functions sum it. */
  #recompute(): void {
    this.#evictions = 0;
    this.#roll.reset();
    for (let i = 0, at = this.#start; i < this.#count; i++) {
      this.#roll.add(this.#ring[at]!);
      if (++at === this.#window) at = 0;
    }
  }
}

function positive(key: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`EquityAnalytics: ${key} must be a positive finite number, got ${String(value)}`);
}

function summary(r: ReturnRatios, d: Distribution): EquitySummary {
  return {
    periods: r.periods,
    sharpe: finiteOrUndefined(r.sharpe),
    sortino: finiteOrUndefined(r.sortino),
    calmar: finiteOrUndefined(r.calmar),
    annualReturn: finiteOrUndefined(r.annualReturn),
    annualVolatility: finiteOrUndefined(r.annualVolatility),
    maxDrawdown: finiteOrUndefined(r.maxDrawdown),
    valueAtRisk: finiteOrUndefined(d.valueAtRisk),
    conditionalValueAtRisk: finiteOrUndefined(d.conditionalValueAtRisk),
    tailRatio: finiteOrUndefined(d.tailRatio),
    omega: finiteOrUndefined(d.omega),
    skewness: finiteOrUndefined(d.skewness),
    kurtosis: finiteOrUndefined(d.kurtosis),
  };
}
