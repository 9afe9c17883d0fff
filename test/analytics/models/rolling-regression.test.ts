import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mae, rmse } from '../../../src/analytics/models/regression.ts';
import { RollingRegression } from '../../../src/analytics/models/rolling-regression.ts';
import { prng } from '../../helpers/random.ts';

const close = (a: number | undefined, b: number | undefined, what: string) => {
  assert.ok(
    a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
    `${what}: ${a} != ${b}`,
  );
};

test('property: rolling() and lifetime() equal rmse/mae of the last-N slice and of all pairs, to 1e-9', () => {
  for (const [seed, windowSize] of [
    [7, 120],
    [8, 1],
    [9, 333],
  ] as const) {
    const rnd = prng(seed);
    const r = new RollingRegression(windowSize);
    const p: number[] = [];
    const a: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const y = (rnd() - 0.5) * 1000;
      const yhat = y + (rnd() < 0.02 ? 1e6 : 1) * (rnd() - 0.5);
      r.add(yhat, y);
      p.push(yhat);
      a.push(y);
      if (i % 97 === 0 || i === 3999) {
        const from = Math.max(0, p.length - windowSize);
        const w = r.rolling();
        close(w.rmse, rmse(p.slice(from), a.slice(from)), `rmse at ${i}`);
        close(w.mae, mae(p.slice(from), a.slice(from)), `mae at ${i}`);
        const l = r.lifetime();
        close(l.rmse, rmse(p, a), `lifetime rmse at ${i}`);
        close(l.mae, mae(p, a), `lifetime mae at ${i}`);
      }
    }
  }
});

test('a huge error leaving the window leaves no residue (1e24 + 1 - 1e24 would be 0)', () => {
  const r = new RollingRegression(10);
  r.add(1e12, 0);
  for (let i = 0; i < 10; i++) r.add(1, 0);
  assert.equal(r.rolling().mae, 1);
  assert.equal(r.rolling().rmse, 1);
});

test('empty: count 0 and undefined scores; windowSize must be a positive integer', () => {
  const r = new RollingRegression();
  assert.deepEqual(r.rolling(), { count: 0, rmse: undefined, mae: undefined });
  assert.throws(() => new RollingRegression(-3), /windowSize/);
});
