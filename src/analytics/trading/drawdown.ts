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
}

/**
 * Tracks the running peak, the current drawdown and the largest drawdown seen. Fractions are
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

  /** Adds a value; non-finite values are ignored and return false. */
  update(value: number): boolean {
    if (!Number.isFinite(value)) return false;
    if (this.#count === 0 || value > this.#peak) this.#peak = value;
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
      };
    });
    this.#count = s.count;
    this.#peak = s.peak;
    this.#last = s.last;
    this.#max = s.max;
    this.#maxAbs = s.maxAbs;
    this.#hasFraction = s.hasFraction;
  }

  /** Forgets every value. */
  reset(): void {
    this.#count = 0;
    this.#peak = 0;
    this.#last = 0;
    this.#max = 0;
    this.#maxAbs = 0;
    this.#hasFraction = false;
  }
}
