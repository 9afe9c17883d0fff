/**
 * Expected calibration error and reliability curve over equal-width probability bins, binned
 * exactly like scikit-learn's `calibration_curve(strategy='uniform')`:
 *
 *   bins = np.linspace(0.0, 1.0, n_bins + 1)
 *   binids = np.searchsorted(bins[1:-1], y_prob)        # side='left'
 *
 * (sklearn/calibration.py, scikit-learn main, commit 000ceb9e). searchsorted's default side='left'
 * counts the inner edges strictly below p, so bins are closed on the RIGHT: [0, e1], (e1, e2], …,
 * (e_{n-1}, 1]. A probability exactly on an inner edge (0.2 with 5 bins) belongs to the lower bin.
 * Edges are i * (1 / n), as numpy's linspace computes them (so the third edge of 5 bins is
 * 0.6000000000000001 and p = 0.6 falls in the third bin, as in sklearn).
 */

/** One non-empty bin of a reliability curve. */
export interface ReliabilityBin {
  /** Bin centre ('0.1' … '0.9' for 5 bins); see `binLabels`. */
  readonly label: string;
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin (sklearn's `prob_pred`). */
  readonly meanConfidence: number;
  /** Fraction of positive labels in the bin (sklearn's `prob_true`). */
  readonly observedFrequency: number;
}

/** A reliability curve: the non-empty bins, in increasing probability. */
export interface ReliabilityCurve {
  readonly bins: readonly ReliabilityBin[];
}

/** A binary outcome: 1/true for the positive class, 0/false otherwise. */
export type BinaryLabel = 0 | 1 | boolean;

/** Equal-width binning of [0, 1] into `bins` bins, with sklearn's edge convention. */
export class ProbabilityBins {
  /** Number of bins. */
  readonly count: number;
  /** The bins + 1 edges, edges[0] = 0 and edges[count] = 1. */
  readonly edges: Float64Array;
  /** Precomputed bin labels. */
  readonly labels: readonly string[];

  constructor(bins: number) {
    if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be an integer >= 1, got ${bins}`);
    this.count = bins;
    this.edges = new Float64Array(bins + 1);
    const step = 1 / bins;
    for (let i = 0; i <= bins; i++) this.edges[i] = i * step;
    this.edges[bins] = 1;
    this.labels = binLabels(bins);
  }

  /** Index of the bin holding probability `p` (in [0, 1]); O(1). */
  indexOf(p: number): number {
    const n = this.count;
    const e = this.edges;
    let k = Math.ceil(p * n) - 1;
    if (k < 0) k = 0;
    else if (k > n - 1) k = n - 1;
    // p * n can round across an edge; settle against the stored edges, which is what sklearn compares with.
    while (k > 0 && p <= e[k]!) k--;
    while (k < n - 1 && p > e[k + 1]!) k++;
    return k;
  }
}

/**
 * Bin centres as labels: exact with the fewest decimals when a centre needs at most 4 ('0.1' …
 * '0.9' for 5 bins, '0.05' … '0.95' for 10, '0.025' … for 20), otherwise the fewest decimals that
 * keep the labels distinct ('0.2', '0.5', '0.8' for 3 bins), which keeps Prometheus labels short.
 */
export function binLabels(bins: number): string[] {
  const centres = Array.from({ length: bins }, (_, i) => (i + 0.5) / bins);
  for (let digits = 1; digits <= 4; digits++) {
    const labels = centres.map((c) => c.toFixed(digits));
    if (labels.every((l, i) => Math.abs(Number(l) - centres[i]!) < 1e-12)) return labels;
  }
  for (let digits = 1; ; digits++) {
    const labels = centres.map((c) => c.toFixed(digits));
    if (new Set(labels).size === bins || digits >= 17) return labels;
  }
}

/** Per-bin sums a curve is built from; shared with the streaming version so both agree. */
export function curveFromSums(
  binning: ProbabilityBins,
  counts: ArrayLike<number>,
  confidenceSums: ArrayLike<number>,
  positives: ArrayLike<number>,
): ReliabilityCurve {
  const bins: ReliabilityBin[] = [];
  for (let i = 0; i < binning.count; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    bins.push({
      label: binning.labels[i]!,
      lower: binning.edges[i]!,
      upper: binning.edges[i + 1]!,
      count: n,
      meanConfidence: confidenceSums[i]! / n,
      observedFrequency: positives[i]! / n,
    });
  }
  return { bins };
}

/** ECE from a curve: sum over non-empty bins of count/N * |observedFrequency - meanConfidence|; 0 when empty. */
export function eceOfCurve(curve: ReliabilityCurve): number {
  let total = 0;
  for (const b of curve.bins) total += b.count;
  if (total === 0) return 0;
  let ece = 0;
  for (const b of curve.bins) ece += (b.count / total) * Math.abs(b.observedFrequency - b.meanConfidence);
  return ece;
}

/** Reliability curve (sklearn `calibration_curve`, strategy 'uniform') with per-bin counts; only non-empty bins. */
export function reliabilityCurve(
  probabilities: readonly number[],
  labels: readonly BinaryLabel[],
  bins = 5,
): ReliabilityCurve {
  checkInputs(probabilities, labels);
  const binning = new ProbabilityBins(bins);
  const counts = new Float64Array(bins);
  const sums = new Float64Array(bins);
  const positives = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const k = binning.indexOf(p);
    counts[k]!++;
    sums[k]! += p;
    if (labels[i]) positives[k]!++;
  }
  return curveFromSums(binning, counts, sums, positives);
}

/** Expected calibration error over `bins` equal-width bins (sklearn's binning); 0 for no data. */
export function expectedCalibrationError(
  probabilities: readonly number[],
  labels: readonly BinaryLabel[],
  bins = 5,
): number {
  return eceOfCurve(reliabilityCurve(probabilities, labels, bins));
}

/**
 * The calibration label of one resolved prediction. For a multiclass model whose `probability`
 * is the confidence of the class it predicted, the label is `predicted === actual` (top-label
 * calibration, as torchmetrics' multiclass_calibration_error). For a binary model whose
 * probability is that of `positive`, the label is `actual === positive`.
 */
export function calibrationLabel(predicted: string, actual: string, positive?: string): 0 | 1 {
  if (positive !== undefined) return actual === positive ? 1 : 0;
  return predicted === actual ? 1 : 0;
}

function checkInputs(probabilities: readonly number[], labels: readonly BinaryLabel[]): void {
  if (probabilities.length !== labels.length) {
    throw new RangeError(`probabilities and labels differ in length (${probabilities.length} vs ${labels.length})`);
  }
  for (const p of probabilities) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probabilities must lie in [0, 1], got ${p}`);
  }
}
