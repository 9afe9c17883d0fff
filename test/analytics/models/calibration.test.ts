import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  binLabels,
  calibrationLabel,
  expectedCalibrationError,
  ProbabilityBins,
  reliabilityCurve,
} from '../../../src/analytics/models/calibration.ts';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('matches the calibration_curve docstring example of scikit-learn (n_bins=3)', () => {
  // sklearn/calibration.py calibration_curve docstring:
  //   y_true = [0, 0, 0, 0, 1, 1, 1, 1, 1]; y_pred = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.]
  //   prob_true -> [0. , 0.5, 1. ]; prob_pred -> [0.2  , 0.525, 0.85 ]
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 1] as const;
  const probs = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0];
  const { bins } = reliabilityCurve(probs, [...labels], 3);
  assert.deepEqual(
    bins.map((b) => b.observedFrequency),
    [0, 0.5, 1],
  );
  close(bins[0]!.meanConfidence, 0.2);
  close(bins[1]!.meanConfidence, 0.525);
  close(bins[2]!.meanConfidence, 0.85);
  assert.deepEqual(
    bins.map((b) => b.count),
    [3, 2, 4],
  );
  // ECE by hand from those numbers: 3/9 * 0.2 + 2/9 * 0.025 + 4/9 * 0.15.
  close(expectedCalibrationError(probs, [...labels], 3), (3 / 9) * 0.2 + (2 / 9) * 0.025 + (4 / 9) * 0.15);
});

test('matches the binary_calibration_error docstring example of torchmetrics (n_bins=2)', () => {
  // torchmetrics binary_calibration_error docstring: preds [0.25, 0.25, 0.55, 0.75, 0.75], target [0, 0, 1, 1, 1]
  //   norm='l1' -> 0.2900, norm='l2' -> 0.2918, norm='max' -> 0.3167.
  // torchmetrics bins with torch.bucketize (right=True, [a, b) in older releases; right=False, (a, b]
  // in newer ones); no value lies on the 0.5 edge here, so every convention, sklearn's included, agrees.
  const preds = [0.25, 0.25, 0.55, 0.75, 0.75];
  const target = [0, 0, 1, 1, 1] as const;
  close(expectedCalibrationError(preds, [...target], 2), 0.29);
  const { bins } = reliabilityCurve(preds, [...target], 2);
  const gaps = bins.map((b) => Math.abs(b.observedFrequency - b.meanConfidence));
  assert.equal(Math.max(...gaps).toFixed(4), '0.3167');
  const l2 = Math.sqrt(bins.reduce((s, b, i) => s + (b.count / 5) * gaps[i]! ** 2, 0));
  assert.equal(l2.toFixed(4), '0.2918');
});

test('agrees with torchmetrics test_binary_with_zero_pred (0 and 1 at the ends of the range)', () => {
  // torchmetrics tests/unittests/classification/test_calibration_error.py: preds [1, 1, 1, 1, 0],
  // target [0, 0, 1, 1, 1], n_bins=2 -> 0.6.
  close(expectedCalibrationError([1, 1, 1, 1, 0], [0, 0, 1, 1, 1], 2), 0.6);
});

test('edges follow sklearn: right-closed bins, edge i = i * (1/n) as np.linspace computes it', () => {
  // np.searchsorted(bins[1:-1], p) with side='left' (sklearn/calibration.py) is Python's
  // bisect_left over [0.2, 0.4, 0.6000000000000001, 0.8]; checked with python3:
  //   0 -> 0, 0.2 -> 0, 0.2000001 -> 1, 0.4 -> 1, 0.6 -> 2, 0.8 -> 3, 1.0 -> 4.
  const b = new ProbabilityBins(5);
  assert.deepEqual(Array.from(b.edges), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
  const cases: [number, number][] = [
    [0, 0],
    [0.2, 0],
    [0.2000001, 1],
    [0.39999, 1],
    [0.4, 1],
    [0.6, 2],
    [0.8, 3],
    [0.80001, 4],
    [1, 4],
  ];
  for (const [p, k] of cases) assert.equal(b.indexOf(p), k, `p=${p}`);
  const curve = reliabilityCurve([0.2, 0.6], [1, 0]);
  assert.deepEqual(
    curve.bins.map((x) => x.label),
    ['0.1', '0.5'],
  );
});

test('indexOf agrees with a linear scan of the stored edges for many bin counts and probabilities', () => {
  for (const n of [1, 2, 3, 5, 7, 10, 15, 20, 100]) {
    const b = new ProbabilityBins(n);
    const inner = Array.from(b.edges).slice(1, -1);
    const probes = [0, 1, ...Array.from(b.edges), ...Array.from({ length: 1001 }, (_, i) => i / 1000)];
    for (const p of probes) assert.equal(b.indexOf(p), inner.filter((e) => e < p).length, `n=${n} p=${p}`);
  }
});

test('labels are the bin centres: 0.1 … 0.9 for 5 bins; fewest decimals otherwise', () => {
  assert.deepEqual(binLabels(5), ['0.1', '0.3', '0.5', '0.7', '0.9']);
  assert.deepEqual(binLabels(10), ['0.05', '0.15', '0.25', '0.35', '0.45', '0.55', '0.65', '0.75', '0.85', '0.95']);
  assert.deepEqual(binLabels(2), ['0.25', '0.75']);
  assert.deepEqual(binLabels(3), ['0.2', '0.5', '0.8']);
  assert.equal(binLabels(20)[0], '0.025');
  assert.deepEqual(binLabels(1), ['0.5']);
});

test('only non-empty bins are returned, with their bounds; booleans count as labels', () => {
  const curve = reliabilityCurve([0.05, 0.07, 0.95], [false, true, true]);
  assert.deepEqual(curve.bins, [
    { label: '0.1', lower: 0, upper: 0.2, count: 2, meanConfidence: (0.05 + 0.07) / 2, observedFrequency: 0.5 },
    { label: '0.9', lower: 0.8, upper: 1, count: 1, meanConfidence: 0.95, observedFrequency: 1 },
  ]);
});

test('empty input: no bins and ECE 0; mismatched or out-of-range input throws', () => {
  assert.deepEqual(reliabilityCurve([], []).bins, []);
  assert.equal(expectedCalibrationError([], []), 0);
  assert.throws(() => expectedCalibrationError([0.5], []), /length/);
  assert.throws(() => expectedCalibrationError([1.5], [1]), /\[0, 1\]/);
  assert.throws(() => expectedCalibrationError([Number.NaN], [1]), /\[0, 1\]/);
  assert.throws(() => reliabilityCurve([0.5], [1], 0), /bins/);
});

test('calibrationLabel: top-label correctness for multiclass, positive class for binary', () => {
  assert.equal(calibrationLabel('buy', 'buy'), 1);
  assert.equal(calibrationLabel('buy', 'sell'), 0);
  assert.equal(calibrationLabel('up', 'down', 'up'), 0);
  assert.equal(calibrationLabel('down', 'up', 'up'), 1, 'binary: the label is the outcome, whatever was predicted');
});
