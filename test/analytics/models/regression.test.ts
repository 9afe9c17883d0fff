import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mae, rmse } from '../../../src/analytics/models/regression.ts';

test('rmse and mae of a hand-checked example', () => {
  // errors -0.5, 0.5, 0, -1 (sklearn's mean_absolute_error / root_mean_squared_error docstring
  // inputs: y_true [3, -0.5, 2, 7], y_pred [2.5, 0.0, 2, 8] -> MAE 0.5, RMSE sqrt(0.375) = 0.612...).
  assert.equal(mae([2.5, 0, 2, 8], [3, -0.5, 2, 7]), 0.5);
  assert.equal(rmse([2.5, 0, 2, 8], [3, -0.5, 2, 7]), Math.sqrt(0.375));
  assert.equal(rmse([1, 2], [1, 2]), 0);
});

test('no pairs: undefined; mismatched lengths throw', () => {
  assert.equal(rmse([], []), undefined);
  assert.equal(mae([], []), undefined);
  assert.throws(() => rmse([1], []), /length/);
  assert.throws(() => mae([], [1]), /length/);
});
