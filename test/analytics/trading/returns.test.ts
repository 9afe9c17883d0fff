/**
 * The pure return statistics against empyrical's regression values. Every expected number is
 * copied from quantopian/empyrical `empyrical/tests/test_stats.py` (master, commit 40f61b4), class
 * `TestStats`; each test names the parameterized case and its arguments. empyrical compares to 8
 * decimal places (`DECIMAL_PLACES = 8`, numpy `assert_almost_equal`), and so do we. Cases whose
 * risk-free or required return is a whole series (e.g. `(mixed_returns, simple_benchmark)`) are
 * left out: our functions take a scalar per-period rate.
 * https://github.com/quantopian/empyrical/blob/master/empyrical/tests/test_stats.py
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  annualReturn,
  annualVolatility,
  calmarRatio,
  downsideRisk,
  maxDrawdown,
  returnsFromEquity,
  sharpeRatio,
  sortinoRatio,
} from '../../../src/analytics/trading/index.ts';

// Input series of `TestStats` (class attributes). The `/ 100` is kept so every value rounds as
// numpy's `np.array([...]) / 100` does.
const pct = (xs: readonly number[]): number[] => xs.map((x) => x / 100);

/** `simple_benchmark`: no drawdown. */
const simpleBenchmark = pct([0, 1, 0, 1, 0, 1, 0, 1, 0]);
/** `positive_returns`: all positive, small variance. */
const positiveReturns = pct([1, 2, 1, 1, 1, 1, 1, 1, 1]);
/** `negative_returns`. */
const negativeReturns = pct([0, -6, -7, -1, -9, -2, -6, -8, -5]);
/** `all_negative_returns`. */
const allNegativeReturns = pct([-2, -6, -7, -1, -9, -2, -6, -8, -5]);
/** `mixed_returns`: a leading NaN, gains, then a drawdown. */
const mixedReturns = pct([NaN, 1, 10, -4, 2, 3, 2, 1, -10]);
/** `flat_line_1`. */
const flatLine1 = pct([1, 1, 1, 1, 1, 1, 1, 1, 1]);
/** `weekly_returns` and `monthly_returns` (same values, different index frequency). */
const weeklyReturns = pct([0, 1, 10, -4, 2, 3, 2, 1, -10]);
/** `one_return`. */
const oneReturn = pct([1]);
/** `empty_returns`. */
const emptyReturns: number[] = [];
/** `flat_line_1_tz`: np.linspace(0.01, 0.01, num=1000), every value exactly 0.01. */
const flatLine1Tz: number[] = new Array<number>(1000).fill(0.01);
/** Column `one` of `df_simple` / `df_week` / `df_month`. */
const dfOne = [-0.00171614, 0.01322056, 0.03063862, -0.01422057, -0.00489779, 0.01268925, -0.03357711, 0.01797036];
/** Column `two` of the same frames. */
const dfTwo = [0.01846232, 0.00793951, -0.01448395, 0.00422537, -0.00339611, 0.03756813, 0.0151531, 0.03549769];

/** empyrical's `DAILY`, `WEEKLY`, `MONTHLY` annualisation factors (`ANNUALIZATION_FACTORS`). */
const DAILY = 252;
const WEEKLY = 52;
const MONTHLY = 12;

/**
 * numpy's `assert_almost_equal(actual, desired, decimal)`: |desired - actual| < 1.5 * 10^-decimal,
 * NaN equals NaN and infinities must match exactly. empyrical's tests use decimal = 8.
 */
function assertAlmostEqual(actual: number, desired: number, decimal = 8, message?: string): void {
  if (Number.isNaN(desired) || !Number.isFinite(desired)) {
    assert.ok(
      Object.is(actual, desired) || (Number.isNaN(actual) && Number.isNaN(desired)),
      `${message ?? ''}: expected ${desired}, got ${actual}`,
    );
    return;
  }
  assert.ok(Math.abs(desired - actual) < 1.5 * 10 ** -decimal, `${message ?? ''}: expected ${desired}, got ${actual}`);
}

test('sharpeRatio: test_sharpe_ratio regression cases', () => {
  // (returns, risk_free, expected)
  const cases: [string, number[], number, number][] = [
    ['empty_returns', emptyReturns, 0, NaN],
    ['one_return', oneReturn, 0, NaN],
    ['mixed_returns', mixedReturns, 0, 1.7238613961706866],
    ['positive_returns', positiveReturns, 0, 52.915026221291804],
    ['negative_returns', negativeReturns, 0, -24.406808633910085],
    ['flat_line_1', flatLine1, 0, Infinity],
  ];
  for (const [name, returns, riskFree, expected] of cases) {
    assertAlmostEqual(sharpeRatio(returns, { riskFree }), expected, 8, `test_sharpe_ratio(${name}, ${riskFree})`);
  }
});

test('sortinoRatio: test_sortino regression cases', () => {
  // (returns, required_return, period, expected). `flat_line_1` as required return is the
  // constant 0.01 on the same index, i.e. the scalar 0.01.
  const cases: [string, number[], number, number, number][] = [
    ['empty_returns', emptyReturns, 0, DAILY, NaN],
    ['one_return', oneReturn, 0, DAILY, NaN],
    ['mixed_returns', mixedReturns, 0, DAILY, 2.605531251673693],
    ['mixed_returns, flat_line_1', mixedReturns, 0.01, DAILY, -1.3934779588919977],
    ['positive_returns', positiveReturns, 0, DAILY, Infinity],
    ['negative_returns', negativeReturns, 0, DAILY, -13.532743075043401],
    ['simple_benchmark', simpleBenchmark, 0, DAILY, Infinity],
    ['weekly_returns', weeklyReturns, 0, WEEKLY, 1.1158901056866439],
    ['monthly_returns', weeklyReturns, 0, MONTHLY, 0.53605626741889756],
    ['df_simple.one', dfOne, 0, DAILY, 3.0639640966566306],
    ['df_simple.two', dfTwo, 0, DAILY, 38.090963117002495],
    ['df_week.one', dfOne, 0, WEEKLY, 1.3918264112070571],
    ['df_week.two', dfTwo, 0, WEEKLY, 17.303077589064618],
    ['df_month.one', dfOne, 0, MONTHLY, 0.6686117809312383],
    ['df_month.two', dfTwo, 0, MONTHLY, 8.3121296084492844],
  ];
  for (const [name, returns, requiredReturn, periodsPerYear, expected] of cases) {
    assertAlmostEqual(
      sortinoRatio(returns, { requiredReturn, periodsPerYear }),
      expected,
      8,
      `test_sortino(${name}, ${requiredReturn}, ${periodsPerYear})`,
    );
  }
});

test('downsideRisk: test_downside_risk regression cases', () => {
  // (returns, required_return, period, expected)
  const cases: [string, number[], number, number, number][] = [
    ['empty_returns', emptyReturns, 0, DAILY, NaN],
    ['one_return', oneReturn, 0, DAILY, 0],
    ['mixed_returns', mixedReturns, 0, DAILY, 0.60448325038829653],
    ['mixed_returns', mixedReturns, 0.1, DAILY, 1.7161730681956295],
    ['weekly_returns', weeklyReturns, 0, WEEKLY, 0.25888650451930134],
    ['weekly_returns', weeklyReturns, 0.1, WEEKLY, 0.7733045971672482],
    ['monthly_returns', weeklyReturns, 0, MONTHLY, 0.1243650540411842],
    ['monthly_returns', weeklyReturns, 0.1, MONTHLY, 0.37148351242013422],
    ['df_simple.one', dfOne, 0, DAILY, 0.20671788246185202],
    ['df_simple.two', dfTwo, 0, DAILY, 0.083495680595704475],
    ['df_week.one', dfOne, 0, WEEKLY, 0.093902996054410062],
    ['df_week.two', dfTwo, 0, WEEKLY, 0.037928477556776516],
    ['df_month.one', dfOne, 0, MONTHLY, 0.045109540184877193],
    ['df_month.two', dfTwo, 0, MONTHLY, 0.018220251263412916],
  ];
  for (const [name, returns, requiredReturn, periodsPerYear, expected] of cases) {
    assertAlmostEqual(
      downsideRisk(returns, { requiredReturn, periodsPerYear }),
      expected,
      8,
      `test_downside_risk(${name}, ${requiredReturn}, ${periodsPerYear})`,
    );
  }
});

test('maxDrawdown: test_max_drawdown regression cases, sign flipped (we return a positive fraction)', () => {
  // (returns, expected). The two `cum_returns_final(...)` expectations are prod(1 + r) - 1,
  // evaluated with python3 (stdlib floats, same IEEE arithmetic as numpy's nanprod here).
  const cases: [string, number[], number][] = [
    ['empty_returns', emptyReturns, NaN],
    ['one_return', oneReturn, 0.0],
    ['simple_benchmark', simpleBenchmark, 0.0],
    ['mixed_returns', mixedReturns, -0.1],
    ['positive_returns', positiveReturns, -0.0],
    ['negative_returns', negativeReturns, -0.365907303498736],
    ['all_negative_returns', allNegativeReturns, -0.37858915742876154],
    ['[10, -10, 10] / 100', pct([10, -10, 10]), -0.1],
  ];
  for (const [name, returns, expected] of cases) {
    assertAlmostEqual(maxDrawdown(returns), -expected, 8, `test_max_drawdown(${name})`);
  }
});

test('annualReturn: test_annual_ret regression cases', () => {
  // (returns, period, expected). mixed_returns' leading NaN still counts as a period in the
  // number of years, as in empyrical (len(returns) / ann_factor).
  assertAlmostEqual(
    annualReturn(mixedReturns, { periodsPerYear: DAILY }),
    1.9135925373194231,
    8,
    'test_annual_ret(mixed_returns, DAILY)',
  );
  assertAlmostEqual(
    annualReturn(weeklyReturns, { periodsPerYear: WEEKLY }),
    0.24690830513998208,
    8,
    'test_annual_ret(weekly_returns, WEEKLY)',
  );
  assertAlmostEqual(
    annualReturn(weeklyReturns, { periodsPerYear: MONTHLY }),
    0.052242061386048144,
    8,
    'test_annual_ret(monthly_returns, MONTHLY)',
  );
  assert.ok(Number.isNaN(annualReturn(emptyReturns)), 'empty: empyrical returns np.nan for len(returns) < 1');
});

test('annualVolatility: test_annual_volatility regression cases', () => {
  // (returns, period, expected)
  assertAlmostEqual(
    annualVolatility(flatLine1Tz, { periodsPerYear: DAILY }),
    0.0,
    8,
    'test_annual_volatility(flat_line_1_tz, DAILY)',
  );
  assertAlmostEqual(
    annualVolatility(mixedReturns, { periodsPerYear: DAILY }),
    0.9136465399704637,
    8,
    'test_annual_volatility(mixed_returns, DAILY)',
  );
  assertAlmostEqual(
    annualVolatility(weeklyReturns, { periodsPerYear: WEEKLY }),
    0.38851569394870583,
    8,
    'test_annual_volatility(weekly_returns, WEEKLY)',
  );
  assertAlmostEqual(
    annualVolatility(weeklyReturns, { periodsPerYear: MONTHLY }),
    0.18663690238892558,
    8,
    'test_annual_volatility(monthly_returns, MONTHLY)',
  );
  assert.ok(Number.isNaN(annualVolatility(oneReturn)), 'one period: empyrical returns np.nan for len(returns) < 2');
});

test('calmarRatio: test_calmar regression cases', () => {
  // (returns, period, expected)
  const cases: [string, number[], number, number][] = [
    ['empty_returns', emptyReturns, DAILY, NaN],
    ['one_return', oneReturn, DAILY, NaN],
    ['mixed_returns', mixedReturns, DAILY, 19.135925373194233],
    ['weekly_returns', weeklyReturns, WEEKLY, 2.4690830513998208],
    ['monthly_returns', weeklyReturns, MONTHLY, 0.52242061386048144],
  ];
  for (const [name, returns, periodsPerYear, expected] of cases) {
    assertAlmostEqual(calmarRatio(returns, { periodsPerYear }), expected, 8, `test_calmar(${name}, ${periodsPerYear})`);
  }
});

test('returnsFromEquity: test_simple_returns cases (flat_line_1 as prices, pos_line)', () => {
  // (prices, expected) to 4 decimals as empyrical: a constant price gives 0 returns; pos_line =
  // np.linspace(0, 1, num=1000) gives [inf] + [1/n for n in range(1, 999)].
  for (const r of returnsFromEquity(flatLine1)) assertAlmostEqual(r, 0, 4, 'test_simple_returns(flat_line_1)');
  assert.equal(returnsFromEquity(flatLine1).length, 8);
  const posLine = Array.from({ length: 1000 }, (_, i) => i / 999);
  const got = returnsFromEquity(posLine);
  assert.equal(got.length, 999);
  assert.equal(got[0], Infinity);
  for (let n = 1; n < 999; n++) assertAlmostEqual(got[n]!, 1 / n, 4, `test_simple_returns(pos_line)[${n}]`);
});

test('hand-computed two-period case: sharpe, sortino, downside risk, volatility, annual return', () => {
  // r = [0.01, -0.03]: mean -0.01, sample std sqrt(2 * 0.02^2) = 0.028284271247461905,
  // downside sqrt(0.03^2 / 2) = 0.021213203435596427 per period, compound 1.01 * 0.97 = 0.9797.
  // Values from python3: statistics.mean/stdev and math.sqrt, math.pow.
  const r = [0.01, -0.03];
  assertAlmostEqual(sharpeRatio(r, { periodsPerYear: 252 }), (-0.01 / 0.028284271247461905) * Math.sqrt(252), 12);
  assertAlmostEqual(downsideRisk(r, { periodsPerYear: 252 }), 0.021213203435596427 * Math.sqrt(252), 12);
  assertAlmostEqual(
    sortinoRatio(r, { periodsPerYear: 252 }),
    (-0.01 * 252) / (0.021213203435596427 * Math.sqrt(252)),
    12,
  );
  assertAlmostEqual(annualVolatility(r, { periodsPerYear: 252 }), 0.028284271247461905 * Math.sqrt(252), 12);
  assertAlmostEqual(annualReturn(r, { periodsPerYear: 252 }), Math.pow(0.9797, 126) - 1, 12);
  assertAlmostEqual(maxDrawdown(r), 0.03, 12);
  assertAlmostEqual(calmarRatio(r, { periodsPerYear: 252 }), (Math.pow(0.9797, 126) - 1) / 0.03, 12);
});

test('relations from empyrical (translation tests), on seeded uniform noise', () => {
  // test_sharpe_translation_same / test_sortino_translation_same: shifting returns and the
  // rate by the same amount changes nothing. test_max_drawdown_translation: raising returns
  // cannot deepen the drawdown. test_downside_risk_trans: a higher requirement raises the risk.
  // empyrical draws noise_uniform from numpy's RandomState(1337); the relations hold for any
  // series, so we use our own seeded uniform(-0.01, 0.01) noise.
  let seed = 1337;
  const uniform = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const noise = Array.from({ length: 1000 }, () => -0.01 + 0.02 * uniform());
  const shift = (xs: number[], c: number) => xs.map((x) => x + c);
  for (const [rate, t] of [
    [0, 0.005],
    [0.005, 0.005],
  ] as const) {
    const sr = sharpeRatio(noise, { riskFree: rate });
    assertAlmostEqual(
      sharpeRatio(shift(noise, -t), { riskFree: rate - t }),
      sr,
      8,
      'test_sharpe_translation_same depressed',
    );
    assertAlmostEqual(
      sharpeRatio(shift(noise, t), { riskFree: rate + t }),
      sr,
      8,
      'test_sharpe_translation_same raised',
    );
    const so = sortinoRatio(noise, { requiredReturn: rate });
    assertAlmostEqual(
      sortinoRatio(shift(noise, -t), { requiredReturn: rate - t }),
      so,
      8,
      'test_sortino_translation_same depressed',
    );
    assertAlmostEqual(
      sortinoRatio(shift(noise, t), { requiredReturn: rate + t }),
      so,
      8,
      'test_sortino_translation_same raised',
    );
  }
  for (const c of [0.01, 0.1]) {
    assert.ok(maxDrawdown(shift(noise, c)) <= maxDrawdown(noise), 'test_max_drawdown_translation raised');
    assert.ok(maxDrawdown(shift(noise, -c)) >= maxDrawdown(noise), 'test_max_drawdown_translation depressed');
  }
  const dr = (req: number) => downsideRisk(noise, { requiredReturn: req });
  assert.ok(dr(-0.005) <= dr(0) && dr(0) <= dr(0.005), 'test_downside_risk_trans');
});
