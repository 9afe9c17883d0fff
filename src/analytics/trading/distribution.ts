/**
 * The shape and the tails of a return series: value at risk, conditional value at risk, tail
 * ratio and Omega ratio as empyrical computes them, skewness and excess kurtosis as pandas (what
 * quantstats calls). Pure functions, and `ReturnMoments`, which keeps the lifetime moments and
 * Omega sums of a stream in O(1).
 */

import { readState, saveNumber, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

/** empyrical's `APPROX_BDAYS_PER_YEAR`: the default annualization of `omegaRatio`'s required return. */
const APPROX_BDAYS_PER_YEAR = 252;

/** numpy's `_lerp`: a + (b - a) * t, computed from b when t >= 0.5, and exactly a when a == b. */
function lerp(a: number, b: number, t: number): number {
  if (a === b) return a;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** numpy's `percentile(values, q)` (default method 'linear') on values sorted ascending, q in [0, 100]. */
export function sortedPercentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const index = (q / 100) * (n - 1);
  const below = Math.floor(index);
  if (below >= n - 1) return sorted[n - 1]!;
  if (below < 0) return sorted[0]!;
  return lerp(sorted[below]!, sorted[below + 1]!, index - below);
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

function hasNaN(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) return true;
  return false;
}

/**
 * Historical value at risk: the `cutoff` percentile of the returns, `np.percentile(returns, 100 *
 * cutoff)` (empyrical `value_at_risk`, cutoff 0.05 by default). A return, so usually negative:
 * -0.03 means one period in twenty loses 3% or more. NaN for an empty series or one holding NaN
 * (as numpy).
 */
export function valueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  if (hasNaN(returns)) return NaN;
  return sortedPercentile(sortedCopy(returns), 100 * cutoff);
}

/** `valueAtRisk` on returns already sorted ascending, for the streaming window. */
export function sortedValueAtRisk(sorted: ArrayLike<number>, cutoff: number): number {
  return sortedPercentile(sorted, 100 * cutoff);
}

/**
 * Conditional value at risk (expected shortfall): the mean of the int((n - 1) * cutoff) + 1 lowest
 * returns (empyrical `conditional_value_at_risk`). NaN for an empty series or one holding NaN.
 */
export function conditionalValueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  if (hasNaN(returns)) return NaN;
  return sortedConditionalValueAtRisk(sortedCopy(returns), cutoff);
}

/** `conditionalValueAtRisk` on returns already sorted ascending. */
export function sortedConditionalValueAtRisk(sorted: ArrayLike<number>, cutoff: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const last = Math.min(n - 1, Math.max(0, Math.trunc((n - 1) * cutoff)));
  let sum = 0;
  for (let i = 0; i <= last; i++) sum += sorted[i]!;
  return sum / (last + 1);
}

/**
 * Tail ratio: |95th percentile| / |5th percentile| of the returns (empyrical `tail_ratio`), NaN
 * entries skipped; 0.25 means the losses in the left tail are four times the gains in the right
 * one. NaN without a return; +Infinity when the 5th percentile is 0.
 */
export function tailRatio(returns: ArrayLike<number>): number {
  const kept: number[] = [];
  for (let i = 0; i < returns.length; i++) if (!Number.isNaN(returns[i]!)) kept.push(returns[i]!);
  return sortedTailRatio(sortedCopy(kept));
}

/** `tailRatio` on returns already sorted ascending, without NaN. */
export function sortedTailRatio(sorted: ArrayLike<number>): number {
  if (sorted.length === 0) return NaN;
  return Math.abs(sortedPercentile(sorted, 95)) / Math.abs(sortedPercentile(sorted, 5));
}

/** Options of `omegaRatio`, as empyrical's arguments. */
export interface OmegaOptions {
  /** Risk-free return per period. Default 0. */
  readonly riskFree?: number;
  /** ANNUAL minimum acceptable return, compounded down by `annualization` (as empyrical). Default 0. */
  readonly requiredReturn?: number;
  /** Periods per year for that conversion; 1 takes `requiredReturn` as a per-period threshold. Default 252. */
  readonly annualization?: number;
}

/**
 * Omega ratio (empyrical `omega_ratio`): with d = r - riskFree - threshold, the sum of the positive
 * d over the sum of the magnitudes of the negative d, threshold = (1 + requiredReturn)^(1 /
 * annualization) - 1. NaN with fewer than 2 returns, a `requiredReturn` <= -1, or no d below 0
 * (empyrical returns NaN rather than +Infinity there). NaN returns count in the length but in
 * neither sum, as in empyrical.
 */
export function omegaRatio(returns: ArrayLike<number>, options: OmegaOptions = {}): number {
  if (returns.length < 2) return NaN;
  const required = options.requiredReturn ?? 0;
  const annualization = options.annualization ?? APPROX_BDAYS_PER_YEAR;
  let threshold: number;
  if (annualization === 1) threshold = required;
  else if (required <= -1) return NaN;
  else threshold = (1 + required) ** (1 / annualization) - 1;
  const shift = (options.riskFree ?? 0) + threshold;
  let gains = 0;
  let losses = 0;
  for (let i = 0; i < returns.length; i++) {
    const d = returns[i]! - shift;
    if (d > 0) gains += d;
    else if (d < 0) losses -= d;
  }
  return omegaFrom(gains, losses);
}

/** empyrical's rule on the two sums: NaN unless the losses are positive. */
export function omegaFrom(gains: number, losses: number): number {
  return losses > 0 ? gains / losses : NaN;
}

const EPSILON = Number.EPSILON;

/**
 * Sample skewness, the adjusted Fisher-Pearson coefficient G1 = n sqrt(n - 1) / (n - 2) * m3 /
 * m2^1.5 with m2, m3 the sums of squared and cubed deviations (pandas `Series.skew`, which
 * quantstats' `skew` calls), NaN entries skipped. NaN with fewer than 3 values; 0 for a series
 * pandas deems constant (m2 within rounding of 0, pandas' relative tolerance).
 */
export function skewness(returns: ArrayLike<number>): number {
  const c = centralSums(returns);
  return skewnessFrom(c.n, c.m2, c.m3, c.maxAbs);
}

/**
 * Sample excess kurtosis, the adjusted Fisher-Pearson coefficient G2 = n (n + 1) (n - 1) m4 /
 * ((n - 2) (n - 3) m2²) - 3 (n - 1)² / ((n - 2) (n - 3)) (pandas `Series.kurt`, which quantstats'
 * `kurtosis` calls): 0 for a normal distribution. NaN entries skipped; NaN with fewer than 4
 * values; 0 for a series pandas deems constant.
 */
export function kurtosis(returns: ArrayLike<number>): number {
  const c = centralSums(returns);
  return kurtosisFrom(c.n, c.m2, c.m4, c.maxAbs);
}

/** G1 from the count, the central sums and the largest magnitude (for pandas' constant test). */
export function skewnessFrom(n: number, m2: number, m3: number, maxAbs: number): number {
  if (n < 3) return NaN;
  const scale = EPSILON * maxAbs;
  if (!(Math.abs(m2) > scale * scale * n)) return 0;
  if (!(Math.abs(m3) > scale * scale * scale * n)) m3 = 0;
  return ((n * Math.sqrt(n - 1)) / (n - 2)) * (m3 / m2 ** 1.5);
}

/** G2 from the count, the central sums and the largest magnitude (for pandas' constant test). */
export function kurtosisFrom(n: number, m2: number, m4: number, maxAbs: number): number {
  if (n < 4) return NaN;
  const scale2 = (EPSILON * maxAbs) ** 2;
  if (!(Math.abs(m2) > scale2 * n)) m2 = 0;
  if (!(Math.abs(m4) > scale2 * scale2 * n)) m4 = 0;
  const denominator = (n - 2) * (n - 3) * m2 ** 2;
  if (denominator === 0) return 0;
  const adjustment = (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
  return (n * (n + 1) * (n - 1) * m4) / denominator - adjustment;
}

/**
 * Count, sums of the 2nd to 4th powers of the deviations from the mean, and max |x|, of the
 * non-NaN values (two passes, as pandas). Identical values have sums of exactly 0: the mean of n
 * copies of x need not round back to x, and pandas' tolerance does not always absorb the residue
 * (17 copies of 0.0138 give pandas' formula a skewness of 1.1); such a series is constant, and
 * pandas' own answer for a constant series is 0.
 */
export function centralSums(values: ArrayLike<number>): {
  n: number;
  m2: number;
  m3: number;
  m4: number;
  maxAbs: number;
} {
  let n = 0;
  let sum = 0;
  let maxAbs = 0;
  let first = 0;
  let constant = true;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    if (n === 0) first = x;
    else if (x !== first) constant = false;
    n++;
    sum += x;
    if (Math.abs(x) > maxAbs) maxAbs = Math.abs(x);
  }
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  if (constant) return { n, m2, m3, m4, maxAbs };
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    const d = x - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { n, m2, m3, m4, maxAbs };
}

/** The saved state of a `ReturnMoments`, from `saveState` (plain JSON data). */
export interface ReturnMomentsState {
  /** Setting: returns above it count as gains in the Omega ratio. */
  readonly threshold: number;
  readonly n: number;
  readonly mean: SavedNumber;
  readonly m2: SavedNumber;
  readonly m3: SavedNumber;
  readonly m4: SavedNumber;
  readonly maxAbs: SavedNumber;
  /** Sums of the positive and of the magnitudes of the negative r - threshold. */
  readonly gains: SavedNumber;
  readonly losses: SavedNumber;
}

/**
 * The lifetime moments of a return stream (Pébay's one-pass update of the central sums, which
 * merges a run of equal returns in O(1)) and the Omega sums about `threshold` (riskFree + the
 * per-period required return). Equal to `skewness`, `kurtosis` and `omegaRatio` over the same
 * returns to rounding (~1e-12 relative on well-scaled data).
 */
export class ReturnMoments {
  readonly #threshold: number;
  n = 0;
  #mean = 0;
  #m2 = 0;
  #m3 = 0;
  #m4 = 0;
  #maxAbs = 0;
  #gains = 0;
  #losses = 0;

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  /** Adds `times` copies of the return `r`. */
  add(r: number, times = 1): void {
    const na = this.n;
    const nb = times;
    const n = na + nb;
    const delta = r - this.#mean;
    const d2 = delta * delta;
    const m2 = this.#m2;
    const m3 = this.#m3;
    // Pébay (2008), the pairwise merge with a block of nb equal values (its own central sums 0).
    this.#m4 +=
      (d2 * d2 * na * nb * (na * na - na * nb + nb * nb)) / (n * n * n) +
      (6 * d2 * nb * nb * m2) / (n * n) -
      (4 * delta * nb * m3) / n;
    this.#m3 += (d2 * delta * na * nb * (na - nb)) / (n * n) - (3 * delta * nb * m2) / n;
    this.#m2 += (d2 * na * nb) / n;
    this.#mean += (delta * nb) / n;
    this.n = n;
    if (Math.abs(r) > this.#maxAbs) this.#maxAbs = Math.abs(r);
    const d = r - this.#threshold;
    if (d > 0) this.#gains += d * times;
    else if (d < 0) this.#losses -= d * times;
  }

  /** `skewness` of the returns added. */
  get skewness(): number {
    return skewnessFrom(this.n, this.#m2, this.#m3, this.#maxAbs);
  }

  /** `kurtosis` of the returns added. */
  get kurtosis(): number {
    return kurtosisFrom(this.n, this.#m2, this.#m4, this.#maxAbs);
  }

  /** `omegaRatio` of the returns added (NaN with fewer than 2). */
  get omega(): number {
    return this.n < 2 ? NaN : omegaFrom(this.#gains, this.#losses);
  }

  /** The complete state as plain JSON data, for `loadState`. */
  saveState(): ReturnMomentsState {
    return {
      threshold: this.#threshold + 0,
      n: this.n,
      mean: saveNumber(this.#mean),
      m2: saveNumber(this.#m2),
      m3: saveNumber(this.#m3),
      m4: saveNumber(this.#m4),
      maxAbs: saveNumber(this.#maxAbs),
      gains: saveNumber(this.#gains),
      losses: saveNumber(this.#losses),
    };
  }

  /**
   * Replaces the state with one from `saveState` with the same threshold; checks it all first and
   * throws `StateMismatchError` (changing nothing) when it does not fit.
   */
  loadState(state: unknown, where = 'ReturnMoments'): void {
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('threshold', this.#threshold + 0);
      return {
        n: r.integer('n'),
        mean: r.number('mean'),
        m2: r.number('m2'),
        m3: r.number('m3'),
        m4: r.number('m4'),
        maxAbs: r.number('maxAbs'),
        gains: r.number('gains'),
        losses: r.number('losses'),
      };
    });
    this.n = s.n;
    this.#mean = s.mean;
    this.#m2 = s.m2;
    this.#m3 = s.m3;
    this.#m4 = s.m4;
    this.#maxAbs = s.maxAbs;
    this.#gains = s.gains;
    this.#losses = s.losses;
  }
}

/** The saved state of a `ReturnQuantiles`, from `saveState` (plain JSON data). */
export interface ReturnQuantilesState {
  /** Setting: most distinct returns kept. */
  readonly capacity: number;
  /** Whether more distinct returns came than `capacity` (the quantiles are then unknown). */
  readonly overflowed: boolean;
  /** The distinct returns, ascending. */
  readonly values: SavedNumber[];
  /** How many times each was seen. */
  readonly counts: number[];
}

/**
 * Every return of a stream as a sorted multiset (distinct values and their counts), for exact
 * lifetime quantiles while it fits: the value at risk, conditional value at risk and tail ratio
 * equal the pure functions over the whole series. A run of equal returns (the empty periods of a
 * gap, each a return of 0) adds one count. Past `capacity` distinct values it gives up (memory
 * stays bounded) and the quantiles are NaN from then on. Adding a new value costs O(distinct),
 * once per closed period; reading, O(distinct).
 */
export class ReturnQuantiles {
  readonly #capacity: number;
  #values: Float64Array;
  #counts: Float64Array;
  #size = 0;
  #n = 0;
  #overflowed = false;

  constructor(capacity = 2048) {
    this.#capacity = capacity;
    this.#values = new Float64Array(Math.min(capacity, 64));
    this.#counts = new Float64Array(Math.min(capacity, 64));
  }

  /** Adds `times` copies of the return `r` (NaN is ignored). */
  add(r: number, times = 1): void {
    if (this.#overflowed || Number.isNaN(r)) return;
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#values[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    this.#n += times;
    if (lo < this.#size && this.#values[lo] === r) {
      this.#counts[lo]! += times;
      return;
    }
    if (this.#size === this.#capacity) {
      this.#overflowed = true;
      this.#values = new Float64Array(0);
      this.#counts = new Float64Array(0);
      this.#size = 0;
      return;
    }
    if (this.#size === this.#values.length) {
      const grown = Math.min(this.#capacity, this.#size * 2);
      const values = new Float64Array(grown);
      const counts = new Float64Array(grown);
      values.set(this.#values);
      counts.set(this.#counts);
      this.#values = values;
      this.#counts = counts;
    }
    this.#values.copyWithin(lo + 1, lo, this.#size);
    this.#counts.copyWithin(lo + 1, lo, this.#size);
    this.#values[lo] = r;
    this.#counts[lo] = times;
    this.#size++;
  }

  /** Whether the quantiles are known (no more distinct returns than the capacity). */
  get exact(): boolean {
    return !this.#overflowed;
  }

  /** The value at position `k` (0-based) of the sorted series. */
  #at(k: number): number {
    let seen = 0;
    for (let i = 0; i < this.#size; i++) {
      seen += this.#counts[i]!;
      if (k < seen) return this.#values[i]!;
    }
    return this.#values[this.#size - 1]!;
  }

  /** numpy's `percentile(returns, q)`, linear; NaN when empty or not exact. */
  percentile(q: number): number {
    const n = this.#n;
    if (this.#overflowed || n === 0) return NaN;
    const index = (q / 100) * (n - 1);
    const below = Math.floor(index);
    if (below >= n - 1) return this.#at(n - 1);
    if (below < 0) return this.#at(0);
    return lerp(this.#at(below), this.#at(below + 1), index - below);
  }

  /** `valueAtRisk` of the returns added. */
  valueAtRisk(cutoff: number): number {
    return this.percentile(100 * cutoff);
  }

  /** `conditionalValueAtRisk` of the returns added: the mean of the int((n - 1) * cutoff) + 1 lowest, summed in order. */
  conditionalValueAtRisk(cutoff: number): number {
    const n = this.#n;
    if (this.#overflowed || n === 0) return NaN;
    const take = Math.min(n - 1, Math.max(0, Math.trunc((n - 1) * cutoff))) + 1;
    let sum = 0;
    let left = take;
    for (let i = 0; i < this.#size && left > 0; i++) {
      const c = Math.min(left, this.#counts[i]!);
      // A run of equal returns in one product (the pure function adds them one by one: equal to rounding).
      sum += c === 1 ? this.#values[i]! : this.#values[i]! * c;
      left -= c;
    }
    return sum / take;
  }

  /** `tailRatio` of the returns added. */
  tailRatio(): number {
    if (this.#overflowed || this.#n === 0) return NaN;
    return Math.abs(this.percentile(95)) / Math.abs(this.percentile(5));
  }

  /** The complete state as plain JSON data, for `loadState`. */
  saveState(): ReturnQuantilesState {
    return {
      capacity: this.#capacity,
      overflowed: this.#overflowed,
      values: Array.from(this.#values.subarray(0, this.#size), saveNumber),
      counts: Array.from(this.#counts.subarray(0, this.#size)),
    };
  }

  /** Replaces the state with one from `saveState` with the same capacity; all or nothing (`StateMismatchError`). */
  loadState(state: unknown, where = 'ReturnQuantiles'): void {
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('capacity', this.#capacity);
      const values = r.numbers('values');
      const counts = r.integers('counts', values.length, 1);
      for (let i = 1; i < values.length; i++)
        if (!(values[i - 1]! < values[i]!)) throw new StateMismatchError(`${r.at('values')} is not strictly ascending`);
      if (values.length > this.#capacity)
        throw new StateMismatchError(`${r.at('values')} holds more than the capacity`);
      return { overflowed: r.boolean('overflowed'), values, counts };
    });
    this.#overflowed = s.overflowed;
    this.#size = s.values.length;
    this.#values = new Float64Array(Math.max(this.#size, Math.min(this.#capacity, 64)));
    this.#counts = new Float64Array(this.#values.length);
    this.#values.set(s.values);
    this.#counts.set(s.counts);
    this.#n = s.counts.reduce((a, b) => a + b, 0);
  }
}
