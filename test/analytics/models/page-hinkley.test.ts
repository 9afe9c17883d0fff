import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PageHinkley } from '../../../src/analytics/models/page-hinkley.ts';

interface RiverFixture {
  readonly stream: readonly number[];
  readonly expected: Readonly<Record<string, { readonly indices: readonly number[] }>>;
}

function detections(detector: PageHinkley, stream: readonly number[]): number[] {
  const out: number[] = [];
  stream.forEach((x, i) => {
    if (detector.update(x)) out.push(i);
  });
  return out;
}

test('detects at index 1006 (input 5) on the stream of the river PageHinkley docstring', () => {
  // river/drift/page_hinkley.py docstring (mode version): "Change detected at index 1006, input value: 5".
  const f = JSON.parse(
    readFileSync(new URL('../../fixtures/river/docstring-stream.json', import.meta.url), 'utf8'),
  ) as RiverFixture;
  assert.deepEqual(detections(new PageHinkley(), f.stream), [1006]);
  assert.deepEqual(f.expected['pageHinkley']!.indices, [1006]);
  assert.equal(f.stream[1006], 5);
});

test('hand-computed sums: delta 0, alpha 1, threshold 1, minInstances 1 on 0, 0, 1, 1', () => {
  // x=0,0: mean 0, both sums 0, min(inc)=0, max(dec)=max(-1, 0)=0.
  // x=1 (n=3): mean 1/3, dev 2/3: increase = 2/3 - 0, decrease = 2/3 - 2/3 = 0 -> score 2/3, no drift.
  // x=1 (n=4): mean 1/2, dev 1/2: sumIncrease = 2/3 + 1/2 = 7/6 > 1 -> drift.
  const ph = new PageHinkley({ delta: 0, alpha: 1, threshold: 1, minInstances: 1 });
  assert.equal(ph.update(0), false);
  assert.equal(ph.update(0), false);
  assert.equal(ph.update(1), false);
  assert.ok(Math.abs(ph.score - 2 / 3) < 1e-15);
  assert.equal(ph.update(1), true);
  assert.ok(Math.abs(ph.score - 7 / 6) < 1e-15);
  assert.equal(ph.nDetections, 1);
  ph.update(1);
  assert.equal(ph.width, 1, 'the update after a detection starts over');
  assert.equal(ph.driftDetected, false);
});

test('mode: a drop is seen by down and both, never by up; a rise by up and both, never by down', () => {
  const drop = [...Array<number>(200).fill(5), ...Array<number>(200).fill(0)];
  const rise = [...Array<number>(200).fill(0), ...Array<number>(200).fill(5)];
  const run = (mode: 'up' | 'down' | 'both', s: number[]) => detections(new PageHinkley({ mode, threshold: 20 }), s);
  const downDrop = run('down', drop);
  assert.ok(downDrop.length > 0 && downDrop[0]! >= 200);
  assert.deepEqual(run('both', drop), downDrop);
  assert.deepEqual(run('up', drop), []);
  const upRise = run('up', rise);
  assert.ok(upRise.length > 0 && upRise[0]! >= 200);
  assert.deepEqual(run('both', rise), upRise);
  assert.deepEqual(run('down', rise), []);
});

test('no detection and score 0 before minInstances values, however large the jump', () => {
  const ph = new PageHinkley({ minInstances: 30, threshold: 1 });
  for (let i = 0; i < 29; i++) {
    assert.equal(ph.update(i < 5 ? 0 : 1000), false);
    assert.equal(ph.score, 0);
  }
  assert.equal(ph.update(1000), true, 'armed at the 30th value');
});

test('score is above 1 exactly when a drift is detected', () => {
  const f = JSON.parse(
    readFileSync(new URL('../../fixtures/river/adwin-multiple-drifts.json', import.meta.url), 'utf8'),
  ) as RiverFixture;
  const ph = new PageHinkley();
  for (const x of f.stream) {
    const drift = ph.update(x);
    assert.equal(drift, ph.score > 1);
  }
});

test('invalid options fail at construction with the name of the option', () => {
  assert.throws(() => new PageHinkley({ threshold: 0 }), /threshold/);
  assert.throws(() => new PageHinkley({ alpha: 1.5 }), /alpha/);
  assert.throws(() => new PageHinkley({ minInstances: 0 }), /minInstances/);
  assert.throws(() => new PageHinkley({ mode: 'sideways' as 'up' }), /mode/);
});
