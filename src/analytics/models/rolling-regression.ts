import { readState, saveNumber, saveNumbers, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

/** The saved state of a `RollingRegression`, from `saveState` (plain JSON data). */
export interface RollingRegressionState {
  /** Setting: capacity of the window. */
  readonly windowSize: number;
  /** Slot of the ring buffer the next error goes to (the window's sums are recomputed in slot order). */
  readonly head: number;
  /** Errors (predicted - actual) in the window, oldest first. */
  readonly errors: SavedNumber[];
  /** Evictions since the window's sums were last recomputed exactly. */
  readonly sinceRecompute: number;
  /** Sum of squared errors over the window, as updated on insert and evict. */
  readonly sse: SavedNumber;
  /** Sum of absolute errors over the window, as updated on insert and evict. */
  readonly sae: SavedNumber;
  /** Pairs ever added. */
  readonly total: number;
  /** Sum of squared errors over every pair. */
  readonly lifetimeSse: SavedNumber;
  /** Sum of absolute errors over every pair. */
  readonly lifetimeSae: SavedNumber;
}

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

  /** @param windowSize capacity of the window (default 500); throws a RangeError unless an integer >= 1 */
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

  /** The complete state as plain JSON data, the window size included, for `loadState` after a restart. */
  saveState(): RollingRegressionState {
    const w = this.windowSize;
    const errors = new Array<number>(this.#size);
    // The oldest entry sits at head once the window is full, at 0 before.
    let at = this.#size === w ? this.#head : 0;
    for (let i = 0; i < this.#size; i++) {
      errors[i] = this.#errors[at]!;
      if (++at === w) at = 0;
    }
    return {
      windowSize: w,
      head: this.#head,
      errors: saveNumbers(errors),
      sinceRecompute: this.#sinceRecompute,
      sse: saveNumber(this.#sse),
      sae: saveNumber(this.#sae),
      total: this.#total,
      lifetimeSse: saveNumber(this.#lifetimeSse),
      lifetimeSae: saveNumber(this.#lifetimeSae),
    };
  }

  /**
   * Replaces the state with one from `saveState`: checks it all first and throws
   * `StateMismatchError` (changing nothing) when it does not fit. The window size may differ:
   * the lifetime figures are restored exactly and the window is rebuilt from the newest saved
   * errors that fit, as if this instance had been fed them.
   */
  loadState(state: unknown): void {
    const where = 'RollingRegression';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      const savedWindow = r.integer('windowSize', 1);
      const errors = r.numbers('errors');
      const n = errors.length;
      if (n > savedWindow) throw new StateMismatchError(`${r.at('errors')} has more entries than the saved windowSize`);
      const head = r.integerIn('head', 0, savedWindow - 1);
      if (n < savedWindow && head !== n)
        throw new StateMismatchError(`${r.at('head')} is ${head}, but a window that is not full starts at slot 0`);
      const total = r.integer('total');
      if (n > total) throw new StateMismatchError(`${r.at('total')} is less than the pairs in the window`);
      return {
        sameWindow: savedWindow === this.windowSize,
        errors,
        head,
        sinceRecompute: r.integerIn('sinceRecompute', 0, savedWindow - 1),
        sse: r.number('sse'),
        sae: r.number('sae'),
        total,
        lifetimeSse: r.number('lifetimeSse'),
        lifetimeSae: r.number('lifetimeSae'),
      };
    });
    const w = this.windowSize;
    const n = s.errors.length;
    // Same window: the saved slots, as the exact recompute sums in slot order. Another window:
    // the newest errors that fit from slot 0, as in an instance fed only these.
    const from = s.sameWindow ? 0 : Math.max(0, n - w);
    const size = n - from;
    const head = s.sameWindow ? s.head : size === w ? 0 : size;
    let at = size === w ? head : 0;
    for (let i = from; i < n; i++) {
      this.#errors[at] = s.errors[i]!;
      if (++at === w) at = 0;
    }
    this.#head = head;
    this.#size = size;
    this.#total = s.total;
    this.#lifetimeSse = s.lifetimeSse;
    this.#lifetimeSae = s.lifetimeSae;
    if (s.sameWindow) {
      this.#sse = s.sse;
      this.#sae = s.sae;
      this.#sinceRecompute = s.sinceRecompute;
    } else {
      this.#recompute();
    }
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
