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
  assert.deepEqual(Object.keys(r.rolling().classes), []);
  assert.throws(() => new RollingClassification(0), /windowSize/);
});

test('maxClasses: a pair that would bring a label past it is refused whole; the figures stay those of the pairs taken', () => {
  const r = new RollingClassification(4, 3);
  assert.equal(r.maxClasses, 3);
  const predicted: string[] = [];
  const actual: string[] = [];
  const feed = (p: string, a: string, taken: boolean) => {
    assert.equal(r.accepts(p, a), taken, `accepts(${p}, ${a})`);
    assert.equal(r.add(p, a), taken, `add(${p}, ${a})`);
    if (!taken) return;
    predicted.push(p);
    actual.push(a);
  };
  feed('a', 'b', true);
  feed('c', 'c', true);
  feed('a', 'd', false); // d would be a 4th label
  feed('d', 'a', false);
  feed('d', 'e', false);
  feed('b', 'a', true);
  for (let i = 0; i < 5; i++) feed(`x${i}`, 'a', false);
  feed('c', 'a', true);
  feed('a', 'a', true);
  assert.equal(r.classCount, 3);
  assert.equal(r.total, 5);
  assert.deepEqual(r.lifetime(), classificationReport(predicted, actual));
  assert.deepEqual(r.rolling(), classificationReport(predicted.slice(-4), actual.slice(-4)));
  // A label that left the window is still held (the lifetime figures need it): no room is freed.
  for (let i = 0; i < 4; i++) feed('a', 'a', true);
  assert.equal(r.accepts('z', 'z'), false);
  assert.throws(() => new RollingClassification(4, 0), /maxClasses/);
  assert.throws(() => new RollingClassification(4, 1.5), /maxClasses/);
  assert.equal(new RollingClassification().maxClasses, Infinity);
});

test('maxClasses: a saved state with more labels than this instance holds is loaded whole, and no new label is taken', () => {
  const a = new RollingClassification(10);
  for (const label of ['a', 'b', 'c', 'd']) a.add(label, label);
  const b = new RollingClassification(10, 2);
  b.loadState(JSON.parse(JSON.stringify(a.saveState())));
  assert.equal(b.classCount, 4);
  assert.deepEqual(b.lifetime(), a.lifetime());
  assert.equal(b.add('e', 'e'), false);
  assert.equal(b.add('a', 'd'), true);
});

test('labels named like Object.prototype members (__proto__, constructor) are classes like any other', () => {
  const r = new RollingClassification(10);
  r.add('up', '__proto__');
  r.add('__proto__', '__proto__');
  r.add('constructor', 'up');
  const report = r.rolling();
  assert.deepEqual(Object.keys(report.classes), ['__proto__', 'constructor', 'up']);
  assert.equal(Object.getPrototypeOf(report.classes), null);
  assert.deepEqual(report.classes['__proto__'], { precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
  assert.equal('toString' in report.classes, false);
  assert.deepEqual(report, classificationReport(['up', '__proto__', 'constructor'], ['__proto__', '__proto__', 'up']));
});
