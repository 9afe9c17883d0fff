/**
 * Page-Hinkley drift detector, a port of river's `river/drift/page_hinkley.py` (the version with
 * `mode`): a running mean, two faded cumulative deviations (one per direction) and their running
 * extremes, tested once `minInstances` values have been seen; reset on the update after a detection.
 * https://github.com/online-ml/river/blob/main/river/drift/page_hinkley.py
 */

import { readState, saveNumber, StateReader, type SavedNumber } from '../state.ts';

/** Which direction of change in the mean the detector reports. */
export type PageHinkleyMode = 'up' | 'down' | 'both';

/** Page-Hinkley options; every field is optional and defaults to river's value. */
export interface PageHinkleyOptions {
  /** Values seen (since the last reset) before a drift can be reported. Default 30. */
  readonly minInstances?: number;
  /** Tolerated deviation from the mean per value. Default 0.005. */
  readonly delta?: number;
  /** Detection threshold (lambda) on the cumulative deviation. Default 50. */
  readonly threshold?: number;
  /** Forgetting factor applied to the cumulative sums. Default 1 - 0.0001. */
  readonly alpha?: number;
  /** Report increases, decreases or both. Default 'both'. */
  readonly mode?: PageHinkleyMode;
}

/** The saved state of a `PageHinkley`, from `saveState` (plain JSON data). */
export interface PageHinkleyState {
  /** Setting: values needed before a drift can be reported. */
  readonly minInstances: number;
  /** Setting: tolerated deviation per value. */
  readonly delta: number;
  /** Setting: detection threshold. */
  readonly threshold: number;
  /** Setting: forgetting factor. */
  readonly alpha: number;
  /** Setting: the directions reported. */
  readonly mode: PageHinkleyMode;
  /** Values seen since the last reset. */
  readonly n: number;
  /** Running mean since the last reset. */
  readonly mean: SavedNumber;
  /** Faded cumulative deviation for increases. */
  readonly sumIncrease: SavedNumber;
  /** Faded cumulative deviation for decreases. */
  readonly sumDecrease: SavedNumber;
  /** Running minimum of `sumIncrease` (Infinity before the first value). */
  readonly minIncrease: SavedNumber;
  /** Running maximum of `sumDecrease` (-1 before the first value). */
  readonly maxDecrease: SavedNumber;
  /** Whether the last update detected a drift (the state is reset at the next one). */
  readonly driftDetected: boolean;
  /** Drifts detected. */
  readonly nDetections: number;
  /** The monitored statistic over the threshold at the last update. */
  readonly score: SavedNumber;
}

/** Page-Hinkley test for a change in the mean of a numeric stream. */
export class PageHinkley {
  /** river's defaults. */
  static readonly DEFAULT_OPTIONS: Required<PageHinkleyOptions> = Object.freeze({
    minInstances: 30,
    delta: 0.005,
    threshold: 50,
    alpha: 1 - 0.0001,
    mode: 'both',
  });

  readonly #minInstances: number;
  readonly #delta: number;
  readonly #threshold: number;
  readonly #alpha: number;
  readonly #up: boolean;
  readonly #down: boolean;

  #n = 0;
  #mean = 0;
  #sumIncrease = 0;
  #sumDecrease = 0;
  #minIncrease = Infinity;
  #maxDecrease = -1;
  #driftDetected = false;
  #nDetections = 0;
  #score = 0;

  /** Validates the options; throws a RangeError naming the bad key. */
  constructor(options: PageHinkleyOptions = {}) {
    const o = { ...PageHinkley.DEFAULT_OPTIONS, ...options };
    if (!Number.isInteger(o.minInstances) || o.minInstances < 1)
      throw new RangeError(`PageHinkley: minInstances must be an integer >= 1, got ${o.minInstances}`);
    if (!(o.delta >= 0)) throw new RangeError(`PageHinkley: delta must be >= 0, got ${o.delta}`);
    if (!(o.threshold > 0)) throw new RangeError(`PageHinkley: threshold must be > 0, got ${o.threshold}`);
    if (!(o.alpha > 0 && o.alpha <= 1)) throw new RangeError(`PageHinkley: alpha must be in (0, 1], got ${o.alpha}`);
    if (o.mode !== 'up' && o.mode !== 'down' && o.mode !== 'both')
      throw new RangeError(`PageHinkley: mode must be 'up', 'down' or 'both', got ${String(o.mode)}`);
    this.#minInstances = o.minInstances;
    this.#delta = o.delta;
    this.#threshold = o.threshold;
    this.#alpha = o.alpha;
    this.#up = o.mode !== 'down';
    this.#down = o.mode !== 'up';
  }

  /** True when the last `update` detected a drift. */
  get driftDetected(): boolean {
    return this.#driftDetected;
  }

  /** Values seen since the last reset (river's `_x_mean.n`). */
  get width(): number {
    return this.#n;
  }

  /** Running mean since the last reset. */
  get estimation(): number {
    return this.#mean;
  }

  /** Drifts detected since construction or `reset()` (survives the automatic post-detection reset). */
  get nDetections(): number {
    return this.#nDetections;
  }

  /**
   * The monitored statistic over the threshold: max(increase, decrease) for 'both', otherwise the
   * one statistic of the mode, divided by `threshold` (> 1 exactly when a drift is detected).
   * 0 until `minInstances` values have been seen, since no detection can happen before.
   */
  get score(): number {
    return this.#score;
  }

  /** Adds one value; returns true when a drift is detected at this update. */
  update(x: number): boolean {
    if (this.#driftDetected) this.#resetState();
    this.#n += 1;
    // Same arithmetic as river's stats.Mean, so the sums (and the detection index) match bit for bit.
    this.#mean += (1 / this.#n) * (x - this.#mean);
    const dev = x - this.#mean;
    this.#sumIncrease = this.#alpha * this.#sumIncrease + dev - this.#delta;
    this.#sumDecrease = this.#alpha * this.#sumDecrease + dev + this.#delta;
    if (this.#sumIncrease < this.#minIncrease) this.#minIncrease = this.#sumIncrease;
    if (this.#sumDecrease > this.#maxDecrease) this.#maxDecrease = this.#sumDecrease;
    if (this.#n >= this.#minInstances) {
      const increase = this.#sumIncrease - this.#minIncrease;
      const decrease = this.#maxDecrease - this.#sumDecrease;
      const stat = this.#up && this.#down ? Math.max(increase, decrease) : this.#up ? increase : decrease;
      this.#score = stat / this.#threshold;
      this.#driftDetected = (this.#up && increase > this.#threshold) || (this.#down && decrease > this.#threshold);
      if (this.#driftDetected) this.#nDetections++;
    }
    return this.#driftDetected;
  }

  /** The complete state as plain JSON data, settings included, for `loadState` after a restart. */
  saveState(): PageHinkleyState {
    return {
      minInstances: this.#minInstances,
      delta: this.#delta + 0, // +0 for -0, which JSON would print as 0 and `same` tell apart
      threshold: this.#threshold,
      alpha: this.#alpha,
      mode: this.#mode(),
      n: this.#n,
      mean: saveNumber(this.#mean),
      sumIncrease: saveNumber(this.#sumIncrease),
      sumDecrease: saveNumber(this.#sumDecrease),
      minIncrease: saveNumber(this.#minIncrease),
      maxDecrease: saveNumber(this.#maxDecrease),
      driftDetected: this.#driftDetected,
      nDetections: this.#nDetections,
      score: saveNumber(this.#score),
    };
  }

  /**
   * Replaces the state with one from `saveState`, for a detector constructed with the same
   * options: checks it all first and throws `StateMismatchError` (changing nothing) when it does
   * not fit, naming the field or the option that differs.
   */
  loadState(state: unknown): void {
    const where = 'PageHinkley';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('minInstances', this.#minInstances);
      r.same('delta', this.#delta + 0);
      r.same('threshold', this.#threshold);
      r.same('alpha', this.#alpha);
      r.same('mode', this.#mode());
      return {
        n: r.integer('n'),
        mean: r.number('mean'),
        sumIncrease: r.number('sumIncrease'),
        sumDecrease: r.number('sumDecrease'),
        minIncrease: r.number('minIncrease'),
        maxDecrease: r.number('maxDecrease'),
        driftDetected: r.boolean('driftDetected'),
        nDetections: r.integer('nDetections'),
        score: r.number('score'),
      };
    });
    this.#n = s.n;
    this.#mean = s.mean;
    this.#sumIncrease = s.sumIncrease;
    this.#sumDecrease = s.sumDecrease;
    this.#minIncrease = s.minIncrease;
    this.#maxDecrease = s.maxDecrease;
    this.#driftDetected = s.driftDetected;
    this.#nDetections = s.nDetections;
    this.#score = s.score;
  }

  /** Forgets everything, as a new detector. */
  reset(): void {
    this.#resetState();
    this.#nDetections = 0;
  }

  #mode(): PageHinkleyMode {
    return this.#up && this.#down ? 'both' : this.#up ? 'up' : 'down';
  }

  #resetState(): void {
    this.#n = 0;
    this.#mean = 0;
    this.#sumIncrease = 0;
    this.#sumDecrease = 0;
    this.#minIncrease = Infinity;
    // river starts the running maximum at -1 rather than -inf; kept so detections match.
    this.#maxDecrease = -1;
    this.#driftDetected = false;
    this.#score = 0;
  }
}
