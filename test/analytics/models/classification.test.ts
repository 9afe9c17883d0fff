import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationReport } from '../../../src/analytics/models/classification.ts';

const close = (a: number | undefined, b: number, tol = 1e-12) => {
  assert.ok(a !== undefined && Math.abs(a - b) <= tol, `${a} != ${b}`);
};

test('matches the classification_report docstring example of scikit-learn', () => {
  // sklearn/metrics/_classification.py classification_report docstring:
  //   y_true = [0, 1, 2, 2, 2]; y_pred = [0, 0, 2, 2, 1]
  //   class 0: 0.50 1.00 0.67 (1); class 1: 0.00 0.00 0.00 (1); class 2: 1.00 0.67 0.80 (3)
  //   accuracy 0.60; macro avg 0.50 0.56 0.49; weighted avg 0.70 0.60 0.61
  const r = classificationReport(['0', '0', '2', '2', '1'], ['0', '1', '2', '2', '2']);
  assert.deepEqual(Object.keys(r.classes), ['0', '1', '2']);
  const c = r.classes;
  close(c['0']!.precision, 0.5);
  close(c['0']!.recall, 1);
  close(c['0']!.f1, 2 / 3);
  assert.equal(c['0']!.support, 1);
  assert.deepEqual(c['1'], { precision: 0, recall: 0, f1: 0, support: 1 });
  close(c['2']!.precision, 1);
  close(c['2']!.recall, 2 / 3);
  close(c['2']!.f1, 0.8);
  close(r.accuracy, 0.6);
  close(r.macro.precision, 0.5);
  close(r.macro.recall, (1 + 0 + 2 / 3) / 3);
  close(r.macro.f1, (2 / 3 + 0 + 0.8) / 3);
  assert.equal(r.macro.recall!.toFixed(2), '0.56');
  assert.equal(r.macro.f1!.toFixed(2), '0.49');
  close(r.weighted.precision, 0.7);
  close(r.weighted.recall, 0.6);
  assert.equal(r.weighted.f1!.toFixed(2), '0.61');
  assert.equal(r.count, 5);
});

test('a class never predicted: precision undefined, recall and F1 0; sklearn averages count it as 0', () => {
  // Confusion matrix (rows actual a, b; columns predicted a, b): [[2, 0], [1, 0]].
  // a: tp 2, predicted 3, actual 2 -> precision 2/3, recall 1, f1 4/5.
  // b: tp 0, predicted 0, actual 1 -> precision 0/0, recall 0, f1 0/1 = 0.
  const r = classificationReport(['a', 'a', 'a'], ['a', 'a', 'b']);
  close(r.classes['a']!.precision, 2 / 3);
  close(r.classes['a']!.f1, 0.8);
  assert.deepEqual(r.classes['b'], { precision: undefined, recall: 0, f1: 0, support: 1 });
  close(r.macro.precision, (2 / 3 + 0) / 2, 1e-15);
  close(r.macro.recall, 0.5);
  close(r.macro.f1, 0.4);
  close(r.weighted.precision, (2 / 3) * (2 / 3));
  close(r.weighted.recall, 2 / 3);
  close(r.weighted.f1, (0.8 * 2) / 3);
  close(r.accuracy, 2 / 3);
});

test('a class only predicted: recall undefined, precision and F1 0, support 0', () => {
  // actual [a, b], predicted [a, c]: classes a, b, c (sorted union).
  const r = classificationReport(['a', 'c'], ['a', 'b']);
  assert.deepEqual(Object.keys(r.classes), ['a', 'b', 'c']);
  assert.deepEqual(r.classes['a'], { precision: 1, recall: 1, f1: 1, support: 1 });
  assert.deepEqual(r.classes['b'], { precision: undefined, recall: 0, f1: 0, support: 1 });
  assert.deepEqual(r.classes['c'], { precision: 0, recall: undefined, f1: 0, support: 0 });
  close(r.macro.precision, 1 / 3);
  close(r.macro.recall, 1 / 3);
  close(r.macro.f1, 1 / 3);
  close(r.weighted.precision, 0.5);
  close(r.weighted.recall, 0.5);
  close(r.accuracy, 0.5);
});

test('all correct: every score is 1', () => {
  const labels = ['buy', 'sell', 'hold', 'buy', 'buy'];
  const r = classificationReport(labels, labels);
  for (const cls of ['buy', 'hold', 'sell']) {
    const c = r.classes[cls]!;
    assert.deepEqual([c.precision, c.recall, c.f1], [1, 1, 1]);
  }
  assert.deepEqual(r.macro, { precision: 1, recall: 1, f1: 1 });
  assert.deepEqual(r.weighted, { precision: 1, recall: 1, f1: 1 });
  assert.equal(r.accuracy, 1);
  assert.equal(r.classes['buy']!.support, 3);
});

test('classes option: exactly those classes in that order; an absent one has every ratio undefined', () => {
  const r = classificationReport(['up', 'down'], ['up', 'up'], { classes: ['up', 'flat'] });
  assert.deepEqual(Object.keys(r.classes), ['up', 'flat']);
  assert.deepEqual(r.classes['flat'], { precision: undefined, recall: undefined, f1: undefined, support: 0 });
  assert.deepEqual(r.classes['up'], { precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
  close(r.macro.recall, 0.25);
  close(r.accuracy, 0.5, 0);
});

test('empty input: accuracy and averages undefined, no classes; mismatched lengths throw', () => {
  const r = classificationReport([], []);
  assert.equal(r.accuracy, undefined);
  assert.deepEqual(Object.keys(r.classes), []);
  assert.deepEqual(r.macro, { precision: undefined, recall: undefined, f1: undefined });
  assert.deepEqual(r.weighted, { precision: undefined, recall: undefined, f1: undefined });
  assert.throws(() => classificationReport(['a'], []), /length/);
});
