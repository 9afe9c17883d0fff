import { curveFromSums, eceOfCurve, ProbabilityBins, type BinaryLabel, type ReliabilityCurve } from './calibration.ts';

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

  #recompute(): void {
    this.#wSum.fill(0);
    for (let i = 0; i < this.#size; i++) this.#wSum[this.#bins[i]!]! += this.#probabilities[i]!;
    this.#sinceRecompute = 0;
  }
}
