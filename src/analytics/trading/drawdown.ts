/**
 * Running peak-to-trough drawdown of an equity (or balance) series, O(1) per value.
 */

import { readState, saveNumber, StateReader, type SavedNumber } from '../state.ts';

/** The saved state of a `DrawdownTracker`, from `saveState` (plain JSON data). */
export interface DrawdownTrackerState {
  /** Values accepted. */
  readonly count: number;
  /** Highest value (0 before the first). */
  readonly peak: number;
  /** Last value (0 before the first). */
  readonly last: number;
  /** Largest fractional drawdown so far (0 until the peak has been positive). */
  readonly max: SavedNumber;
  /** Largest drawdown in currency so far. */
  readonly maxAbs: SavedNumber;
  /** Whether the peak has been positive, so that `max` means something. */
  readonly hasFraction: boolean;
  /** Time (ms) the running peak was last reached, null while unknown (absent in a state from before durations). */
  readonly peakAt?: number | null;
  /** Longest time (ms) spent below a peak, at the updates so far. */
  readonly maxDuration?: number;
}

/**
 * Tracks the running peak, the current drawdown and the largest drawdown seen, and, for values
 * given with their time, how long the series has been below its peak. A value equal to the peak
 * is at the peak (duration 0); a drawdown whose peak has no time (the starting balance) counts
 * from the first timed value below it. Durations never go negative when the clock steps back.
 * Fractions are
 * positive (0.25 = 25% below the peak, 0 at a peak). A fraction of a peak that is 0 or negative
 * means nothing (an account that never had positive equity), so while the running peak is <= 0
 * `drawdown` is undefined and such points do not enter `maxDrawdown`; the currency amounts are
 * tracked regardless. A value below 0 after a positive peak gives a fraction above 1.
 */
export class DrawdownTracker {
  #count = 0;
  #peak = 0;
  #last = 0;
  #max = 0;
  #maxAbs = 0;
  #hasFraction = false;
  #peakAt = NaN;
  #maxDuration = 0;

  /** Adds a value, optionally with its time in ms; non-finite values are ignored and return false. */
  update(value: number, atMs = NaN): boolean {
    if (!Number.isFinite(value)) return false;
    if (this.#count === 0 || value >= this.#peak) {
      // Recovering to the peak ends the episode: its length counts toward the longest.
      if (this.#count > 0 && this.#last < this.#peak) this.#lengthen(atMs);
      this.#peak = value;
      if (atMs === atMs) this.#peakAt = atMs;
    } else {
      if (this.#peakAt !== this.#peakAt && atMs === atMs) this.#peakAt = atMs;
      this.#lengthen(atMs);
    }
    this.#count++;
    this.#last = value;
    const abs = this.#peak - value;
    if (abs > this.#maxAbs) this.#maxAbs = abs;
    if (this.#peak > 0) {
      const dd = abs / this.#peak;
      if (dd > this.#max) this.#max = dd;
      this.#hasFraction = true;
    }
    return true;
  }

  /** Values accepted so far. */
  get count(): number {
    return this.#count;
  }

  /** Highest value so far; undefined before the first. */
  get peak(): number | undefined {
    return this.#count === 0 ? undefined : this.#peak;
  }

  /** Current fall below the peak as a positive fraction of it; undefined before the first value or while the peak is <= 0. */
  get drawdown(): number | undefined {
    return this.#count === 0 || !(this.#peak > 0) ? undefined : (this.#peak - this.#last) / this.#peak;
  }

  /** Current fall below the peak in currency (positive); undefined before the first value. */
  get drawdownAbs(): number | undefined {
    return this.#count === 0 ? undefined : this.#peak - this.#last;
  }

  /** Largest `drawdown` so far; undefined until the peak has been positive. */
  get maxDrawdown(): number | undefined {
    return this.#hasFraction ? this.#max : undefined;
  }

  /** Largest `drawdownAbs` so far (not necessarily the same episode as `maxDrawdown`); undefined before the first value. */
  get maxDrawdownAbs(): number | undefined {
    return this.#count === 0 ? undefined : this.#maxAbs;
  }

  /** Time (ms) spent below the peak as of `nowMs`, 0 at the peak; undefined before a timed value. */
  durationAt(nowMs: number): number | undefined {
    if (this.#count === 0) return undefined;
    if (this.#last >= this.#peak) return 0;
    if (this.#peakAt !== this.#peakAt) return undefined;
    return Math.max(0, nowMs - this.#peakAt);
  }

  /** Longest time (ms) below a peak, the current episode as of `nowMs` included; undefined before a timed value. */
  maxDurationAt(nowMs: number): number | undefined {
    const current = this.durationAt(nowMs);
    return current === undefined ? undefined : Math.max(this.#maxDuration, current);
  }

  #lengthen(atMs: number): void {
    const length = atMs - this.#peakAt;
    if (length > this.#maxDuration) this.#maxDuration = length;
  }

  /**
   * The complete state as plain JSON data, for `loadState` after a restart. A value of -0 is
   * saved as -0, which JSON prints as 0: a tracker fed -0 may read back a `peak` of 0 rather
   * than -0 (equal under ===, and the same in every later computation).
   */
  saveState(): DrawdownTrackerState {
    return {
      count: this.#count,
      peak: this.#peak,
      last: this.#last,
      max: saveNumber(this.#max),
      maxAbs: saveNumber(this.#maxAbs),
      hasFraction: this.#hasFraction,
      peakAt: Number.isFinite(this.#peakAt) ? this.#peakAt : null,
      maxDuration: this.#maxDuration,
    };
  }

  /**
   * Replaces the state with one from `saveState`; checks it all first and throws
   * `StateMismatchError` (changing nothing) when it does not fit.
   * @param where the path of this state in error messages, for a tracker nested in another state
   */
  loadState(state: unknown, where = 'DrawdownTracker'): void {
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      return {
        count: r.integer('count'),
        peak: r.finite('peak'),
        last: r.finite('last'),
        max: r.number('max'),
        maxAbs: r.number('maxAbs'),
        hasFraction: r.boolean('hasFraction'),
        peakAt: r.has('peakAt') ? r.finite('peakAt') : NaN,
        maxDuration: r.has('maxDuration') ? r.finite('maxDuration') : 0,
      };
    });
    this.#count = s.count;
    this.#peak = s.peak;
    this.#last = s.last;
    this.#max = s.max;
    this.#maxAbs = s.maxAbs;
    this.#hasFraction = s.hasFraction;
    this.#peakAt = s.peakAt;
    this.#maxDuration = s.maxDuration;
  }

  /** Forgets every value. */
  reset(): void {
    this.#count = 0;
    this.#peak = 0;
    this.#last = 0;
    this.#max = 0;
    this.#maxAbs = 0;
    this.#hasFraction = false;
    this.#peakAt = NaN;
    this.#maxDuration = 0;
  }
}

/**
 * How long a timed series has been below its running peak at its last time, and the longest such
 * stretch (ms), as `DrawdownTracker` tracks them: a stretch runs from the last time the peak was
 * reached (a value equal to it counts) to the time the series gets back to it. quantstats'
 * "Longest DD Days" counts the same stretches in calendar days. NaN for an empty series.
 */
export function drawdownDurations(
  values: ArrayLike<number>,
  timesMs: ArrayLike<number>,
): { duration: number; maxDuration: number } {
  const t = new DrawdownTracker();
  let last = NaN;
  for (let i = 0; i < values.length; i++) if (t.update(values[i]!, timesMs[i]!)) last = timesMs[i]!;
  return { duration: t.durationAt(last) ?? NaN, maxDuration: t.maxDurationAt(last) ?? NaN };
}

/**
 * Recovery factor: net profit / max drawdown, both in currency (the issue's definition; quantstats'
 * `recovery_factor` takes the same quotient on summed returns, as magnitudes). Signed: negative
 * while the net result is a loss. NaN without a drawdown.
 */
export function recoveryFactor(netProfit: number, maxDrawdownAbs: number): number {
  return maxDrawdownAbs > 0 ? netProfit / maxDrawdownAbs : NaN;
}
