import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EquityAnalytics,
  annualReturn,
  annualVolatility,
  calmarRatio,
  conditionalValueAtRisk,
  kurtosis,
  maxDrawdown,
  omegaRatio,
  returnsFromEquity,
  skewness,
  tailRatio,
  valueAtRisk,
  sharpeRatio,
  sortinoRatio,
} from '../../../src/analytics/trading/index.ts';
import type { EquitySummary } from '../../../src/analytics/trading/index.ts';
import { prng } from '../../helpers/random.ts';

interface Rates {
  readonly periodsPerYear: number;
  readonly riskFree: number;
  readonly requiredReturn: number;
}

/**
 * The pure functions over `returns`, as the streaming class publishes them; the quantiles (VaR,
 * CVaR, tail ratio) are published for the rolling window only. The Omega threshold is per period
 * (annualization 1): riskFree + requiredReturn.
 */
function expected(
  returns: number[],
  o: Rates,
  window: 'lifetime' | 'rolling' = 'rolling',
  cutoff = 0.05,
): EquitySummary {
  const f = (x: number) => (Number.isFinite(x) ? x : undefined);
  // The lifetime quantiles are exact too (fewer distinct returns than the 2048 kept in these series).
  const q = (x: number) => (window === 'rolling' || window === 'lifetime' ? f(x) : undefined);
  const ppy = { periodsPerYear: o.periodsPerYear };
  return {
    periods: returns.length,
    sharpe: f(sharpeRatio(returns, { ...ppy, riskFree: o.riskFree })),
    sortino: f(sortinoRatio(returns, { ...ppy, requiredReturn: o.requiredReturn })),
    calmar: f(calmarRatio(returns, ppy)),
    annualReturn: f(annualReturn(returns, ppy)),
    annualVolatility: f(annualVolatility(returns, ppy)),
    maxDrawdown: f(maxDrawdown(returns)),
    valueAtRisk: q(valueAtRisk(returns, cutoff)),
    conditionalValueAtRisk: q(conditionalValueAtRisk(returns, cutoff)),
    tailRatio: q(tailRatio(returns)),
    omega: f(omegaRatio(returns, { riskFree: o.riskFree, requiredReturn: o.requiredReturn, annualization: 1 })),
    skewness: f(skewness(returns)),
    kurtosis: f(kurtosis(returns)),
  };
}

const KEYS = [
  'sharpe',
  'sortino',
  'calmar',
  'annualReturn',
  'annualVolatility',
  'maxDrawdown',
  'valueAtRisk',
  'conditionalValueAtRisk',
  'tailRatio',
  'omega',
  'skewness',
  'kurtosis',
] as const;

/**
 * Equal to 1e-9 relative, with a 1e-12 absolute floor for values that are differences near 0;
 * the lifetime skewness and kurtosis come from one-pass central sums (the pure functions take two
 * passes), so they get an absolute floor of 1e-9: a skewness near 0 is a small difference of
 * large terms.
 */
function assertMatches(got: EquitySummary, want: EquitySummary, where: string): void {
  assert.equal(got.periods, want.periods, `${where} periods`);
  for (const key of KEYS) {
    const g = got[key];
    const w = want[key];
    if (w === undefined || g === undefined) {
      assert.equal(g, w, `${where} ${key}`);
      continue;
    }
    const floor = key === 'skewness' || key === 'kurtosis' ? 1e-9 : 1e-12;
    assert.ok(Math.abs(g - w) <= 1e-9 * Math.max(Math.abs(g), Math.abs(w)) + floor, `${where} ${key}: ${g} vs ${w}`);
  }
}

test('property: lifetime and rolling agree with the pure functions on the sampled returns (seeded, 400 series)', () => {
  const rand = prng(2024);
  const yearly = [252, 52, 12, 8760, 365.25];
  for (let s = 0; s < 400; s++) {
    const intervalMs = 1000 * (1 + Math.floor(rand() * 60));
    const rates: Rates = {
      periodsPerYear: yearly[s % yearly.length]!,
      riskFree: rand() < 0.5 ? 0 : rand() * 0.001,
      requiredReturn: rand() < 0.5 ? 0 : (rand() - 0.5) * 0.002,
    };
    const window = 1 + Math.floor(rand() * 40);
    const ea = new EquityAnalytics({ intervalMs, window, ...rates });
    const t0 = 1_700_000_000_000 + Math.floor(rand() * 1e9);
    const periods = Math.floor(rand() * 200);
    const closes: number[] = [];
    let equity = 1000 * (0.5 + rand());
    let flat = 0;
    for (let k = 0; k < periods; k++) {
      const gap = k > 0 && rand() < 0.15;
      if (!gap) {
        const updates = 1 + Math.floor(rand() * 3);
        const offsets = Array.from({ length: updates }, () => Math.floor(rand() * intervalMs)).sort((a, b) => a - b);
        if (k === 0) offsets[0] = 0; // periods are counted from the first update's time
        if (flat === 0 && rand() < 0.05) flat = Math.floor(rand() * 50);
        for (const offset of offsets) {
          if (flat > 0) flat--;
          else {
            const u = rand();
            // Zero, small, and occasionally large losses or gains.
            equity *= 1 + (u < 0.1 ? 0 : u < 0.15 ? -0.3 * rand() : u < 0.18 ? 0.5 * rand() : (rand() - 0.48) * 0.02);
          }
          assert.equal(ea.update(equity, t0 + k * intervalMs + offset), true);
        }
      }
      closes.push(equity);
      if (rand() < 0.3 || k === periods - 1) {
        ea.advance(t0 + (k + 1) * intervalMs);
        const returns = returnsFromEquity(closes);
        assertMatches(ea.lifetime(), expected(returns, rates, 'lifetime'), `series ${s} period ${k} lifetime`);
        assertMatches(ea.rolling(), expected(returns.slice(-window), rates), `series ${s} period ${k} rolling`);
      }
    }
  }
});

test('sampling: last value of a period is its close; empty periods repeat the close; advance closes periods without updates', () => {
  const ea = new EquityAnalytics({ intervalMs: 1000, periodsPerYear: 252, window: 10 });
  ea.update(100, 5000); // period 0 = [5000, 6000)
  ea.update(104, 5999); // close of period 0
  assert.equal(ea.lifetime().periods, 0);
  ea.update(110, 6500); // period 1 opens: period 0 closes as the base
  assert.equal(ea.lifetime().periods, 0, 'the first close is the base, no return yet');
  ea.update(115.5, 9100); // period 4: closes period 1 (110), then 2 and 3 repeat it
  assert.equal(ea.lifetime().periods, 3);
  ea.advance(10_000); // closes period 4 at 115.5
  assert.equal(ea.lifetime().periods, 4);
  const returns = [110 / 104 - 1, 0, 0, 115.5 / 110 - 1];
  assertMatches(
    ea.lifetime(),
    expected(returns, { periodsPerYear: 252, riskFree: 0, requiredReturn: 0 }, 'lifetime'),
    'lifetime',
  );
  ea.advance(10_500);
  assert.equal(ea.lifetime().periods, 4, 'advance within the current period closes nothing');
  ea.update(50, 1000);
  assert.equal(ea.lifetime().periods, 4, 'a time before the current period counts in it');
  ea.advance(11_000);
  assert.equal(ea.lifetime().periods, 5);
  assert.ok(Math.abs(ea.lifetime().maxDrawdown! - (1 - 50 / 115.5)) < 1e-12);
});

test('no data, one period, zero variance: undefined, never NaN or Infinity', () => {
  const ea = new EquityAnalytics({ intervalMs: 1000, periodsPerYear: 252 });
  const none = {
    periods: 0,
    sharpe: undefined,
    sortino: undefined,
    calmar: undefined,
    annualReturn: undefined,
    annualVolatility: undefined,
    maxDrawdown: undefined,
    valueAtRisk: undefined,
    conditionalValueAtRisk: undefined,
    tailRatio: undefined,
    omega: undefined,
    skewness: undefined,
    kurtosis: undefined,
  };
  assert.deepEqual(ea.lifetime(), none);
  assert.deepEqual(ea.rolling(), none);
  assert.equal(ea.maxDrawdown, undefined);

  ea.update(100, 0);
  ea.update(101, 1000);
  ea.advance(2000); // one return: 1%
  const one = ea.lifetime();
  assert.equal(one.periods, 1);
  assert.equal(one.sharpe, undefined, 'fewer than 2 periods');
  assert.equal(one.sortino, undefined);
  assert.equal(one.annualVolatility, undefined);
  assert.equal(one.maxDrawdown, 0);
  assert.equal(one.calmar, undefined, 'no drawdown');
  assert.ok(Math.abs(one.annualReturn! - (Math.pow(1.01, 252) - 1)) < 1e-9);

  ea.advance(50_000); // 48 more periods with no update: returns 0
  const flat = ea.rolling();
  assert.equal(flat.periods, 30);
  assert.equal(flat.annualVolatility, 0, 'a window of zeros has exactly zero variance');
  assert.equal(flat.sharpe, undefined, '0 / 0');
  assert.equal(flat.sortino, undefined, '0 / 0');
  assert.equal(flat.annualReturn, 0);
  assert.equal(flat.maxDrawdown, 0);
  assert.equal(flat.calmar, undefined);
  assert.equal(flat.valueAtRisk, 0);
  assert.equal(flat.conditionalValueAtRisk, 0);
  assert.equal(flat.tailRatio, undefined, '0 / 0');
  assert.equal(flat.omega, undefined, 'no return below the threshold: NaN in empyrical');
  assert.equal(flat.skewness, 0, 'pandas: 0 for a constant series');
  assert.equal(flat.kurtosis, 0, 'pandas: 0 for a constant series');
});

test('zero variance after volatile returns left the window: exactly 0, not a rounding residue', () => {
  const ea = new EquityAnalytics({ intervalMs: 1, periodsPerYear: 252, riskFree: 0.0001, window: 5 });
  const values = [100, 137, 91, 250, 3, 80];
  values.forEach((v, i) => ea.update(v, i));
  ea.advance(values.length + 7); // seven zero returns push the volatile ones out of the window of 5
  const r = ea.rolling();
  assert.equal(r.annualVolatility, 0);
  assert.equal(r.sharpe, undefined, '-riskFree / 0 = -Infinity is not published');
  assert.ok(ea.lifetime().sharpe !== undefined);
});

test('no losing period: Sortino is infinite in empyrical and not published', () => {
  const ea = new EquityAnalytics({ intervalMs: 10, periodsPerYear: 252 });
  [100, 101, 103, 103, 104].forEach((v, i) => ea.update(v, i * 10));
  ea.advance(50);
  assert.equal(sortinoRatio(returnsFromEquity([100, 101, 103, 103, 104])), Infinity);
  assert.equal(ea.lifetime().sortino, undefined);
  assert.equal(ea.lifetime().calmar, undefined, 'no drawdown');
  assert.ok(ea.lifetime().sharpe! > 0);
});

test('mark-to-market drawdown sees every update, the sampled one only closes', () => {
  const ea = new EquityAnalytics({ intervalMs: 1000, periodsPerYear: 252 });
  ea.update(100, 0);
  ea.update(60, 100); // intra-period dip, recovered before the close
  ea.update(100, 900);
  ea.update(100, 1500);
  ea.advance(2000);
  assert.equal(ea.maxDrawdown, 0.4);
  assert.equal(ea.maxDrawdownAbs, 40);
  assert.equal(ea.drawdown, 0);
  assert.equal(ea.peak, 100);
  assert.equal(ea.lifetime().maxDrawdown, 0);
});

test('non-positive equity: no return after a close <= 0; the next positive close is a new base', () => {
  const ea = new EquityAnalytics({ intervalMs: 1, periodsPerYear: 252 });
  [100, 50, 0, -10, 40, 44].forEach((v, i) => ea.update(v, i));
  ea.advance(6);
  // Returns: 50/100 - 1, 0/50 - 1 = -1 (a wipe-out), none after 0 or -10, then 44/40 - 1.
  const returns = [-0.5, -1, 44 / 40 - 1];
  assertMatches(
    ea.lifetime(),
    expected(returns, { periodsPerYear: 252, riskFree: 0, requiredReturn: 0 }, 'lifetime'),
    'lifetime',
  );
  assert.equal(ea.lifetime().annualReturn, -1, 'a -100% period compounds to -100%');
  assert.equal(ea.lifetime().maxDrawdown, 1);
  assert.equal(ea.maxDrawdown, 1.1, 'mark-to-market: -10 is 110% below the peak of 100');

  const negative = new EquityAnalytics({ intervalMs: 1, periodsPerYear: 252 });
  [-5, -3, -4].forEach((v, i) => negative.update(v, i));
  negative.advance(3);
  assert.equal(negative.drawdown, undefined, 'a non-positive peak has no fraction');
  assert.equal(negative.maxDrawdownAbs, 1);
  assert.equal(negative.lifetime().periods, 0, 'no return is defined after a non-positive close');
});

test('non-finite inputs are dropped; invalid options throw naming the key', () => {
  const ea = new EquityAnalytics({ intervalMs: 1000, periodsPerYear: 252 });
  assert.equal(ea.update(NaN, 0), false);
  assert.equal(ea.update(1, NaN), false);
  assert.equal(ea.peak, undefined);
  assert.throws(() => new EquityAnalytics({ intervalMs: 0, periodsPerYear: 252 }), /intervalMs/);
  assert.throws(() => new EquityAnalytics({ intervalMs: 1000, periodsPerYear: -1 }), /periodsPerYear/);
  assert.throws(() => new EquityAnalytics({ intervalMs: 1000, periodsPerYear: 252, window: 0 }), /window/);
  assert.throws(() => new EquityAnalytics({ intervalMs: 1000, periodsPerYear: 252, riskFree: NaN }), /riskFree/);
});
