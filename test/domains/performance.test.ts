import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import {
  annualReturn,
  annualVolatility,
  calmarRatio,
  conditionalValueAtRisk,
  kurtosis,
  omegaRatio,
  returnsFromEquity,
  skewness,
  tailRatio,
  valueAtRisk,
  sharpeRatio,
  sortinoRatio,
  tradeStats,
  type DrawMode,
  type TradeStats,
} from '../../src/analytics/index.ts';
import { MonitoringInputError, type MonitoringService } from '../../src/index.ts';
import type { ClosedTrade } from '../../src/domains/performance.ts';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(async () => {
  await stopAll();
  mock.timers.reset();
});

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/** Equal to 1e-9 relative: the streaming sums may round differently from one pass over the list. */
function near(actual: number, expected: number, message: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${message}: ${actual} != ${expected}`,
  );
}

/** A finite reference value is published (to rounding); a NaN or infinite one is not published at all. */
function published(exp: Exposition, name: string, labels: Record<string, string>, expected: number): void {
  const samples = find(exp, name, labels);
  if (!Number.isFinite(expected)) {
    assert.equal(samples.length, 0, `${name}${JSON.stringify(labels)} must not be published (reference ${expected})`);
    return;
  }
  near(value(exp, name, labels), expected, `${name}${JSON.stringify(labels)}`);
}

const STATS: readonly [string, keyof TradeStats][] = [
  ['win_rate', 'winRate'],
  ['profit_factor', 'profitFactor'],
  ['average_win', 'averageWin'],
  ['average_loss', 'averageLoss'],
  ['expectancy', 'expectancy'],
  ['max_consecutive_wins', 'maxConsecutiveWins'],
  ['max_consecutive_losses', 'maxConsecutiveLosses'],
  ['largest_win', 'largestWin'],
  ['largest_loss', 'largestLoss'],
  ['payoff_ratio', 'payoffRatio'],
  ['sqn', 'sqn'],
  ['gross_profit', 'grossProfit'],
  ['gross_loss', 'grossLoss'],
];

function assertStats(exp: Exposition, symbol: string, window: string, nets: number[], draws: DrawMode): void {
  const reference = tradeStats(nets, { draws });
  for (const [name, field] of STATS) published(exp, name, { symbol, window }, reference[field]);
}

function invalid(exp: Exposition, method: string, reason: string): number {
  const s = find(exp, 'monitoring_invalid_inputs_total', { method, reason });
  return s.length === 0 ? 0 : s[0]!.value;
}

// pnl before fees and fees, with the net result the statistics use.
const TRADES: readonly (ClosedTrade & { net: number })[] = [
  { symbol: 'BTC/USD', direction: 'buy', pnl: 120, fees: 2, net: 118 },
  { symbol: 'ETH/USD', direction: 'SELL', pnl: -50, fees: 1, net: -51 },
  { symbol: 'BTC/USD', direction: 'sell', pnl: 1, fees: 1, net: 0 },
  { symbol: 'ETH/USD', direction: 'buy', pnl: 80, net: 80 },
  { symbol: 'BTC/USD', direction: 'buy', pnl: -30, fees: 0.5, net: -30.5 },
  { symbol: 'BTC/USD', direction: 'Buy', pnl: 45, fees: 0.25, net: 44.75 },
];

function recordAll(monitoring: MonitoringService): void {
  for (const { net: _net, ...trade } of TRADES) monitoring.recordClosedTrade(trade);
}

test('recordClosedTrade counts trades_closed_total by outcome, net of fees: pnl 1 with fees 1 is a draw', async () => {
  const { monitoring } = await start();
  recordAll(monitoring);
  const exp = await scrape(monitoring);
  assert.equal(exp.types.get('trades_closed_total'), 'counter');
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'buy', outcome: 'win' }), 2);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'buy', outcome: 'loss' }), 1);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'sell', outcome: 'draw' }), 1);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'ETH/USD', direction: 'sell', outcome: 'loss' }), 1);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'ETH/USD', direction: 'buy', outcome: 'win' }), 1);
  assert.equal(
    find(exp, 'trades_closed_total').reduce((n, s) => n + s.value, 0),
    TRADES.length,
  );
  assert.deepEqual(Object.keys(find(exp, 'trades_closed_total')[0]!.labels), ['symbol', 'direction', 'outcome']);
});

for (const draws of ['notWin', 'win', 'exclude'] as const) {
  test(`trade statistics per symbol and for all, lifetime and rolling (tradeWindow 3), equal tradeStats with draws '${draws}'`, async () => {
    const { monitoring } = await start({ tradeWindow: 3, draws });
    recordAll(monitoring);
    const exp = await scrape(monitoring);
    const nets = TRADES.map((t) => t.net);
    const of = (symbol: string) => TRADES.filter((t) => t.symbol === symbol).map((t) => t.net);
    assertStats(exp, 'all', 'lifetime', nets, draws);
    assertStats(exp, 'all', 'rolling', nets.slice(-3), draws);
    assertStats(exp, 'BTC/USD', 'lifetime', of('BTC/USD'), draws);
    assertStats(exp, 'BTC/USD', 'rolling', of('BTC/USD').slice(-3), draws);
    assertStats(exp, 'ETH/USD', 'lifetime', of('ETH/USD'), draws);
    assertStats(exp, 'ETH/USD', 'rolling', of('ETH/USD'), draws);
    // The rolling window must really differ, or the test above could not tell the windows apart.
    assert.notEqual(
      value(exp, 'expectancy', { symbol: 'all', window: 'rolling' }),
      value(exp, 'expectancy', { symbol: 'all', window: 'lifetime' }),
    );
    near(value(exp, 'realized_pnl', { symbol: 'all' }), 118 - 51 + 0 + 80 - 30.5 + 44.75, 'realized_pnl all');
    near(value(exp, 'realized_pnl', { symbol: 'BTC/USD' }), 118 + 0 - 30.5 + 44.75, 'realized_pnl BTC');
    near(value(exp, 'realized_pnl', { symbol: 'ETH/USD' }), -51 + 80, 'realized_pnl ETH');
  });
}

test('the draw mode changes the win rate by hand: 2 wins, 1 loss, 1 draw', async () => {
  for (const [draws, expected] of [
    ['notWin', 2 / 4],
    ['win', 3 / 4],
    ['exclude', 2 / 3],
  ] as const) {
    const { monitoring } = await start({ draws });
    for (const pnl of [10, -5, 0, 7]) monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl });
    const exp = await scrape(monitoring);
    assert.equal(value(exp, 'win_rate', { symbol: 'all', window: 'lifetime' }), expected, draws);
    await stopAll();
  }
});

test('profit_factor and average_loss are absent while no trade lost (not +Inf, not NaN); win_rate absent with only draws excluded', async () => {
  const { monitoring } = await start({ draws: 'exclude' });
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: 0 });
  let exp = await scrape(monitoring);
  assert.equal(find(exp, 'win_rate').length, 0, 'only draws, excluded: no denominator');
  assert.equal(value(exp, 'expectancy', { symbol: 'all', window: 'lifetime' }), 0);

  monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: 50 });
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'sell', pnl: 30, fees: 5 });
  exp = await scrape(monitoring);
  assert.equal(find(exp, 'profit_factor').length, 0);
  assert.equal(find(exp, 'average_loss').length, 0);
  assert.equal(value(exp, 'win_rate', { symbol: 'X', window: 'lifetime' }), 1);
  assert.equal(value(exp, 'average_win', { symbol: 'X', window: 'lifetime' }), (50 + 25) / 2);
  for (const s of exp.samples)
    assert.ok(Number.isFinite(s.value), `${s.name} ${JSON.stringify(s.labels)} is ${s.value}`);

  monitoring.recordClosedTrade({ symbol: 'X', direction: 'sell', pnl: -15 });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'profit_factor', { symbol: 'X', window: 'lifetime' }), 75 / 15);
  assert.equal(value(exp, 'average_loss', { symbol: 'all', window: 'lifetime' }), 15);
});

test('trade_duration_seconds from openedAt to closedAt, as Dates or Unix ms; closedAt defaults to now', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start();
  monitoring.recordClosedTrade({
    symbol: 'BTC/USD',
    direction: 'buy',
    pnl: 1,
    openedAt: new Date(T0 - 90_000),
    closedAt: new Date(T0 - 30_000),
  });
  monitoring.recordClosedTrade({
    symbol: 'BTC/USD',
    direction: 'buy',
    pnl: 1,
    openedAt: T0 - 3 * 3600_000,
    closedAt: T0 - 3600_000,
  });
  monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 1, openedAt: T0 - 2 * DAY });
  monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'sell', pnl: 1, closedAt: T0 });
  const exp = await scrape(monitoring);
  const buy = { symbol: 'BTC/USD', direction: 'buy' };
  assert.equal(exp.types.get('trade_duration_seconds'), 'histogram');
  // 60 s, 2 h and 2 days held.
  assert.equal(value(exp, 'trade_duration_seconds_count', buy), 3);
  assert.equal(value(exp, 'trade_duration_seconds_sum', buy), 60 + 7200 + 172_800);
  assert.equal(value(exp, 'trade_duration_seconds_bucket', { ...buy, le: '60' }), 1, 'buckets are closed on the right');
  assert.equal(value(exp, 'trade_duration_seconds_bucket', { ...buy, le: '3600' }), 1);
  assert.equal(value(exp, 'trade_duration_seconds_bucket', { ...buy, le: '14400' }), 2);
  assert.equal(value(exp, 'trade_duration_seconds_bucket', { ...buy, le: '86400' }), 2);
  assert.equal(value(exp, 'trade_duration_seconds_bucket', { ...buy, le: '259200' }), 3);
  assert.equal(find(exp, 'trade_duration_seconds_count', { direction: 'sell' }).length, 0, 'no openedAt, no duration');
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'sell', outcome: 'win' }), 1);
});

const OK: ClosedTrade = { symbol: 'BTC/USD', direction: 'buy', pnl: 10 };
const BAD: readonly [string, unknown, string, string][] = [
  ['null', null, 'not_object', 'trade'],
  ['a number', 42, 'not_object', 'trade'],
  ['snake_case field', { ...OK, entry_price: 1 }, 'unknown_field', 'entry_price'],
  ['no symbol', { direction: 'buy', pnl: 1 }, 'missing_field', 'symbol'],
  ['empty symbol', { ...OK, symbol: '' }, 'empty_string', 'symbol'],
  ['numeric symbol', { ...OK, symbol: 7 }, 'wrong_type', 'symbol'],
  ['no direction', { symbol: 'X', pnl: 1 }, 'missing_field', 'direction'],
  ['direction hold', { ...OK, direction: 'hold' }, 'unknown_direction', 'direction'],
  ['numeric direction', { ...OK, direction: 1 }, 'wrong_type', 'direction'],
  ['no pnl', { symbol: 'X', direction: 'buy' }, 'missing_field', 'pnl'],
  ['pnl NaN', { ...OK, pnl: Number.NaN }, 'not_finite', 'pnl'],
  ['pnl as string', { ...OK, pnl: '10' }, 'wrong_type', 'pnl'],
  ['fees beyond -1e15', { ...OK, fees: -2e15 }, 'out_of_range', 'fees'],
  ['infinite fees', { ...OK, fees: Infinity }, 'not_finite', 'fees'],
  ['negative entryPrice', { ...OK, entryPrice: -1 }, 'negative', 'entryPrice'],
  ['exitPrice as string', { ...OK, exitPrice: '3' }, 'wrong_type', 'exitPrice'],
  ['quantity NaN', { ...OK, quantity: Number.NaN }, 'not_finite', 'quantity'],
  ['openedAt as string', { ...OK, openedAt: '2024-01-01' }, 'wrong_type', 'openedAt'],
  ['openedAt invalid Date', { ...OK, openedAt: new Date(Number.NaN) }, 'not_finite', 'openedAt'],
  ['negative closedAt', { ...OK, closedAt: -5 }, 'negative', 'closedAt'],
  ['openedAt after closedAt', { ...OK, openedAt: 2_000_000, closedAt: 1_000_000 }, 'out_of_range', 'openedAt'],
  ['openedAt in the future, closedAt now', { ...OK, openedAt: Date.now() + DAY }, 'out_of_range', 'openedAt'],
];

test('recordClosedTrade drops each invalid field as a whole and counts it by reason', async () => {
  const { monitoring, logger } = await start();
  for (const [, input] of BAD) monitoring.recordClosedTrade(input as ClosedTrade);
  const exp = await scrape(monitoring);
  const expected = new Map<string, number>();
  for (const [, , reason] of BAD) expected.set(reason, (expected.get(reason) ?? 0) + 1);
  for (const [reason, n] of expected) assert.equal(invalid(exp, 'recordClosedTrade', reason), n, reason);
  for (const name of [
    'trades_closed_total',
    'trade_duration_seconds_count',
    'win_rate',
    'realized_pnl',
    'expectancy',
  ]) {
    assert.equal(find(exp, name).length, 0, `${name}: nothing of a rejected call is recorded`);
  }
  assert.equal(
    logger.warnings.filter((w) => w.startsWith('recordClosedTrade')).length,
    expected.size,
    'one warning per reason',
  );
});

test('recordClosedTrade in strict mode throws MonitoringInputError naming the method, reason and field', async () => {
  const { monitoring } = await start({ strict: true });
  for (const [label, input, reason, field] of BAD) {
    assert.throws(
      () => monitoring.recordClosedTrade(input as ClosedTrade),
      (error: unknown) => {
        assert.ok(error instanceof MonitoringInputError, label);
        assert.equal(error.method, 'recordClosedTrade', label);
        assert.equal(error.reason, reason, label);
        assert.equal(error.field, field, label);
        return true;
      },
    );
  }
  monitoring.recordClosedTrade(OK);
  const exp = await scrape(monitoring);
  assert.equal(
    value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'buy', outcome: 'win' }),
    1,
    'only the valid trade counts',
  );
});

test('realized drawdown from startingBalance + net pnl, by hand', async () => {
  const { monitoring } = await start({ startingBalance: 1000 });
  // Balance 1000 -> 1100 (peak) -> 880 -> 990.
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: 101, fees: 1 });
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: -218, fees: 2 });
  let exp = await scrape(monitoring);
  near(value(exp, 'drawdown', { basis: 'realized' }), 220 / 1100, 'drawdown at the trough');
  near(value(exp, 'max_drawdown', { basis: 'realized' }), 220 / 1100, 'max drawdown');
  near(value(exp, 'max_drawdown_abs', { basis: 'realized' }), 220, 'max drawdown in currency');
  monitoring.recordClosedTrade({ symbol: 'Y', direction: 'sell', pnl: 110 });
  exp = await scrape(monitoring);
  near(value(exp, 'drawdown', { basis: 'realized' }), 110 / 1100, 'drawdown after a partial recovery');
  near(value(exp, 'max_drawdown', { basis: 'realized' }), 0.2, 'the maximum stays');
  near(value(exp, 'max_drawdown_abs', { basis: 'realized' }), 220, 'the maximum in currency stays');
  assert.equal(find(exp, 'drawdown', { basis: 'equity' }).length, 0, 'no equity update, no equity basis');
});

test('without startingBalance there is no basis="realized" series', async () => {
  const { monitoring } = await start();
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: 100 });
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: -60 });
  const exp = await scrape(monitoring);
  for (const name of ['drawdown', 'max_drawdown', 'max_drawdown_abs'])
    assert.equal(find(exp, name, { basis: 'realized' }).length, 0, name);
  assert.equal(value(exp, 'realized_pnl', { symbol: 'all' }), 40);
});

test('equity drawdown follows every portfolioValue, by hand', async () => {
  const { monitoring } = await start();
  for (const v of [1000, 1200, 900, 1080]) monitoring.updatePortfolioMetrics({ portfolioValue: v });
  const exp = await scrape(monitoring);
  near(value(exp, 'drawdown', { basis: 'equity' }), 120 / 1200, 'current: 1080 below the 1200 peak');
  near(value(exp, 'max_drawdown', { basis: 'equity' }), 300 / 1200, 'max: 900 below 1200');
  near(value(exp, 'max_drawdown_abs', { basis: 'equity' }), 300, 'max in currency');
  assert.equal(find(exp, 'sharpe_ratio').length, 0, 'no return period has closed');
  assert.equal(find(exp, 'drawdown', { basis: 'realized' }).length, 0);
});

/** The ratios the service must publish for `returns`, from the pure functions. */
function assertRatios(
  exp: Exposition,
  window: string,
  returns: number[],
  options: { periodsPerYear: number; riskFree?: number; requiredReturn?: number },
): void {
  const { periodsPerYear } = options;
  published(exp, 'sharpe_ratio', { window }, sharpeRatio(returns, { periodsPerYear, riskFree: options.riskFree ?? 0 }));
  published(
    exp,
    'sortino_ratio',
    { window },
    sortinoRatio(returns, { periodsPerYear, requiredReturn: options.requiredReturn ?? 0 }),
  );
  published(exp, 'calmar_ratio', { window }, calmarRatio(returns, { periodsPerYear }));
  published(exp, 'annual_return', { window }, annualReturn(returns, { periodsPerYear }));
  published(exp, 'annual_volatility', { window }, annualVolatility(returns, { periodsPerYear }));
  // Omega's threshold is per period.
  published(exp, 'value_at_risk', { window }, valueAtRisk(returns, 0.05));
  published(exp, 'conditional_value_at_risk', { window }, conditionalValueAtRisk(returns, 0.05));
  published(exp, 'tail_ratio', { window }, tailRatio(returns));
  const threshold = { riskFree: options.riskFree ?? 0, requiredReturn: options.requiredReturn ?? 0, annualization: 1 };
  published(exp, 'omega_ratio', { window }, omegaRatio(returns, threshold));
  published(exp, 'return_skewness', { window }, skewness(returns));
  published(exp, 'return_kurtosis', { window }, kurtosis(returns));
}

// Date is mocked (not the timers: the HTTP scrape runs for real), so each update lands in the period chosen here and nothing depends on the machine's speed.
test('equity ratios, lifetime and rolling, equal the pure functions on the sampled closes (daily periods, 365 a year by default)', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start({ returnsWindow: 3, minReturnPeriods: 1 });
  const at = (days: number, portfolioValue: number) => {
    mock.timers.setTime(T0 + days * DAY);
    monitoring.updatePortfolioMetrics({ portfolioValue });
  };
  at(0, 1000);
  at(0.5, 1050); // the last value of a period is its close
  at(1, 1100);
  at(2, 990);
  at(3, 1045);
  at(5, 1023); // day 4 has no update: it closes at 1045 again, a return of 0
  at(6, 1080);
  mock.timers.setTime(T0 + 6.5 * DAY);
  let exp = await scrape(monitoring);
  let closes = [1050, 1100, 990, 1045, 1045, 1023];
  let returns = returnsFromEquity(closes);
  assert.equal(returns[3], 0);
  assertRatios(exp, 'lifetime', returns, { periodsPerYear: 365 });
  assertRatios(exp, 'rolling', returns.slice(-3), { periodsPerYear: 365 });
  assert.equal(find(exp, 'sortino_ratio', { window: 'lifetime' }).length, 1, 'a negative return: Sortino is defined');
  assert.notEqual(
    value(exp, 'sharpe_ratio', { window: 'rolling' }),
    value(exp, 'sharpe_ratio', { window: 'lifetime' }),
  );

  // Day 6 closes at the collection after it ended, without another update.
  mock.timers.setTime(T0 + 7 * DAY);
  exp = await scrape(monitoring);
  closes = [...closes, 1080];
  returns = returnsFromEquity(closes);
  assertRatios(exp, 'lifetime', returns, { periodsPerYear: 365 });
  assertRatios(exp, 'rolling', returns.slice(-3), { periodsPerYear: 365 });
  // The drawdown gauges see every update, not only the closes.
  near(value(exp, 'max_drawdown', { basis: 'equity' }), 110 / 1100, 'equity max drawdown');
});

test('riskFreeRate and requiredReturn are annual rates compounded down to one period; periodsPerYear overrides the annualization', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start({
    returnsIntervalSeconds: 3600,
    periodsPerYear: 252,
    riskFreeRate: 0.05,
    requiredReturn: 0.1,
    minReturnPeriods: 1,
  });
  const equity = [500, 510, 505, 520, 515, 530];
  equity.forEach((v, i) => {
    mock.timers.setTime(T0 + i * 3600_000);
    monitoring.updatePortfolioMetrics({ portfolioValue: v });
  });
  mock.timers.setTime(T0 + equity.length * 3600_000);
  const exp = await scrape(monitoring);
  const returns = returnsFromEquity(equity);
  assertRatios(exp, 'lifetime', returns, {
    periodsPerYear: 252,
    riskFree: 1.05 ** (1 / 252) - 1,
    requiredReturn: 1.1 ** (1 / 252) - 1,
  });
  assertRatios(exp, 'rolling', returns, {
    periodsPerYear: 252,
    riskFree: 1.05 ** (1 / 252) - 1,
    requiredReturn: 1.1 ** (1 / 252) - 1,
  });
});

test('ratio edge cases: no period, one period (no Sharpe), no losing period (no Sortino), no drawdown (no Calmar)', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start({ minReturnPeriods: 1 });
  monitoring.updatePortfolioMetrics({ portfolioValue: 100 });
  mock.timers.setTime(T0 + DAY);
  monitoring.updatePortfolioMetrics({ portfolioValue: 101 });
  let exp = await scrape(monitoring);
  for (const name of ['sharpe_ratio', 'sortino_ratio', 'calmar_ratio', 'annual_return', 'annual_volatility']) {
    assert.equal(find(exp, name).length, 0, `${name}: the first close is only the base`);
  }

  mock.timers.setTime(T0 + 2 * DAY);
  exp = await scrape(monitoring);
  // One return of 1 %: annual return (1.01)^365 - 1, nothing that needs a standard deviation or a drawdown.
  near(value(exp, 'annual_return', { window: 'lifetime' }), 1.01 ** 365 - 1, 'annual return of one period');
  for (const name of ['sharpe_ratio', 'annual_volatility', 'sortino_ratio', 'calmar_ratio'])
    assert.equal(find(exp, name).length, 0, `${name} with one period`);

  monitoring.updatePortfolioMetrics({ portfolioValue: 103 });
  mock.timers.setTime(T0 + 3 * DAY);
  exp = await scrape(monitoring);
  const returns = returnsFromEquity([100, 101, 103]);
  near(
    value(exp, 'sharpe_ratio', { window: 'lifetime' }),
    sharpeRatio(returns, { periodsPerYear: 365 }),
    'sharpe of two rising periods',
  );
  assert.ok(value(exp, 'sharpe_ratio', { window: 'lifetime' }) > 0);
  assert.ok(value(exp, 'annual_volatility', { window: 'lifetime' }) > 0);
  assert.equal(find(exp, 'sortino_ratio').length, 0, 'no return below the required one');
  assert.equal(find(exp, 'calmar_ratio').length, 0, 'no drawdown');
  assert.equal(value(exp, 'max_drawdown', { basis: 'equity' }), 0);
  assert.equal(value(exp, 'drawdown', { basis: 'equity' }), 0);
  for (const s of exp.samples)
    assert.ok(Number.isFinite(s.value), `${s.name} ${JSON.stringify(s.labels)} is ${s.value}`);
});

test('updateTradingPerformance fills symbol="all",window="lifetime" and basis="equity" until the SDK has data of its own', async () => {
  const { monitoring } = await start();
  monitoring.updateTradingPerformance({
    winRate: 0.9,
    profitFactor: 3,
    averageWin: 12,
    averageLoss: 4,
    maxDrawdown: 0.3,
    sharpeRatio: 2,
    sortinoRatio: 2.5,
    calmarRatio: 4,
  });
  let exp = await scrape(monitoring);
  const all = { symbol: 'all', window: 'lifetime' };
  assert.equal(value(exp, 'win_rate', all), 0.9);
  assert.equal(value(exp, 'profit_factor', all), 3);
  assert.equal(value(exp, 'average_win', all), 12);
  assert.equal(value(exp, 'average_loss', all), 4);
  assert.equal(value(exp, 'max_drawdown', { basis: 'equity' }), 0.3);
  assert.equal(value(exp, 'sharpe_ratio', { window: 'lifetime' }), 2);
  assert.equal(value(exp, 'sortino_ratio', { window: 'lifetime' }), 2.5);
  assert.equal(value(exp, 'calmar_ratio', { window: 'lifetime' }), 4);
  assert.equal(find(exp, 'win_rate', { window: 'rolling' }).length, 0);

  // One losing trade: every trade statistic is now the SDK's, even after the bot sets its own again.
  monitoring.recordClosedTrade({ symbol: 'X', direction: 'sell', pnl: -10 });
  monitoring.updateTradingPerformance({ winRate: 0.99, averageWin: 50 });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'win_rate', all), 0);
  assert.equal(value(exp, 'profit_factor', all), 0);
  assert.equal(value(exp, 'average_loss', all), 10);
  assert.equal(
    find(exp, 'average_win', all).length,
    0,
    'no winning trade: the computed "no value" wins over the bot\'s',
  );
  assert.equal(value(exp, 'max_drawdown', { basis: 'equity' }), 0.3, "no equity yet: the bot's figure stays");
  assert.equal(value(exp, 'sharpe_ratio', { window: 'lifetime' }), 2);

  monitoring.updatePortfolioMetrics({ portfolioValue: 1000 });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'max_drawdown', { basis: 'equity' }), 0, 'an equity update: the computed drawdown wins');
});

test('updateTradingPerformance rejects bad figures and counts them', async () => {
  const { monitoring } = await start();
  monitoring.updateTradingPerformance({ winRate: 55 });
  monitoring.updateTradingPerformance({ averageLoss: -3 });
  monitoring.updateTradingPerformance({ sharpeRatio: Number.NaN });
  monitoring.updateTradingPerformance({});
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'updateTradingPerformance', 'out_of_range'), 1);
  assert.equal(invalid(exp, 'updateTradingPerformance', 'negative'), 1);
  assert.equal(invalid(exp, 'updateTradingPerformance', 'not_finite'), 1);
  assert.equal(invalid(exp, 'updateTradingPerformance', 'missing_field'), 1);
  assert.equal(find(exp, 'win_rate').length + find(exp, 'average_loss').length + find(exp, 'sharpe_ratio').length, 0);
});

test('heartbeat sets bot_heartbeat_timestamp_seconds{loop} to now, default loop "main"', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start();
  monitoring.heartbeat();
  mock.timers.setTime(T0 + 5_500);
  monitoring.heartbeat('execution');
  const exp = await scrape(monitoring);
  assert.equal(exp.types.get('bot_heartbeat_timestamp_seconds'), 'gauge');
  assert.equal(value(exp, 'bot_heartbeat_timestamp_seconds', { loop: 'main' }), T0 / 1000);
  assert.equal(value(exp, 'bot_heartbeat_timestamp_seconds', { loop: 'execution' }), T0 / 1000 + 5.5);
});

test('heartbeat on the real clock is close to Date.now(); a bad loop name is dropped and counted, or thrown in strict mode', async () => {
  const { monitoring } = await start();
  monitoring.heartbeat('data');
  monitoring.heartbeat('');
  monitoring.heartbeat(7 as unknown as string);
  const exp = await scrape(monitoring);
  // A sanity check, not a timing assertion: the tolerance is a minute.
  assert.ok(Math.abs(value(exp, 'bot_heartbeat_timestamp_seconds', { loop: 'data' }) - Date.now() / 1000) < 60);
  assert.equal(find(exp, 'bot_heartbeat_timestamp_seconds').length, 1);
  assert.equal(invalid(exp, 'heartbeat', 'empty_string'), 1);
  assert.equal(invalid(exp, 'heartbeat', 'wrong_type'), 1);

  await stopAll();
  const strict = (await start({ strict: true })).monitoring;
  assert.throws(
    () => strict.heartbeat(''),
    (e: unknown) =>
      e instanceof MonitoringInputError &&
      e.method === 'heartbeat' &&
      e.reason === 'empty_string' &&
      e.field === 'loop',
  );
});

test('symbols beyond maxSeriesPerMetric / 2 count in symbol="all" only; the statistic gauges never overflow', async () => {
  const maxSeriesPerMetric = 10;
  const { monitoring, logger } = await start({ maxSeriesPerMetric });
  const pnls: number[] = [];
  for (let i = 0; i < 40; i++) {
    const pnl = i % 3 === 0 ? -(i + 1) : i + 1;
    pnls.push(pnl);
    monitoring.recordClosedTrade({ symbol: `S${i % 20}`, direction: 'buy', pnl });
  }
  const exp = await scrape(monitoring);
  for (const name of ['win_rate', 'profit_factor', 'average_win', 'average_loss', 'expectancy', 'realized_pnl']) {
    assert.equal(find(exp, name, { otel_metric_overflow: 'true' }).length, 0, `${name} has no overflow series`);
    assert.equal(find(exp, 'monitoring_series_overflow_total', { metric: name }).length, 0, `${name} folds nothing`);
    assert.ok(
      logger.warnings.every((w) => !w.startsWith(`${name} `)),
      `no overflow warning for ${name}`,
    );
    const symbols = new Set(find(exp, name).map((s) => s.labels['symbol']));
    assert.ok(symbols.has('all'));
    assert.ok(symbols.size <= maxSeriesPerMetric / 2, `${name}: ${symbols.size} symbols`);
    assert.ok(symbols.size > 1, `${name}: the first symbols keep statistics of their own`);
  }
  assertStats(exp, 'all', 'lifetime', pnls, 'notWin');
  near(
    value(exp, 'realized_pnl', { symbol: 'all' }),
    pnls.reduce((a, b) => a + b, 0),
    'realized_pnl over every symbol',
  );
  // S0 gets trades 0 and 20: -1 and +21.
  assertStats(exp, 'S0', 'lifetime', [pnls[0]!, pnls[20]!], 'notWin');
  assert.equal(
    find(exp, 'trades_closed_total').reduce((n, s) => n + s.value, 0),
    40,
    'the counter folds but keeps every trade',
  );
  // Four average_holding_seconds series per symbol: the symbols that fit, never an overflow.
  for (let i = 0; i < 20; i++)
    monitoring.recordClosedTrade({ symbol: `S${i}`, direction: 'buy', pnl: 1, openedAt: 0, closedAt: 1000 });
  const held = await scrape(monitoring);
  assert.equal(find(held, 'average_holding_seconds', { otel_metric_overflow: 'true' }).length, 0);
  assert.ok(find(held, 'average_holding_seconds').length <= maxSeriesPerMetric);
  assert.ok(find(held, 'average_holding_seconds', { symbol: 'all' }).length > 0);
});

test('streak, fees, holding times by outcome, calendar PnL and realized drawdown durations, by hand', async () => {
  mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 11, 2, 12) }); // Wednesday 2026-12-02 12:00 UTC
  const { monitoring } = await start({ startingBalance: 1000, tradeWindow: 2 });
  const hour = 3_600_000;
  const now = Date.now();
  const trade = (pnl: number, fees: number, closedAt: number, heldHours: number) =>
    monitoring.recordClosedTrade({
      symbol: 'BTC/USD',
      direction: 'buy',
      pnl,
      fees,
      openedAt: closedAt - heldHours * hour,
      closedAt,
    });
  trade(101, 1, Date.UTC(2026, 10, 28), 2); // Saturday 28 Nov: +100, balance 1100 (peak)
  trade(-49, 1, Date.UTC(2026, 11, 1), 4); // Tuesday 1 Dec: -50
  trade(-29, 1, now - hour, 6); // today: -30, balance 1020, 80 below the peak since 28 Nov
  const exp = await scrape(monitoring);
  near(value(exp, 'current_streak', { symbol: 'BTC/USD' }), -2, 'two losses in a row');
  near(value(exp, 'current_streak', { symbol: 'all' }), -2, 'the same for all symbols');
  near(value(exp, 'trade_fees', { symbol: 'all', window: 'lifetime' }), 3, 'fees');
  near(value(exp, 'trade_fees', { symbol: 'all', window: 'rolling' }), 2, 'fees of the last 2 trades');
  near(value(exp, 'average_holding_seconds', { symbol: 'all', window: 'lifetime', outcome: 'win' }), 2 * 3600, 'win');
  near(value(exp, 'average_holding_seconds', { symbol: 'all', window: 'lifetime', outcome: 'loss' }), 5 * 3600, 'loss');
  assert.equal(
    find(exp, 'average_holding_seconds', { window: 'rolling', outcome: 'win' }).length,
    0,
    'no win in the window',
  );
  near(value(exp, 'realized_pnl_period', { period: 'today' }), -30, 'today');
  near(value(exp, 'realized_pnl_period', { period: 'week' }), -80, 'since Monday 30 Nov');
  near(value(exp, 'realized_pnl_period', { period: 'month' }), -80, 'since 1 Dec');
  // From the peak to the latest trade, an hour ago.
  const sinceThePeak = (now - hour - Date.UTC(2026, 10, 28)) / 1000;
  near(value(exp, 'drawdown_duration_seconds', { basis: 'realized' }), sinceThePeak, 'below the peak since 28 Nov');
  near(value(exp, 'max_drawdown_duration_seconds', { basis: 'realized' }), sinceThePeak, 'the longest stretch');
  near(value(exp, 'recovery_factor', { basis: 'realized' }), 20 / 80, 'net profit 20 / max drawdown 80');
  // The dashboard's daily bars, over the real HTTP server.
  const res = await fetch(new URL('/api/v1/daily-pnl', monitoring.metricsUrl));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const { days } = (await res.json()) as { days: { day: string; pnl: number }[] };
  assert.equal(days.length, 90);
  assert.deepEqual(days.slice(-5), [
    { day: '2026-11-28', pnl: 100 },
    { day: '2026-11-29', pnl: 0 },
    { day: '2026-11-30', pnl: 0 },
    { day: '2026-12-01', pnl: -50 },
    { day: '2026-12-02', pnl: -30 },
  ]);
  for (const s of exp.samples)
    assert.ok(Number.isFinite(s.value), `${s.name} ${JSON.stringify(s.labels)} is ${s.value}`);
});

test('minReturnPeriods: no ratio or return statistic before that many return periods, then all of them', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start({ returnsIntervalSeconds: 3600, minReturnPeriods: 4 });
  const equity = [1000, 990, 1010, 1005, 1020, 1001];
  const names = ['sharpe_ratio', 'annual_return', 'value_at_risk', 'omega_ratio', 'return_skewness'];
  for (let i = 0; i < equity.length; i++) {
    mock.timers.setTime(T0 + i * 3600_000);
    monitoring.updatePortfolioMetrics({ portfolioValue: equity[i]! });
    mock.timers.setTime(T0 + (i + 1) * 3600_000);
    const exp = await scrape(monitoring);
    // i + 1 closes, i returns.
    for (const name of names)
      assert.equal(find(exp, name).length > 0, i >= 4, `${name} after ${i} returns (${find(exp, name).length} series)`);
  }
  const exp = await scrape(monitoring);
  assertRatios(exp, 'lifetime', returnsFromEquity(equity), { periodsPerYear: (365 * 86_400) / 3600 });
  near(
    value(exp, 'drawdown_duration_seconds', { basis: 'equity' }),
    3600,
    'the latest value, 1001, an hour after 1020',
  );
  near(value(exp, 'recovery_factor', { basis: 'equity' }), 1 / 19, 'net 1 over the 19 drawdown');
});

test('restore: a restart mid-stream publishes exactly what an uninterrupted run publishes (every new gauge included)', async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const options = { startingBalance: 10_000, tradeWindow: 5, returnsIntervalSeconds: 3600, returnsWindow: 8 } as const;
  const hour = 3_600_000;
  let seed = 11;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  // 60 hours: an equity value every hour, a trade most hours, some with holding times.
  const steps: ((m: MonitoringService) => void)[] = [];
  let equity = 10_000;
  for (let h = 0; h < 60; h++) {
    const pnl = rand() < 0.1 ? 0 : Math.round((rand() - 0.45) * 2000) / 10;
    const fees = rand() < 0.5 ? 0 : 0.5;
    const held = rand() < 0.7 ? Math.floor(rand() * hour) : undefined;
    equity *= 1 + (rand() - 0.48) * 0.02;
    const value = equity;
    steps.push((m) => {
      mock.timers.setTime(T0 + h * hour);
      m.updatePortfolioMetrics({ portfolioValue: value });
      if (h % 4 !== 3) {
        const closedAt = T0 + h * hour + 1000;
        m.recordClosedTrade({
          symbol: h % 3 === 0 ? 'ETH/USD' : 'BTC/USD',
          direction: 'buy',
          pnl,
          fees,
          closedAt,
          ...(held === undefined ? {} : { openedAt: closedAt - held }),
        });
      }
    });
  }
  const trading = (exp: Exposition) =>
    new Map(
      exp.samples
        .filter((s) => !/^(process_|monitoring_|target_info)/.test(s.name))
        .map((s) => [`${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`, s.value]),
    );
  const uninterrupted = await start(options);
  for (const step of steps) step(uninterrupted.monitoring);
  mock.timers.setTime(T0 + 60 * hour + 5000);
  const want = trading(await scrape(uninterrupted.monitoring));
  assert.ok(want.has('value_at_risk[["window","rolling"]]'), 'the comparison covers the return statistics');
  assert.ok(want.has('sqn[["symbol","all"],["window","lifetime"]]'));
  assert.ok(want.has('average_holding_seconds[["outcome","loss"],["symbol","all"],["window","lifetime"]]'));
  await uninterrupted.monitoring.shutdown();

  const stateDirectory = await mkdtemp(join(tmpdir(), 'performance-restart-'));
  mock.timers.setTime(T0);
  const first = await start({ ...options, stateDirectory });
  for (const step of steps.slice(0, 27)) step(first.monitoring);
  await first.monitoring.shutdown();
  const second = await start({ ...options, stateDirectory });
  for (const step of steps.slice(27)) step(second.monitoring);
  mock.timers.setTime(T0 + 60 * hour + 5000);
  assert.deepEqual(trading(await scrape(second.monitoring)), want);
});

test('the startup log says when the first ratios appear; an interval that annualizes into noise warns once, naming periodsPerYear', async () => {
  const daily = await start();
  const info = daily.logger.lines.filter((l) => l.level === 'info').map((l) => l.message);
  assert.ok(
    info.some((m) => m.includes('minReturnPeriods 10') && m.includes('11 days after equity updates begin')),
    info.join('\n'),
  );
  assert.equal(daily.logger.warnings.filter((w) => w.includes('periodsPerYear')).length, 0, 'daily: no warning');
  await daily.monitoring.shutdown();

  for (const [options, pattern] of [
    [
      { returnsIntervalSeconds: 10 },
      /returnsIntervalSeconds 10 with periodsPerYear 3153600: .*sqrt\(periodsPerYear\) = 1776/,
    ],
    [{ returnsIntervalSeconds: 10, periodsPerYear: 365 }, /returnsIntervalSeconds 10 with periodsPerYear 365: /],
    [
      { returnsIntervalSeconds: 3600, periodsPerYear: 365 },
      /periodsPerYear 365 with returnsIntervalSeconds 3600: .*unset for 8760/,
    ],
  ] as const) {
    const { monitoring, logger } = await start(options);
    const warnings = logger.warnings.filter((w) => w.includes('periodsPerYear'));
    assert.equal(warnings.length, 1, `${JSON.stringify(options)}: ${warnings.join('\n')}`);
    assert.match(warnings[0]!, pattern);
    await monitoring.shutdown();
  }
  const hourly = await start({ returnsIntervalSeconds: 3600, minReturnPeriods: 24 });
  assert.ok(hourly.logger.lines.some((l) => l.message.includes('the first values appear 25 h after')));
  assert.equal(hourly.logger.warnings.length, 0);
});

test("timeZone: the calendar PnL in the bot's zone; a restart under another zone restarts the days only", async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  // Tuesday 1 December 2026, 23:30 in New York (EST) is Wednesday 04:30 UTC.
  mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-02T12:00:00Z') });
  const stateDirectory = await mkdtemp(join(tmpdir(), 'performance-tz-'));
  const first = await start({ timeZone: 'America/New_York', stateDirectory });
  // Monday 30 November, 22:00 in New York: November there, December in UTC.
  first.monitoring.recordClosedTrade({
    symbol: 'X',
    direction: 'buy',
    pnl: 100,
    closedAt: Date.parse('2026-12-01T03:00:00Z'),
  });
  first.monitoring.recordClosedTrade({
    symbol: 'X',
    direction: 'buy',
    pnl: 40,
    closedAt: Date.parse('2026-12-02T04:30:00Z'),
  });
  first.monitoring.recordClosedTrade({
    symbol: 'X',
    direction: 'buy',
    pnl: 2,
    closedAt: Date.parse('2026-12-02T05:30:00Z'),
  });
  const exp = await scrape(first.monitoring);
  near(value(exp, 'realized_pnl_period', { period: 'today' }), 2, 'Wednesday in New York began at 05:00 UTC');
  near(value(exp, 'realized_pnl_period', { period: 'month' }), 42, 'December in New York (from 05:00 UTC on the 1st)');
  near(value(exp, 'realized_pnl_period', { period: 'week' }), 142, 'the week began on Monday 30 November');
  await first.monitoring.shutdown();
  await assert.rejects(start({ timeZone: 'Mars/Olympus_Mons' }), /timeZone/);
  const second = await start({ timeZone: 'Asia/Tokyo', stateDirectory });
  const again = await scrape(second.monitoring);
  near(value(again, 'realized_pnl_period', { period: 'week' }), 0, 'the days start over');
  near(value(again, 'realized_pnl', { symbol: 'all' }), 142, 'every other figure comes back');
});
