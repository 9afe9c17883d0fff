import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationReport } from '../../../src/analytics/models/classification.ts';
import { RollingClassification } from '../../../src/analytics/models/rolling-classification.ts';
import { prng } from '../../helpers/random.ts';

// mulberry32: a tiny seeded PRNG so the property runs are reproducible.
test('rolling() equals classificationReport of the last windowSize pairs; lifetime() of all pairs', () => {
  for (const [seed, windowSize, nClasses] of [
    [1, 50, 3],
    [2, 7, 5],
    [3, 1, 2],
    [4, 200, 8],
  ] as const) {
    const rnd = prng(seed);
    const classes = Array.from({ length: nClasses }, (_, i) => `c${i}`);
    const r = new RollingClassification(windowSize);
    const predicted: string[] = [];
    const actual: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const a = classes[Math.floor(rnd() * nClasses)]!;
      // About 60% correct, and the class mix drifts, so classes leave and re-enter the window.
      const p = rnd() < 0.6 ? a : classes[Math.floor(rnd() * rnd() * nClasses)]!;
      r.add(p, a);
      predicted.push(p);
      actual.push(a);
      if (i % 37 === 0 || i > 1190) {
        const from = Math.max(0, predicted.length - windowSize);
        assert.deepEqual(
          r.rolling(),
          classificationReport(predicted.slice(from), actual.slice(from)),
          `seed ${seed} step ${i}`,
        );
        assert.deepEqual(r.lifetime(), classificationReport(predicted, actual));
      }
    }
    assert.equal(r.size, Math.min(windowSize, 1200));
    assert.equal(r.total, 1200);
  }
});

test('a class that left the window is not reported by rolling(), but is by lifetime()', () => {
  const r = new RollingClassification(2);
  r.add('rare', 'rare');
  r.add('a', 'a');
  r.add('a', 'b');
  assert.deepEqual(Object.keys(r.rolling().classes), ['a', 'b']);
  assert.deepEqual(r.rolling().classes['b'], { precision: undefined, recall: 0, f1: 0, support: 1 });
  assert.deepEqual(Object.keys(r.lifetime().classes), ['a', 'b', 'rare']);
  assert.deepEqual(Object.keys(r.rolling(['a', 'rare']).classes), ['a', 'rare']);
});

test('empty window: accuracy undefined, no classes; windowSize must be a positive integer', () => {
  const r = new RollingClassification();
  assert.equal(r.windowSize, 500);
  assert.equal(r.rolling().accuracy, undefined);
  assert.deepEqual(r.rolling().classes, {});
  assert.throws(() => new RollingClassification(0), /windowSize/);
});
