import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistogramSeries } from '../../src/storage/histogram.ts';

test('bounds are inclusive upper bounds; values above the last go to the +Inf bucket', () => {
  const h = new HistogramSeries({}, [0.1, 0.5, 1]);
  for (const v of [0, 0.1, 0.10000001, 0.5, 0.7, 1, 1.5]) h.record(v);
  assert.deepEqual(h.counts, [2, 2, 2, 1]);
  assert.equal(h.count, 7);
  assert.equal(h.min, 0);
  assert.equal(h.max, 1.5);
  assert.ok(Math.abs(h.sum - 3.90000001) < 1e-12);
});

test('a histogram without bounds counts everything in one bucket', () => {
  const h = new HistogramSeries({}, []);
  h.record(5);
  h.record(-1);
  assert.deepEqual(h.counts, [2]);
});
