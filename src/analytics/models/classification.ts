/**
 * Per-class precision, recall, F1 and support, accuracy, and macro and weighted averages, as
 * scikit-learn's `classification_report` computes them (default zero_division='warn', which
 * scores an undefined ratio as 0 in the averages).
 *
 * Conventions (one for the pure function and the streaming windows):
 * - Classes are the sorted union of the labels seen in `actual` and `predicted` (sklearn's
 *   `unique_labels`), or exactly `options.classes` when given (sklearn's `labels=`).
 * - A per-class ratio with a zero denominator is `undefined`, not 0 and not NaN: precision when the
 *   class was never predicted, recall when it never occurred. A dashboard can then tell "no data"
 *   from "always wrong". F1 is 2·tp / (2·tp + fp + fn) (sklearn >= 1.3), so it is 0, not undefined,
 *   for a class that occurred but was never predicted; it is undefined only for a listed class
 *   that appears nowhere.
 * - Macro and weighted averages count an undefined per-class value as 0 over every class, which is
 *   exactly the number sklearn prints; they are undefined only when there are no classes (macro) or
 *   no support (weighted).
 * - Accuracy is over every pair, listed classes or not; undefined for no pairs.
 */

/** Scores of one class. */
export interface ClassMetrics {
  readonly precision: number | undefined;
  readonly recall: number | undefined;
  readonly f1: number | undefined;
  /** Occurrences of the class in `actual`. */
  readonly support: number;
}

/** An average of per-class scores. */
export interface AveragedMetrics {
  readonly precision: number | undefined;
  readonly recall: number | undefined;
  readonly f1: number | undefined;
}

/** The result of `classificationReport`. */
export interface ClassificationReport {
  /** Number of (predicted, actual) pairs. */
  readonly count: number;
  readonly accuracy: number | undefined;
  readonly classes: Readonly<Record<string, ClassMetrics>>;
  /** Unweighted mean over classes (undefined per-class values count as 0, as in sklearn). */
  readonly macro: AveragedMetrics;
  /** Mean over classes weighted by support (undefined per-class values count as 0, as in sklearn). */
  readonly weighted: AveragedMetrics;
}

/** Options of `classificationReport`. */
export interface ClassificationReportOptions {
  /** Report exactly these classes, in this order (sklearn's `labels=`). Default: sorted union of both inputs. */
  readonly classes?: readonly string[];
}

/** Counts of one class: true positives, times predicted, times actual. */
export interface ClassCounts {
  readonly tp: number;
  readonly predicted: number;
  readonly actual: number;
}

/** Classification report of predicted vs actual labels (sklearn `classification_report` numbers). */
export function classificationReport(
  predicted: readonly string[],
  actual: readonly string[],
  options: ClassificationReportOptions = {},
): ClassificationReport {
  if (predicted.length !== actual.length) {
    throw new RangeError(`predicted and actual differ in length (${predicted.length} vs ${actual.length})`);
  }
  const counts = new Map<string, { tp: number; predicted: number; actual: number }>();
  const entry = (cls: string) => {
    let c = counts.get(cls);
    if (c === undefined) counts.set(cls, (c = { tp: 0, predicted: 0, actual: 0 }));
    return c;
  };
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const a = actual[i]!;
    entry(p).predicted++;
    entry(a).actual++;
    if (p === a) {
      entry(p).tp++;
      correct++;
    }
  }
  const classes = options.classes ?? [...counts.keys()].sort();
  return reportFromCounts(classes, (cls) => counts.get(cls), correct, predicted.length);
}

/** Builds the report from per-class counts; shared with the streaming window so both agree. */
export function reportFromCounts(
  classes: readonly string[],
  countsOf: (cls: string) => ClassCounts | undefined,
  correct: number,
  total: number,
): ClassificationReport {
  // No prototype: a class may be named `__proto__` or `constructor`.
  const out = Object.create(null) as Record<string, ClassMetrics>;
  let pSum = 0;
  let rSum = 0;
  let fSum = 0;
  let wp = 0;
  let wr = 0;
  let wf = 0;
  let supportSum = 0;
  for (const cls of classes) {
    const c = countsOf(cls);
    const tp = c?.tp ?? 0;
    const pred = c?.predicted ?? 0;
    const act = c?.actual ?? 0;
    const precision = pred === 0 ? undefined : tp / pred;
    const recall = act === 0 ? undefined : tp / act;
    const denominator = pred + act; // 2tp + fp + fn
    const f1 = denominator === 0 ? undefined : (2 * tp) / denominator;
    out[cls] = { precision, recall, f1, support: act };
    pSum += precision ?? 0;
    rSum += recall ?? 0;
    fSum += f1 ?? 0;
    wp += (precision ?? 0) * act;
    wr += (recall ?? 0) * act;
    wf += (f1 ?? 0) * act;
    supportSum += act;
  }
  const k = classes.length;
  return {
    count: total,
    accuracy: total === 0 ? undefined : correct / total,
    classes: out,
    macro: k === 0 ? EMPTY : { precision: pSum / k, recall: rSum / k, f1: fSum / k },
    weighted: supportSum === 0 ? EMPTY : { precision: wp / supportSum, recall: wr / supportSum, f1: wf / supportSum },
  };
}

const EMPTY: AveragedMetrics = Object.freeze({ precision: undefined, recall: undefined, f1: undefined });
