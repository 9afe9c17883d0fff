/**
 * Running peak-to-trough drawdown of an equity (or balance) series, O(1) per value.
 */

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
