/**
 * ADWIN (ADaptive WINdowing, Bifet & Gavaldà 2007) drift detector, a port of river's
 * `river/drift/adwin.py` + `river/drift/adwin_c.pyx` (main branch, the C-array Bucket rewrite):
 * same exponential-histogram buckets, merge rule, clock, grace period, minimum sub-window length,
 * cut test and reset-after-detection, so it detects at the indices river documents.
 * https://github.com/online-ml/river/blob/main/river/drift/adwin_c.pyx
 */

import { readState, saveNumber, saveNumbers, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

/** ADWIN options; every field is optional and defaults to river's value. */
export interface AdwinOptions {
  /** Significance of each cut test (smaller: fewer, later detections). Default 0.002. */
  readonly delta?: number;
  /** Run the cut test every `clock` updates. Default 32. */
  readonly clock?: number;
  /** Buckets of each size kept before the two oldest are merged. Default 5. */
  readonly maxBuckets?: number;
  /** Both sub-windows of a cut must hold at least this many values. Default 5. */
  readonly minWindowLength?: number;
  /** No cut test until the window holds more than this many values. Default 10. */
  readonly gracePeriod?: number;
}

/** A row of buckets that each summarise 2^row values, oldest first. */
interface Row {
  count: number;
  readonly total: Float64Array;
  readonly variance: Float64Array;
}

/** One row of buckets in an `AdwinState`: buckets that each summarise 2^row values, oldest first. */
export interface AdwinRowState {
  /** Sum of the values of each bucket. */
  readonly total: SavedNumber[];
  /** Sum of squared deviations from the bucket mean, per bucket. */
  readonly variance: SavedNumber[];
}

/** The saved state of an `Adwin`, from `saveState` (plain JSON data). */
export interface AdwinState {
  /** Setting: significance of each cut test. */
  readonly delta: number;
  /** Setting: updates between cut tests. */
  readonly clock: number;
  /** Setting: buckets of each size before a merge. */
  readonly maxBuckets: number;
  /** Setting: minimum length of a sub-window. */
  readonly minWindowLength: number;
  /** Setting: values needed before the first cut test. */
  readonly gracePeriod: number;
  /** The exponential histogram, row i holding buckets of 2^i values. */
  readonly rows: AdwinRowState[];
  /** Sum of the values in the window. */
  readonly total: SavedNumber;
  /** Sum of squared deviations over the window. */
  readonly variance: SavedNumber;
  /** Values in the window. */
  readonly width: number;
  /** Updates since the last reset, the cut test's clock. */
  readonly tick: number;
  /** Drifts detected. */
  readonly nDetections: number;
  /** Whether the last update detected a drift (the window is reset at the next one). */
  readonly driftDetected: boolean;
  /** Score of the last cut test. */
  readonly score: SavedNumber;
}

/** ADWIN drift detector over a numeric stream (typically a model's 0/1 error). */
export class Adwin {
  /** river's defaults. */
  static readonly DEFAULT_OPTIONS: Required<AdwinOptions> = Object.freeze({
    delta: 0.002,
    clock: 32,
    maxBuckets: 5,
    minWindowLength: 5,
    gracePeriod: 10,
  });

  readonly #delta: number;
  readonly #clock: number;
  readonly #maxBuckets: number;
  readonly #minWindowLength: number;
  readonly #gracePeriod: number;

  #rows: Row[] = [];
  #total = 0;
  #variance = 0;
  #width = 0;
  #tick = 0;
  #nDetections = 0;
  #driftDetected = false;
  #score = 0;

  /** Validates the options; throws a RangeError naming the bad key. */
  constructor(options: AdwinOptions = {}) {
    const o = { ...Adwin.DEFAULT_OPTIONS, ...options };
    if (!(o.delta > 0 && o.delta < 1)) throw new RangeError(`Adwin: delta must be in (0, 1), got ${o.delta}`);
    for (const key of ['clock', 'maxBuckets', 'minWindowLength'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1)
        throw new RangeError(`Adwin: ${key} must be an integer >= 1, got ${o[key]}`);
    }
    if (!Number.isInteger(o.gracePeriod) || o.gracePeriod < 0)
      throw new RangeError(`Adwin: gracePeriod must be an integer >= 0, got ${o.gracePeriod}`);
    this.#delta = o.delta;
    this.#clock = o.clock;
    this.#maxBuckets = o.maxBuckets;
    this.#minWindowLength = o.minWindowLength;
    this.#gracePeriod = o.gracePeriod;
    this.#reset();
  }

  /** True when the last `update` detected a drift. */
  get driftDetected(): boolean {
    return this.#driftDetected;
  }

  /** Number of values in the adaptive window. */
  get width(): number {
    return this.#width;
  }

  /** Mean of the window (0 when empty). */
  get estimation(): number {
    return this.#width === 0 ? 0 : this.#total / this.#width;
  }

  /** Sum of squared deviations from the mean over the window (river's `variance`, not divided by n). */
  get variance(): number {
    return this.#variance;
  }

  /** Buckets in use: O(maxBuckets · log2(width)), the detector's whole memory. */
  get buckets(): number {
    let n = 0;
    for (const row of this.#rows) n += row.count;
    return n;
  }

  /** Sum of the values in the window. */
  get total(): number {
    return this.#total;
  }

  /**
   * Drifts detected since construction or `reset()`. Unlike river's `n_detections`, which lives in
   * the helper that is rebuilt after every detection (so it never exceeds 1), this one survives
   * the automatic post-detection reset, which is what a dashboard counter needs.
   */
  get nDetections(): number {
    return this.#nDetections;
  }

  /**
   * The largest |mean(W0) - mean(W1)| / epsilon_cut over the cuts examined at the last cut test
   * (so > 1 exactly when that test detected a drift); 0 before the first test and after a reset.
   * It only changes every `clock` updates, like the test itself.
   */
  get score(): number {
    return this.#score;
  }

  /** The complete state as plain JSON data, settings included, for `loadState` after a restart. */
  saveState(): AdwinState {
    return {
      delta: this.#delta,
      clock: this.#clock,
      maxBuckets: this.#maxBuckets,
      minWindowLength: this.#minWindowLength,
      gracePeriod: this.#gracePeriod,
      rows: this.#rows.map((row) => ({
        total: saveNumbers(row.total, row.count),
        variance: saveNumbers(row.variance, row.count),
      })),
      total: saveNumber(this.#total),
      variance: saveNumber(this.#variance),
      width: this.#width,
      tick: this.#tick,
      nDetections: this.#nDetections,
      driftDetected: this.#driftDetected,
      score: saveNumber(this.#score),
    };
  }

  /**
   * Replaces the state with one from `saveState`, for a detector constructed with the same
   * options: checks it all first and throws `StateMismatchError` (changing nothing) when it does
   * not fit, naming the field or the option that differs.
   */
  loadState(state: unknown): void {
    const where = 'Adwin';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('delta', this.#delta);
      r.same('clock', this.#clock);
      r.same('maxBuckets', this.#maxBuckets);
      r.same('minWindowLength', this.#minWindowLength);
      r.same('gracePeriod', this.#gracePeriod);
      const list = r.array('rows');
      if (list.length === 0) throw new StateMismatchError(`${r.at('rows')} is empty`);
      const rows: Row[] = [];
      let values = 0;
      for (let i = 0; i < list.length; i++) {
        const item = r.item(list, 'rows', i);
        const total = item.numbers('total');
        if (total.length > this.#maxBuckets)
          throw new StateMismatchError(`${r.at('rows')}[${i}].total has more than maxBuckets entries`);
        const variance = item.numbers('variance', total.length);
        const row = this.#newRow();
        row.total.set(total);
        row.variance.set(variance);
        row.count = total.length;
        rows.push(row);
        values += total.length * 2 ** i;
      }
      const width = r.integer('width');
      if (width !== values)
        throw new StateMismatchError(`${r.at('width')} is ${width}, but the rows hold ${values} values`);
      return {
        rows,
        total: r.number('total'),
        variance: r.number('variance'),
        width,
        tick: r.integer('tick'),
        nDetections: r.integer('nDetections'),
        driftDetected: r.boolean('driftDetected'),
        score: r.number('score'),
      };
    });
    this.#rows = s.rows;
    this.#total = s.total;
    this.#variance = s.variance;
    this.#width = s.width;
    this.#tick = s.tick;
    this.#nDetections = s.nDetections;
    this.#driftDetected = s.driftDetected;
    this.#score = s.score;
  }

  /** Adds one value; returns true when a drift is detected at this update. */
  update(x: number): boolean {
    // river resets the whole window on the update after a detection, not at the detection.
    if (this.#driftDetected) this.#resetWindow();
    this.#insert(x);
    this.#driftDetected = this.#detect();
    return this.#driftDetected;
  }

  /** Forgets everything, as a new detector. */
  reset(): void {
    this.#reset();
  }

  #reset(): void {
    this.#resetWindow();
    this.#nDetections = 0;
  }

  #resetWindow(): void {
    this.#rows = [this.#newRow()];
    this.#total = 0;
    this.#variance = 0;
    this.#width = 0;
    this.#tick = 0;
    this.#driftDetected = false;
    this.#score = 0;
  }

  #newRow(): Row {
    return {
      count: 0,
      total: new Float64Array(this.#maxBuckets + 1),
      variance: new Float64Array(this.#maxBuckets + 1),
    };
  }

  #insert(value: number): void {
    const row = this.#rows[0]!;
    row.total[row.count] = value;
    row.variance[row.count] = 0;
    row.count++;
    this.#width += 1;
    if (this.#width > 1) {
      const d = value - this.#total / (this.#width - 1);
      this.#variance += ((this.#width - 1) * d * d) / this.#width;
    }
    this.#total += value;
    this.#compress();
  }

  #compress(): void {
    const max = this.#maxBuckets;
    for (let idx = 0; idx < this.#rows.length; idx++) {
      const row = this.#rows[idx]!;
      if (row.count !== max + 1) break;
      let next = this.#rows[idx + 1];
      if (next === undefined) {
        next = this.#newRow();
        this.#rows.push(next);
      }
      const n1 = 2 ** idx;
      const mu1 = row.total[0]! / n1;
      const mu2 = row.total[1]! / n1;
      next.total[next.count] = row.total[0]! + row.total[1]!;
      next.variance[next.count] = row.variance[0]! + row.variance[1]! + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      next.count++;
      shift(row, 2);
      if (next.count <= max) break;
    }
  }

  /** Drops the oldest bucket; returns how many values it held. */
  #deleteOldest(): number {
    const last = this.#rows.length - 1;
    const row = this.#rows[last]!;
    const n = 2 ** last;
    const u = row.total[0]!;
    const mu = u / n;
    const v = row.variance[0]!;
    this.#width -= n;
    this.#total -= u;
    const muWindow = this.#total / this.#width;
    this.#variance -= v + (n * this.#width * (mu - muWindow) * (mu - muWindow)) / (n + this.#width);
    shift(row, 1);
    if (row.count === 0) this.#rows.pop();
    return n;
  }

  #detect(): boolean {
    let changeDetected = false;
    this.#tick++;
    if (this.#tick % this.#clock !== 0 || !(this.#width > this.#gracePeriod)) return false;
    let score = 0;
    const minLen = this.#minWindowLength;
    let reduceWidth = true;
    while (reduceWidth) {
      reduceWidth = false;
      let exit = false;
      let n0 = 0;
      let n1 = this.#width;
      let u0 = 0;
      let u1 = this.#total;
      // Width and variance only change when a bucket is dropped, which ends this pass.
      const deltaPrime = Math.log((2 * Math.log(this.#width)) / this.#delta);
      const varianceInWindow = this.#variance / this.#width;
      // Oldest buckets first: W0 grows from the old end, W1 is the rest.
      for (let idx = this.#rows.length - 1; idx >= 0 && !exit; idx--) {
        const row = this.#rows[idx]!;
        const size = 2 ** idx;
        for (let k = 0; k < row.count; k++) {
          n0 += size;
          n1 -= size;
          u0 += row.total[k]!;
          u1 -= row.total[k]!;
          if (idx === 0 && k === row.count - 1) {
            exit = true;
            break;
          }
          if (n1 >= minLen && n0 >= minLen) {
            const deltaMean = u0 / n0 - u1 / n1;
            const epsilon = this.#epsilon(n0, n1, deltaPrime, varianceInWindow);
            const ratio = Math.abs(deltaMean) / epsilon;
            if (ratio > score) score = ratio;
            if (Math.abs(deltaMean) > epsilon) {
              reduceWidth = true;
              changeDetected = true;
              if (this.#width > 0) {
                n0 -= this.#deleteOldest();
                exit = true;
                break;
              }
            }
          }
        }
      }
    }
    this.#score = score;
    if (changeDetected) this.#nDetections++;
    return changeDetected;
  }

  /** Hoeffding-style bound of river's `_evaluate_cut`, with its minimum-length correction. */
  #epsilon(n0: number, n1: number, deltaPrime: number, varianceInWindow: number): number {
    const mRecip = 1 / (n0 - this.#minWindowLength + 1) + 1 / (n1 - this.#minWindowLength + 1);
    return Math.sqrt(2 * mRecip * varianceInWindow * deltaPrime) + (2 / 3) * deltaPrime * mRecip;
  }
}

/** Removes the `n` oldest buckets of a row. */
function shift(row: Row, n: number): void {
  row.total.copyWithin(0, n, row.count);
  row.variance.copyWithin(0, n, row.count);
  for (let i = row.count - n; i < row.count; i++) {
    row.total[i] = 0;
    row.variance[i] = 0;
  }
  row.count -= n;
}
