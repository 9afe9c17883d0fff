/**
 * Running sums of a return series from which the empyrical ratios follow in O(1): the same
 * numbers as the pure functions in `returns.ts` over the same returns, without keeping them.
 * Supports removing the oldest return, for a sliding window.
 */

import { calmarFrom } from './returns.ts';
import { readState, saveNumber, StateReader, type SavedNumber } from '../state.ts';

/** A removed term this many times larger than what remains marks the sums inexact (residue ~ 1e-14 relative at most). */
const CANCELLATION = 64;

/** The ratios of a return series; NaN and ±Infinity where the pure functions give them. */
export interface ReturnRatios {
  readonly periods: number;
  readonly sharpe: number;
  readonly sortino: number;
  readonly calmar: number;
  readonly annualReturn: number;
  readonly annualVolatility: number;
  readonly maxDrawdown: number;
}

/** The saved state of a `ReturnSums`, from `saveState` (plain JSON data). */
export interface ReturnSumsState {
  /** Setting: risk-free return per period. */
  readonly riskFree: number;
  /** Setting: minimum acceptable return per period. */
  readonly requiredReturn: number;
  /** Returns summed. */
  readonly n: number;
  /** Whether a removal may have left a large residue (the caller recomputes before reading). */
  readonly inexact: boolean;
  /** Sum of r - riskFree. */
  readonly sumRf: SavedNumber;
  /** Sum of r - requiredReturn. */
  readonly sumReq: SavedNumber;
  /** Running mean of r. */
  readonly mean: SavedNumber;
  /** Running sum of squared deviations of r. */
  readonly m2: SavedNumber;
  /** Sum of squares of the shortfalls below requiredReturn. */
  readonly down: SavedNumber;
  /** Returns below requiredReturn. */
  readonly downCount: number;
  /** Sum of log|1 + r| over the returns with 1 + r != 0. */
  readonly log: SavedNumber;
  /** Returns of exactly -100%. */
  readonly zeros: number;
  /** Returns below -100%. */
  readonly negatives: number;
  /** Last return added. */
  readonly last: SavedNumber;
  /** Length of the trailing run of equal returns. */
  readonly run: number;
}

/**
 * Sums of returns `r` for the Sharpe ratio (sum of r - riskFree, Welford mean and M2 of r), the
 * Sortino ratio (sum of r - requiredReturn, sum of squares of its negative part) and the compound
 * return (sum of log|1 + r|, with wipe-outs 1 + r = 0 and sign flips 1 + r < 0 counted apart so a
 * -100% period neither yields log(0) nor poisons the sum). Exact zeros are kept exact: a window
 * whose values are all equal has variance 0 (tracked by the length of the trailing run of equal
 * values), and a window with no period below the requirement has downside 0 (tracked by a
 * count), so removals cannot leave a rounding residue that would make an infinite ratio finite.
 */
export class ReturnSums {
  readonly #riskFree: number;
  readonly #required: number;
  /** Returns summed. */
  n = 0;
  /** Set by a removal that may have left a residue large relative to a sum; cleared by `reset`. */
  inexact = false;
  #sumRf = 0;
  #sumReq = 0;
  #mean = 0;
  #m2 = 0;
  #down = 0;
  #downCount = 0;
  #log = 0;
  #zeros = 0;
  #negatives = 0;
  #last = 0;
  #run = 0;

  /**
   * @param riskFree risk-free return per period, for the Sharpe sums
   * @param requiredReturn minimum acceptable return per period, for the Sortino sums
   */
  constructor(riskFree: number, requiredReturn: number) {
    this.#riskFree = riskFree;
    this.#required = requiredReturn;
  }

  /** Adds `times` copies of the return `r` (a run of unchanged intervals adds `times` zeros in O(1)). */
  add(r: number, times = 1): void {
    const n0 = this.n;
    const n = n0 + times;
    this.#sumRf += (r - this.#riskFree) * times;
    this.#sumReq += (r - this.#required) * times;
    // Chan et al.'s merge of a block of `times` equal values (M2 = 0) into the running moments.
    const delta = r - this.#mean;
    this.#mean += (delta * times) / n;
    this.#m2 += (delta * delta * n0 * times) / n;
    const d = r - this.#required;
    if (d < 0) {
      this.#down += d * d * times;
      this.#downCount += times;
    }
    const g = 1 + r;
    if (g === 0) this.#zeros += times;
    else {
      this.#log += Math.log(Math.abs(g)) * times;
      if (g < 0) this.#negatives += times;
    }
    this.#run = n0 > 0 && r === this.#last ? this.#run + times : times;
    this.#last = r;
    this.n = n;
  }

  /**
   * Removes the OLDEST return `r` (the caller keeps the window). A removal whose term dwarfs what
   * remains (a -30% period leaving a window of 0.01% moves) would leave a rounding residue large
   * relative to the result, so it sets `inexact` and the caller recomputes from its window
   * before reading.
   */
  remove(r: number): void {
    const n = this.n - 1;
    if (n === 0) {
      this.reset();
      return;
    }
    const a = r - this.#riskFree;
    this.#sumRf -= a;
    const b = r - this.#required;
    this.#sumReq -= b;
    const mean0 = this.#mean;
    this.#mean = mean0 - (r - mean0) / n;
    const term = (r - mean0) * (r - this.#mean);
    this.#m2 = Math.max(0, this.#m2 - term);
    let suspect =
      Math.abs(a) > CANCELLATION * Math.abs(this.#sumRf) ||
      Math.abs(b) > CANCELLATION * Math.abs(this.#sumReq) ||
      term > CANCELLATION * this.#m2;
    if (b < 0) {
      if (--this.#downCount === 0) this.#down = 0;
      else {
        this.#down = Math.max(0, this.#down - b * b);
        suspect ||= b * b > CANCELLATION * this.#down;
      }
    }
    const g = 1 + r;
    if (g === 0) this.#zeros--;
    else {
      const l = Math.log(Math.abs(g));
      this.#log -= l;
      suspect ||= Math.abs(l) > CANCELLATION * Math.abs(this.#log);
      if (g < 0) this.#negatives--;
    }
    if (this.#run > n) this.#run = n;
    this.n = n;
    if (suspect) this.inexact = true;
  }

  /** Forgets every return. */
  reset(): void {
    this.n = 0;
    this.inexact = false;
    this.#sumRf = this.#sumReq = this.#mean = this.#m2 = this.#down = this.#log = this.#last = 0;
    this.#downCount = this.#zeros = this.#negatives = this.#run = 0;
  }

  /** The complete state as plain JSON data, settings included, for `loadState`. */
  saveState(): ReturnSumsState {
    return {
      riskFree: this.#riskFree + 0, // +0 for -0, which JSON would print as 0 and `same` tell apart
      requiredReturn: this.#required + 0,
      n: this.n,
      inexact: this.inexact,
      sumRf: saveNumber(this.#sumRf),
      sumReq: saveNumber(this.#sumReq),
      mean: saveNumber(this.#mean),
      m2: saveNumber(this.#m2),
      down: saveNumber(this.#down),
      downCount: this.#downCount,
      log: saveNumber(this.#log),
      zeros: this.#zeros,
      negatives: this.#negatives,
      last: saveNumber(this.#last),
      run: this.#run,
    };
  }

  /**
   * Replaces the state with one from `saveState` of sums with the same `riskFree` and
   * `requiredReturn`; checks it all first and throws `StateMismatchError` (changing nothing)
   * when it does not fit.
   * @param where the path of this state in error messages, for sums nested in another state
   */
  loadState(state: unknown, where = 'ReturnSums'): void {
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('riskFree', this.#riskFree + 0);
      r.same('requiredReturn', this.#required + 0);
      const n = r.integer('n');
      const counted = (key: string): number => r.integerIn(key, 0, n);
      return {
        n,
        inexact: r.boolean('inexact'),
        sumRf: r.number('sumRf'),
        sumReq: r.number('sumReq'),
        mean: r.number('mean'),
        m2: r.number('m2'),
        down: r.number('down'),
        downCount: counted('downCount'),
        log: r.number('log'),
        zeros: counted('zeros'),
        negatives: counted('negatives'),
        last: r.number('last'),
        run: counted('run'),
      };
    });
    this.n = s.n;
    this.inexact = s.inexact;
    this.#sumRf = s.sumRf;
    this.#sumReq = s.sumReq;
    this.#mean = s.mean;
    this.#m2 = s.m2;
    this.#down = s.down;
    this.#downCount = s.downCount;
    this.#log = s.log;
    this.#zeros = s.zeros;
    this.#negatives = s.negatives;
    this.#last = s.last;
    this.#run = s.run;
  }

  /** The ratios, given the max drawdown of the same returns (kept by the caller) and the annualisation. */
  ratios(periodsPerYear: number, maxDrawdown: number): ReturnRatios {
    const n = this.n;
    const sqrtYear = Math.sqrt(periodsPerYear);
    const std = this.#run >= n ? 0 : Math.sqrt(this.#m2 / (n - 1));
    let annualReturn = NaN;
    if (n > 0) {
      const exponent = periodsPerYear / n;
      if (this.#zeros > 0) annualReturn = Math.pow(0, exponent) - 1;
      else if (this.#negatives % 2 === 1) annualReturn = Math.pow(-Math.exp(this.#log), exponent) - 1;
      else annualReturn = Math.expm1(this.#log * exponent);
    }
    const downside = Math.sqrt((this.#downCount === 0 ? 0 : this.#down) / n) * sqrtYear;
    return {
      periods: n,
      sharpe: n < 2 ? NaN : (this.#sumRf / n / std) * sqrtYear,
      sortino: n < 2 ? NaN : ((this.#sumReq / n) * periodsPerYear) / downside,
      calmar: calmarFrom(annualReturn, maxDrawdown),
      annualReturn,
      annualVolatility: n < 2 ? NaN : std * sqrtYear,
      maxDrawdown: n < 1 ? NaN : maxDrawdown,
    };
  }
}
