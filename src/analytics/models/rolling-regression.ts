/** RMSE and MAE over a window of pairs, and since the start. */
export interface RegressionSummary {
  readonly count: number;
  readonly rmse: number | undefined;
  readonly mae: number | undefined;
}

/**
 * RMSE and MAE over the last `windowSize` (predicted, actual) pairs and over the lifetime, O(1)
 * amortized per `add`. The window keeps running sums of squared and absolute errors, adding the
 * new error and subtracting the evicted one. Add/subtract accumulates rounding error, so the sums
 * are recomputed exactly from the ring buffer once every `windowSize` evictions; and when an
 * evicted error dwarfs what remains (an outlier leaving: 1e24 + 1 - 1e24 is 0, not 1), at once.
 * Each error can trigger that only while it dominates everything after it, so it stays amortized O(1).
 */
export class RollingRegression {
  /** Capacity of the window. */
  readonly windowSize: number;

  readonly #errors: Float64Array;
  #head = 0;
  #size = 0;
  #sinceRecompute = 0;
  #sse = 0;
  #sae = 0;
  #total = 0;
  #lifetimeSse = 0;
  #lifetimeSae = 0;

  constructor(windowSize = 500) {
    if (!Number.isInteger(windowSize) || windowSize < 1)
      throw new RangeError(`windowSize must be an integer >= 1, got ${windowSize}`);
    this.windowSize = windowSize;
    this.#errors = new Float64Array(windowSize);
  }

  /** Records one resolved prediction. */
  add(predicted: number, actual: number): void {
    const e = predicted - actual;
    if (this.#size === this.windowSize) {
      const old = this.#errors[this.#head]!;
      this.#sse -= old * old;
      this.#sae -= Math.abs(old);
      this.#sinceRecompute++;
      if (Math.abs(old) > CANCELLATION * this.#sae || old * old > CANCELLATION * this.#sse)
        this.#sinceRecompute = this.windowSize;
    } else {
      this.#size++;
    }
    this.#errors[this.#head] = e;
    this.#head = this.#head + 1 === this.windowSize ? 0 : this.#head + 1;
    this.#sse += e * e;
    this.#sae += Math.abs(e);
    this.#lifetimeSse += e * e;
    this.#lifetimeSae += Math.abs(e);
    this.#total++;
    // After the new error is in, so the recompute sees the whole current window.
    if (this.#sinceRecompute >= this.windowSize) this.#recompute();
  }

  /** RMSE and MAE over the window. */
  rolling(): RegressionSummary {
    return summary(this.#size, this.#sse, this.#sae);
  }

  /** RMSE and MAE over every pair added. */
  lifetime(): RegressionSummary {
    return summary(this.#total, this.#lifetimeSse, this.#lifetimeSae);
  }

  #recompute(): void {
    let sse = 0;
    let sae = 0;
    for (let i = 0; i < this.#size; i++) {
      const e = this.#errors[i]!;
      sse += e * e;
      sae += Math.abs(e);
    }
    this.#sse = sse;
    this.#sae = sae;
    this.#sinceRecompute = 0;
  }
}

/** An evicted error term this many times the remaining sum forces an exact recompute. */
const CANCELLATION = 1e3;

function summary(n: number, sse: number, sae: number): RegressionSummary {
  if (n === 0) return { count: 0, rmse: undefined, mae: undefined };
  return { count: n, rmse: Math.sqrt(Math.max(0, sse) / n), mae: Math.max(0, sae) / n };
}
