/**
 * Page-Hinkley drift detector, a port of river's `river/drift/page_hinkley.py` (the version with
 * `mode`): a running mean, two faded cumulative deviations (one per direction) and their running
 * extremes, tested once `minInstances` values have been seen; reset on the update after a detection.
 * https://github.com/online-ml/river/blob/main/river/drift/page_hinkley.py
 */

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

  /** Forgets everything, as a new detector. */
  reset(): void {
    this.#resetState();
    this.#nDetections = 0;
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
