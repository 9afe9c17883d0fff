import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrawdownTracker, maxDrawdown, returnsFromEquity } from '../../../src/analytics/trading/index.ts';

test('DrawdownTracker follows peak, current and max drawdown', () => {
  const t = new DrawdownTracker();
  assert.equal(t.peak, undefined);
  assert.equal(t.drawdown, undefined);
  assert.equal(t.maxDrawdown, undefined);
  assert.equal(t.maxDrawdownAbs, undefined);
  t.update(100);
  assert.equal(t.drawdown, 0);
  assert.equal(t.maxDrawdown, 0);
  t.update(120);
  t.update(90); // 30 below 120 = 25%
  assert.equal(t.peak, 120);
  assert.equal(t.drawdown, 0.25);
  assert.equal(t.drawdownAbs, 30);
  t.update(200);
  assert.equal(t.drawdown, 0, '0 at a new peak');
  t.update(160); // 40 below 200 = 20%: larger in currency, smaller as a fraction
  assert.equal(t.maxDrawdown, 0.25);
  assert.equal(t.maxDrawdownAbs, 40);
  assert.equal(t.update(NaN), false);
  assert.equal(t.count, 5);
});

test('DrawdownTracker agrees with maxDrawdown of the returns of the same equity curve', () => {
  const equity = [100, 110, 99, 105, 120, 84, 90, 130, 127];
  const t = new DrawdownTracker();
  for (const v of equity) t.update(v);
  // (110 - 99) / 110 = 0.1, (120 - 84) / 120 = 0.3
  assert.ok(Math.abs(t.maxDrawdown! - 0.3) < 1e-15);
  assert.ok(Math.abs(t.maxDrawdown! - maxDrawdown(returnsFromEquity(equity))) < 1e-12);
});

test('DrawdownTracker with a non-positive peak: fraction undefined, currency tracked', () => {
  const t = new DrawdownTracker();
  t.update(-50);
  t.update(-80);
  assert.equal(t.peak, -50);
  assert.equal(t.drawdown, undefined);
  assert.equal(t.maxDrawdown, undefined);
  assert.equal(t.maxDrawdownAbs, 30);
  t.update(0);
  assert.equal(t.drawdown, undefined, 'a peak of 0 has no fraction either');
  t.update(100);
  t.update(-20); // 120 below a peak of 100: a fraction above 1
  assert.equal(t.drawdown, 1.2);
  assert.equal(t.maxDrawdown, 1.2);
  assert.equal(t.maxDrawdownAbs, 120);
});
