/**
 * Return-series statistics, numerically as in empyrical (quantopian/empyrical `empyrical/stats.py`):
 * same formulas, same annualisation, and NaN where empyrical gives NaN (too few periods, 0/0) or
 * Infinity where the formula divides a non-zero value by zero. NaN entries of the input are skipped
 * like numpy's nan-functions (`nanmean`, `nanstd`, `nanprod`), but still count in the length checks
 * and in `annualReturn`'s number of years, as in empyrical. These are offline functions: the
 * streaming classes decide what is published.
 * https://github.com/quantopian/empyrical/blob/master/empyrical/stats.py
 */

/** empyrical's `APPROX_BDAYS_PER_YEAR`, the annualisation factor of daily returns. */
export const DEFAULT_PERIODS_PER_YEAR = 252;

/** Annualisation option shared by the ratio functions. */
export interface PeriodOptions {
  /** Return periods per year (empyrical's `annualization`): 252 daily, 52 weekly, 12 monthly. Default 252. */
  readonly periodsPerYear?: number;
}

/** Options of `sharpeRatio`. */
export interface SharpeOptions extends PeriodOptions {
  /** Risk-free return PER PERIOD, subtracted from every return. Default 0. */
  readonly riskFree?: number;
}

/** Options of `sortinoRatio` and `downsideRisk`. */
export interface SortinoOptions extends PeriodOptions {
  /** Minimum acceptable return PER PERIOD. Default 0. */
  readonly requiredReturn?: number;
}

/** Simple returns `e[i] / e[i-1] - 1` of an equity (or price) series; one fewer than the values. A zero value gives an infinite or NaN return, as the division does. */
export function returnsFromEquity(equity: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) out.push(equity[i]! / equity[i - 1]! - 1);
  return out;
}

/**
 * Count, sum of `x - shift`, and sum of squared deviations of the non-NaN values (two passes, as
 * numpy's `nanvar`). A series of identical values has a squared-deviation sum of exactly 0: the
 * mean of n copies of x need not round back to x, and a 1e-36 residue would turn an infinite
 * Sharpe ratio (empyrical's `flat_line_1` case) into a huge finite one.
 */
export function moments(values: ArrayLike<number>, shift: number): { n: number; sum: number; m2: number } {
  let n = 0;
  let sum = 0;
  let first = 0;
  let constant = true;
  for (let i = 0; i < values.length; i++) {
    const a = values[i]! - shift;
    if (Number.isNaN(a)) continue;
    if (n === 0) first = a;
    else if (a !== first) constant = false;
    n++;
    sum += a;
  }
  let m2 = 0;
  if (!constant) {
    const mean = sum / n;
    for (let i = 0; i < values.length; i++) {
      const a = values[i]! - shift;
      if (Number.isNaN(a)) continue;
      const d = a - mean;
      m2 += d * d;
    }
  }
  return { n, sum, m2 };
}

/**
 * Annualised Sharpe ratio, `mean(r - rf) / std(r - rf, ddof=1) * sqrt(periodsPerYear)` (empyrical
 * `sharpe_ratio`). NaN with fewer than 2 periods or when mean and deviation are both 0;
 * ±Infinity when the excess returns are constant and non-zero.
 */
export function sharpeRatio(returns: ArrayLike<number>, options: SharpeOptions = {}): number {
  if (returns.length < 2) return NaN;
  const { n, sum, m2 } = moments(returns, options.riskFree ?? 0);
  return (sum / n / Math.sqrt(m2 / (n - 1))) * Math.sqrt(options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR);
}

/**
 * Annualised downside deviation below `requiredReturn`, `sqrt(mean(min(0, r - req)^2)) *
 * sqrt(periodsPerYear)` over ALL periods, not only the losing ones (empyrical `downside_risk`).
 * NaN for an empty series; 0 when no period falls below the requirement.
 */
export function downsideRisk(returns: ArrayLike<number>, options: SortinoOptions = {}): number {
  if (returns.length < 1) return NaN;
  const req = options.requiredReturn ?? 0;
  let n = 0;
  let sq = 0;
  for (let i = 0; i < returns.length; i++) {
    const d = returns[i]! - req;
    if (Number.isNaN(d)) continue;
    n++;
    if (d < 0) sq += d * d;
  }
  return Math.sqrt(sq / n) * Math.sqrt(options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR);
}

/**
 * Annualised Sortino ratio, `mean(r - req) * periodsPerYear / downsideRisk` (empyrical
 * `sortino_ratio`). NaN with fewer than 2 periods; +Infinity when no period falls below
 * `requiredReturn` and the mean excess is positive (empyrical's `positive_returns` case).
 */
export function sortinoRatio(returns: ArrayLike<number>, options: SortinoOptions = {}): number {
  if (returns.length < 2) return NaN;
  const { n, sum } = moments(returns, options.requiredReturn ?? 0);
  return ((sum / n) * (options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR)) / downsideRisk(returns, options);
}

/**
 * Largest peak-to-trough fall of the cumulative return series (starting value 1, as empyrical),
 * as a POSITIVE fraction of the peak: 0.1 for a 10% drawdown, where empyrical's `max_drawdown`
 * returns -0.1. NaN for an empty series, 0 when the series never falls. Returns below -100% give
 * fractions above 1, as in empyrical.
 */
export function maxDrawdown(returns: ArrayLike<number>): number {
  if (returns.length < 1) return NaN;
  let cum = 1;
  let peak = 1;
  let max = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (Number.isNaN(r)) continue;
    cum *= 1 + r;
    if (cum > peak) peak = cum;
    const dd = (peak - cum) / peak;
    if (dd > max) max = dd;
  }
  return max;
}

/**
 * Compound annual growth rate, `prod(1 + r) ^ (periodsPerYear / n) - 1` with n the number of
 * periods (empyrical `annual_return` / `cagr`). NaN for an empty series, or when the cumulative
 * value went negative and the exponent is fractional.
 */
export function annualReturn(returns: ArrayLike<number>, options: PeriodOptions = {}): number {
  if (returns.length < 1) return NaN;
  let ending = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (!Number.isNaN(r)) ending *= 1 + r;
  }
  return Math.pow(ending, (options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR) / returns.length) - 1;
}

/** Annualised volatility, `std(r, ddof=1) * sqrt(periodsPerYear)` (empyrical `annual_volatility`); NaN with fewer than 2 periods. */
export function annualVolatility(returns: ArrayLike<number>, options: PeriodOptions = {}): number {
  if (returns.length < 2) return NaN;
  const { n, m2 } = moments(returns, 0);
  return Math.sqrt(m2 / (n - 1)) * Math.sqrt(options.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR);
}

/**
 * Calmar ratio, `annualReturn / maxDrawdown` (empyrical `calmar_ratio`). NaN when there is no
 * drawdown (including empty and one-period series that never fall) and, as empyrical, NaN
 * rather than Infinity when the quotient overflows.
 */
export function calmarRatio(returns: ArrayLike<number>, options: PeriodOptions = {}): number {
  return calmarFrom(annualReturn(returns, options), maxDrawdown(returns));
}

/** empyrical's Calmar rule on precomputed parts: NaN unless the drawdown is positive and the quotient finite. */
export function calmarFrom(annual: number, drawdown: number): number {
  if (!(drawdown > 0)) return NaN;
  const c = annual / drawdown;
  return Number.isFinite(c) ? c : NaN;
}
