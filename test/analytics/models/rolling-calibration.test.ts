import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expectedCalibrationError,
  reliabilityCurve,
  type ReliabilityCurve,
} from '../../../src/analytics/models/calibration.ts';
import { RollingCalibration } from '../../../src/analytics/models/rolling-calibration.ts';
import { prng } from '../../helpers/random.ts';

function assertSameCurve(got: ReliabilityCurve, want: ReliabilityCurve, what: string): void {
  assert.equal(got.bins.length, want.bins.length, what);
  got.bins.forEach((b, i) => {
    const w = want.bins[i]!;
    assert.deepEqual([b.label, b.lower, b.upper, b.count], [w.label, w.lower, w.upper, w.count], what);
    assert.ok(Math.abs(b.meanConfidence - w.meanConfidence) <= 1e-9, `${what}: meanConfidence`);
    assert.equal(b.observedFrequency, w.observedFrequency, what);
  });
}

test('property: ece() and reliability() equal the pure functions on the last windowSize pairs, to 1e-9', () => {
  for (const [seed, windowSize, bins] of [
    [1, 500, 5],
    [2, 13, 10],
    [3, 1, 5],
    [4, 64, 3],
  ] as const) {
    const rnd = prng(seed);
    const r = new RollingCalibration(windowSize, bins);
    const probs: number[] = [];
    const labels: (0 | 1)[] = [];
    for (let i = 0; i < 3000; i++) {
      // Some probabilities sit exactly on bin edges and at 0 and 1; the model drifts from
      // over- to under-confident halfway through.
      const u = rnd();
      const p = u < 0.1 ? Math.round(rnd() * bins) / bins : u < 0.12 ? (u < 0.11 ? 0 : 1) : rnd();
      const y = rnd() < (i < 1500 ? p * 0.7 : Math.min(1, p * 1.3)) ? 1 : 0;
      assert.equal(r.add(p, y), true);
      probs.push(p);
      labels.push(y);
      if (i % 89 === 0 || i === 2999) {
        const from = Math.max(0, probs.length - windowSize);
        const what = `seed ${seed} step ${i}`;
        assert.ok(
          Math.abs(r.ece() - expectedCalibrationError(probs.slice(from), labels.slice(from), bins)) <= 1e-9,
          what,
        );
        assertSameCurve(r.reliability(), reliabilityCurve(probs.slice(from), labels.slice(from), bins), what);
        const life = r.lifetime();
        assert.equal(life.count, probs.length);
        assert.ok(Math.abs(life.ece - expectedCalibrationError(probs, labels, bins)) <= 1e-9, `${what} lifetime`);
        assertSameCurve(life.curve, reliabilityCurve(probs, labels, bins), `${what} lifetime`);
      }
    }
  }
});

test('rolling() bundles count, ece and curve; out-of-range probabilities are refused, not recorded', () => {
  const r = new RollingCalibration(3);
  assert.deepEqual(r.rolling(), { count: 0, ece: 0, curve: { bins: [] } });
  assert.equal(r.add(1.2, 1), false);
  assert.equal(r.add(Number.NaN, 1), false);
  assert.equal(r.total, 0);
  r.add(0.9, true);
  r.add(0.9, false);
  const s = r.rolling();
  assert.equal(s.count, 2);
  assert.ok(Math.abs(s.ece - 0.4) < 1e-12);
  assert.deepEqual(
    s.curve.bins.map((b) => b.label),
    ['0.9'],
  );
  assert.throws(() => new RollingCalibration(10, 0), /bins/);
  assert.throws(() => new RollingCalibration(0), /windowSize/);
});
