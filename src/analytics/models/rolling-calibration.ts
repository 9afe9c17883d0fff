import { curveFromSums, eceOfCurve, ProbabilityBins, type BinaryLabel, type ReliabilityCurve } from './calibration.ts';
import { readState, StateMismatchError, StateReader } from '../state.ts';

/** The saved state of a `RollingCalibration`, from `saveState` (plain JSON data). */
export interface RollingCalibrationState {
  /** Setting: capacity of the window. */
  readonly windowSize: number;
  /** Setting: number of probability bins. */
  readonly bins: number;
  /** Slot of the ring buffer the next pair goes to (the window's sums are recomputed in slot order). */
  readonly head: number;
  /** Probabilities in the window, oldest first. */
  readonly probabilities: number[];
  /** Labels (0 or 1) in the window, oldest first. */
  readonly labels: number[];
  /** Evictions since the window's probability sums were last recomputed exactly. */
  readonly sinceRecompute: number;
  /** Per bin: sum of the window's probabilities, as updated on insert and evict. */
  readonly windowSums: number[];
  /** Pairs ever added. */
  readonly total: number;
  /** Per bin: pairs ever added. */
  readonly counts: number[];
  /** Per bin: sum of the probabilities ever added. */
  readonly sums: number[];
  /** Per bin: positive labels ever added. */
  readonly positives: number[];
}

/** ECE and reliability curve of a window, or of the lifetime. */
export interface CalibrationSummary {
  readonly count: number;
  readonly ece: number;
  readonly curve: ReliabilityCurve;
}

/**
 * Calibration over the last `windowSize` (probability, label) pairs and over the lifetime, with
 * the same bins as `reliabilityCurve` / `expectedCalibrationError`. Per-bin counts, probability
 * sums and positive counts are updated on insert and evict, O(1) per `add`; the probability sums
 * are recomputed exactly from the ring buffer every `windowSize` evictions so that add/subtract
 * rounding cannot accumulate (results stay within 1e-9 of the pure functions).
 */
export class RollingCalibration {
  /** Capacity of the window. */
  readonly windowSize: number;
  /** The binning shared by the window and the lifetime. */
  readonly binning: ProbabilityBins;

  readonly #probabilities: Float64Array;
  readonly #labels: Uint8Array;
  readonly #bins: Uint8Array | Uint16Array | Uint32Array;
  #head = 0;
  #size = 0;
  #sinceRecompute = 0;
  #total = 0;
  readonly #wCount: Float64Array;
  readonly #wSum: Float64Array;
  readonly #wPos: Float64Array;
  readonly #lCount: Float64Array;
  readonly #lSum: Float64Array;
  readonly #lPos: Float64Array;

  /**
   * @param windowSize capacity of the window (default 500); throws a RangeError unless an integer >= 1
   * @param bins number of equal-width probability bins (default 5)
   */
  constructor(windowSize = 500, bins = 5) {
    if (!Number.isInteger(windowSize) || windowSize < 1)
      throw new RangeError(`windowSize must be an integer >= 1, got ${windowSize}`);
    this.windowSize = windowSize;
    this.binning = new ProbabilityBins(bins);
    this.#probabilities = new Float64Array(windowSize);
    this.#labels = new Uint8Array(windowSize);
    this.#bins =
      bins <= 0xff
        ? new Uint8Array(windowSize)
        : bins <= 0xffff
          ? new Uint16Array(windowSize)
          : new Uint32Array(windowSize);
    this.#wCount = new Float64Array(bins);
    this.#wSum = new Float64Array(bins);
    this.#wPos = new Float64Array(bins);
    this.#lCount = new Float64Array(bins);
    this.#lSum = new Float64Array(bins);
    this.#lPos = new Float64Array(bins);
  }

  /** Pairs in the window. */
  get size(): number {
    return this.#size;
  }

  /** Pairs ever added. */
  get total(): number {
    return this.#total;
  }

  /** Records one resolved probability; returns false (and records nothing) when it is not in [0, 1]. */
  add(probability: number, label: BinaryLabel): boolean {
    if (!(probability >= 0 && probability <= 1)) return false;
    const y = label ? 1 : 0;
    const k = this.binning.indexOf(probability);
    if (this.#size === this.windowSize) {
      const ob = this.#bins[this.#head]!;
      this.#wCount[ob]!--;
      this.#wSum[ob]! -= this.#probabilities[this.#head]!;
      this.#wPos[ob]! -= this.#labels[this.#head]!;
      this.#sinceRecompute++;
    } else {
      this.#size++;
    }
    this.#probabilities[this.#head] = probability;
    this.#labels[this.#head] = y;
    this.#bins[this.#head] = k;
    this.#head = this.#head + 1 === this.windowSize ? 0 : this.#head + 1;
    this.#wCount[k]!++;
    this.#wSum[k]! += probability;
    this.#wPos[k]! += y;
    this.#lCount[k]!++;
    this.#lSum[k]! += probability;
    this.#lPos[k]! += y;
    this.#total++;
    if (this.#sinceRecompute >= this.windowSize) this.#recompute();
    return true;
  }

  /** ECE over the window (0 when empty). */
  ece(): number {
    return eceOfCurve(this.reliability());
  }

  /** Reliability curve over the window (non-empty bins only). */
  reliability(): ReliabilityCurve {
    return curveFromSums(this.binning, this.#wCount, this.#wSum, this.#wPos);
  }

  /** ECE and curve over the window. */
  rolling(): CalibrationSummary {
    const curve = this.reliability();
    return { count: this.#size, ece: eceOfCurve(curve), curve };
  }

  /** ECE and curve over every pair added. */
  lifetime(): CalibrationSummary {
    const curve = curveFromSums(this.binning, this.#lCount, this.#lSum, this.#lPos);
    return { count: this.#total, ece: eceOfCurve(curve), curve };
  }

  /** The complete state as plain JSON data, window size and bins included, for `loadState` after a restart. */
  saveState(): RollingCalibrationState {
    const w = this.windowSize;
    const probabilities = new Array<number>(this.#size);
    const labels = new Array<number>(this.#size);
    // The oldest entry sits at head once the window is full, at 0 before.
    let at = this.#size === w ? this.#head : 0;
    for (let i = 0; i < this.#size; i++) {
      probabilities[i] = this.#probabilities[at]!;
      labels[i] = this.#labels[at]!;
      if (++at === w) at = 0;
    }
    return {
      windowSize: w,
      bins: this.binning.count,
      head: this.#head,
      probabilities,
      labels,
      sinceRecompute: this.#sinceRecompute,
      windowSums: Array.from(this.#wSum),
      total: this.#total,
      counts: Array.from(this.#lCount),
      sums: Array.from(this.#lSum),
      positives: Array.from(this.#lPos),
    };
  }

  /**
   * Replaces the state with one from `saveState`, for an instance with the same bins: checks it
   * all first and throws `StateMismatchError` (changing nothing) when it does not fit, naming the
   * field or setting at fault. The window size may differ: the lifetime figures are restored
   * exactly and the window is rebuilt from the newest saved pairs that fit, as if this instance
   * had been fed them.
   */
  loadState(state: unknown): void {
    const where = 'RollingCalibration';
    const bins = this.binning.count;
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('bins', bins);
      const savedWindow = r.integer('windowSize', 1);
      const probabilities = r.finites('probabilities');
      const n = probabilities.length;
      if (n > savedWindow)
        throw new StateMismatchError(`${r.at('probabilities')} has more entries than the saved windowSize`);
      for (let i = 0; i < n; i++) {
        const p = probabilities[i]!;
        if (!(p >= 0 && p <= 1)) throw new StateMismatchError(`${r.at('probabilities')}[${i}] is not in [0, 1]`);
      }
      const labels = r.integers('labels', n);
      for (let i = 0; i < n; i++)
        if (labels[i]! > 1) throw new StateMismatchError(`${r.at('labels')}[${i}] is not 0 or 1`);
      const head = r.integerIn('head', 0, savedWindow - 1);
      if (n < savedWindow && head !== n)
        throw new StateMismatchError(`${r.at('head')} is ${head}, but a window that is not full starts at slot 0`);
      const sinceRecompute = r.integerIn('sinceRecompute', 0, savedWindow - 1);
      const windowSums = r.finites('windowSums', bins);
      const total = r.integer('total');
      if (n > total) throw new StateMismatchError(`${r.at('total')} is less than the pairs in the window`);
      const counts = r.integers('counts', bins);
      const sums = r.finites('sums', bins);
      const positives = r.integers('positives', bins);
      let counted = 0;
      for (let k = 0; k < bins; k++) {
        counted += counts[k]!;
        if (positives[k]! > counts[k]!)
          throw new StateMismatchError(`${r.at('positives')}[${k}] exceeds ${r.at('counts')}[${k}]`);
      }
      if (counted !== total) throw new StateMismatchError(`${r.at('counts')} do not add up to ${r.at('total')}`);
      return {
        sameWindow: savedWindow === this.windowSize,
        head,
        probabilities,
        labels,
        sinceRecompute,
        windowSums,
        total,
        counts,
        sums,
        positives,
      };
    });
    const w = this.windowSize;
    const n = s.probabilities.length;
    // Same window: the saved slots, as the exact recompute sums in slot order. Another window:
    // the newest pairs that fit from slot 0, as in an instance fed only these.
    const from = s.sameWindow ? 0 : Math.max(0, n - w);
    const size = n - from;
    const head = s.sameWindow ? s.head : size === w ? 0 : size;
    let at = size === w ? head : 0;
    this.#wCount.fill(0);
    this.#wSum.fill(0);
    this.#wPos.fill(0);
    for (let i = from; i < n; i++) {
      const p = s.probabilities[i]!;
      const y = s.labels[i]!;
      const k = this.binning.indexOf(p);
      this.#probabilities[at] = p;
      this.#labels[at] = y;
      this.#bins[at] = k;
      this.#wCount[k]!++;
      this.#wSum[k]! += p;
      this.#wPos[k]! += y;
      if (++at === w) at = 0;
    }
    this.#head = head;
    this.#size = size;
    if (s.sameWindow) {
      this.#wSum.set(s.windowSums);
      this.#sinceRecompute = s.sinceRecompute;
    } else {
      this.#sinceRecompute = 0;
    }
    this.#total = s.total;
    this.#lCount.set(s.counts);
    this.#lSum.set(s.sums);
    this.#lPos.set(s.positives);
  }

  #recompute(): void {
    this.#wSum.fill(0);
    for (let i = 0; i < this.#size; i++) this.#wSum[this.#bins[i]!]! += this.#probabilities[i]!;
    this.#sinceRecompute = 0;
  }
}
