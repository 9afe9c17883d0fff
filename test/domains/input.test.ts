import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { INVALID_REASONS, MonitoringInputError, type InvalidReason, type MonitoringService } from '../../src/index.ts';
import { find, value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

type Call = (m: MonitoringService) => unknown;
interface Case {
  method: string;
  reason: InvalidReason;
  field: string;
  call: Call;
}

const key = { modelName: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
const signal = { symbol: 'BTC/USD', direction: 'buy' as const, confidenceLevel: 0.5, modelType: 'm' };
const trade = { symbol: 'BTC/USD', direction: 'buy' as const, success: true };
const closed = { symbol: 'BTC/USD', direction: 'sell' as const, pnl: 12.5 };
const prediction = { ...key, predicted: 'up' };
const noop = () => 1;
// Casts let the tests pass what a JavaScript caller (or a bad cast) could pass.
const any = (v: unknown) => v as never;

const CASES: Case[] = [
  {
    method: 'recordTradingSignal',
    reason: 'not_object',
    field: 'signal',
    call: (m) => m.recordTradingSignal(any(null)),
  },
  {
    method: 'recordTradingSignal',
    reason: 'missing_field',
    field: 'symbol',
    call: (m) => m.recordTradingSignal(any({ ...signal, symbol: undefined })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'wrong_type',
    field: 'symbol',
    call: (m) => m.recordTradingSignal(any({ ...signal, symbol: 42 })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'empty_string',
    field: 'symbol',
    call: (m) => m.recordTradingSignal({ ...signal, symbol: '' }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'unknown_direction',
    field: 'direction',
    call: (m) => m.recordTradingSignal(any({ ...signal, direction: 'hold' })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'missing_field',
    field: 'direction',
    call: (m) => m.recordTradingSignal(any({ ...signal, direction: undefined })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'wrong_type',
    field: 'direction',
    call: (m) => m.recordTradingSignal(any({ ...signal, direction: 1 })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'not_finite',
    field: 'confidenceLevel',
    call: (m) => m.recordTradingSignal({ ...signal, confidenceLevel: Number.NaN }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'not_finite',
    field: 'confidenceLevel',
    call: (m) => m.recordTradingSignal({ ...signal, confidenceLevel: Infinity }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'out_of_range',
    field: 'confidenceLevel',
    call: (m) => m.recordTradingSignal({ ...signal, confidenceLevel: 1.01 }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'negative',
    field: 'confidenceLevel',
    call: (m) => m.recordTradingSignal({ ...signal, confidenceLevel: -0.1 }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'wrong_type',
    field: 'confidenceLevel',
    call: (m) => m.recordTradingSignal(any({ ...signal, confidenceLevel: '0.5' })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'empty_string',
    field: 'modelType',
    call: (m) => m.recordTradingSignal({ ...signal, modelType: '' }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'too_long',
    field: 'symbol',
    call: (m) => m.recordTradingSignal({ ...signal, symbol: 'S'.repeat(257) }),
  },
  {
    method: 'recordTradingSignal',
    reason: 'unknown_field',
    field: 'model_type',
    call: (m) => m.recordTradingSignal(any({ ...signal, model_type: 'lstm' })),
  },
  {
    method: 'recordTradingSignal',
    reason: 'not_object',
    field: 'signal',
    call: (m) => m.recordTradingSignal(any(new Map(Object.entries(signal)))),
  },
  {
    method: 'recordExecutedTrade',
    reason: 'unknown_field',
    field: 'status',
    call: (m) => m.recordExecutedTrade(any({ ...trade, status: 'filled' })),
  },
  {
    method: 'recordExecutedTrade',
    reason: 'not_object',
    field: 'trade',
    call: (m) => m.recordExecutedTrade(any('BTC/USD')),
  },
  {
    method: 'recordExecutedTrade',
    reason: 'empty_string',
    field: 'symbol',
    call: (m) => m.recordExecutedTrade({ ...trade, symbol: '' }),
  },
  {
    method: 'recordExecutedTrade',
    reason: 'unknown_direction',
    field: 'direction',
    call: (m) => m.recordExecutedTrade(any({ ...trade, direction: 'flat' })),
  },
  {
    method: 'recordExecutedTrade',
    reason: 'missing_field',
    field: 'success',
    call: (m) => m.recordExecutedTrade(any({ ...trade, success: undefined })),
  },
  {
    method: 'recordExecutedTrade',
    reason: 'wrong_type',
    field: 'success',
    call: (m) => m.recordExecutedTrade(any({ ...trade, success: 'yes' })),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'not_object',
    field: 'update',
    call: (m) => m.updatePortfolioMetrics(any(undefined)),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'unknown_field',
    field: 'portfolio_value',
    call: (m) => m.updatePortfolioMetrics(any({ portfolio_value: 1 })),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'missing_field',
    field: 'portfolioValue, balance or openPositions',
    call: (m) => m.updatePortfolioMetrics({}),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'not_finite',
    field: 'portfolioValue',
    call: (m) => m.updatePortfolioMetrics({ portfolioValue: Number.NaN }),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'wrong_type',
    field: 'balance',
    call: (m) => m.updatePortfolioMetrics(any({ balance: '5000' })),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'negative',
    field: 'openPositions["BTC/USD"].buy',
    call: (m) => m.updatePortfolioMetrics({ openPositions: { 'BTC/USD': { buy: -1 } } }),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'unknown_direction',
    field: 'openPositions["BTC/USD"] key',
    call: (m) => m.updatePortfolioMetrics(any({ openPositions: { 'BTC/USD': { flat: 1 } } })),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'empty_string',
    field: 'openPositions symbol',
    call: (m) => m.updatePortfolioMetrics({ openPositions: { '': { buy: 1 } } }),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'wrong_type',
    field: 'openPositions',
    call: (m) => m.updatePortfolioMetrics(any({ openPositions: 3 })),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'wrong_type',
    field: 'openPositions["BTC/USD"]',
    call: (m) => m.updatePortfolioMetrics(any({ openPositions: { 'BTC/USD': new Map([['buy', 1]]) } })),
  },
  {
    method: 'updatePortfolioMetrics',
    reason: 'too_long',
    field: 'openPositions symbol',
    call: (m) => m.updatePortfolioMetrics({ openPositions: { ['S'.repeat(257)]: { buy: 1 } } }),
  },
  {
    method: 'updateTradingPerformance',
    reason: 'out_of_range',
    field: 'winRate',
    call: (m) => m.updateTradingPerformance({ winRate: 55 }),
  },
  {
    method: 'updateTradingPerformance',
    reason: 'negative',
    field: 'maxDrawdown',
    call: (m) => m.updateTradingPerformance({ maxDrawdown: -0.2 }),
  },
  {
    method: 'updateTradingPerformance',
    reason: 'not_finite',
    field: 'profitFactor',
    call: (m) => m.updateTradingPerformance({ profitFactor: Infinity }),
  },
  {
    method: 'updateTradingPerformance',
    reason: 'unknown_field',
    field: 'win_rate',
    call: (m) => m.updateTradingPerformance(any({ win_rate: 0.5 })),
  },
  {
    method: 'updateTradingPerformance',
    reason: 'missing_field',
    field: 'at least one figure',
    call: (m) => m.updateTradingPerformance({}),
  },
  {
    method: 'updateModelPerformance',
    reason: 'missing_field',
    field: 'timeframe',
    call: (m) => m.updateModelPerformance(any({ modelName: 'm', symbol: 's', metrics: { accuracy: 1 } })),
  },
  {
    method: 'updateModelPerformance',
    reason: 'missing_field',
    field: 'metrics',
    call: (m) => m.updateModelPerformance(any({ ...key })),
  },
  {
    method: 'updateModelPerformance',
    reason: 'unknown_field',
    field: 'metrics.f1_score',
    call: (m) => m.updateModelPerformance(any({ ...key, metrics: { f1_score: 0.5 } })),
  },
  {
    method: 'updateModelPerformance',
    reason: 'out_of_range',
    field: 'metrics.accuracy',
    call: (m) => m.updateModelPerformance({ ...key, metrics: { accuracy: 1.5 } }),
  },
  {
    method: 'updateModelPerformance',
    reason: 'negative',
    field: 'metrics.rmse',
    call: (m) => m.updateModelPerformance({ ...key, metrics: { rmse: -1 } }),
  },
  {
    method: 'updateCalibrationMetrics',
    reason: 'out_of_range',
    field: 'ece',
    call: (m) => m.updateCalibrationMetrics({ ...key, ece: 2 }),
  },
  {
    method: 'updateCalibrationMetrics',
    reason: 'not_finite',
    field: 'reliabilityBins["0.1"]',
    call: (m) => m.updateCalibrationMetrics({ ...key, reliabilityBins: { '0.1': Number.NaN } }),
  },
  {
    method: 'updateCalibrationMetrics',
    reason: 'missing_field',
    field: 'ece or reliabilityBins',
    call: (m) => m.updateCalibrationMetrics({ ...key }),
  },
  {
    method: 'updateOnlineLearningMetrics',
    reason: 'negative',
    field: 'memorySize',
    call: (m) => m.updateOnlineLearningMetrics({ ...key, memorySize: -5 }),
  },
  {
    method: 'updateOnlineLearningMetrics',
    reason: 'wrong_type',
    field: 'symbol',
    call: (m) => m.updateOnlineLearningMetrics(any({ ...key, symbol: ['BTC'], loss: 1 })),
  },
  {
    method: 'updateOnlineLearningMetrics',
    reason: 'unknown_field',
    field: 'drift',
    call: (m) => m.updateOnlineLearningMetrics(any({ ...key, drift: 1 })),
  },
  { method: 'recordClosedTrade', reason: 'not_object', field: 'trade', call: (m) => m.recordClosedTrade(any(12.5)) },
  {
    method: 'recordClosedTrade',
    reason: 'unknown_field',
    field: 'profit',
    call: (m) => m.recordClosedTrade(any({ ...closed, profit: 1 })),
  },
  {
    method: 'recordClosedTrade',
    reason: 'reserved_value',
    field: 'symbol',
    call: (m) => m.recordClosedTrade({ ...closed, symbol: 'all' }),
  },
  {
    method: 'recordClosedTrade',
    reason: 'out_of_range',
    field: 'pnl',
    call: (m) => m.recordClosedTrade({ ...closed, pnl: 1e308 }),
  },
  {
    method: 'recordClosedTrade',
    reason: 'empty_string',
    field: 'symbol',
    call: (m) => m.recordClosedTrade({ ...closed, symbol: '' }),
  },
  {
    method: 'recordClosedTrade',
    reason: 'unknown_direction',
    field: 'direction',
    call: (m) => m.recordClosedTrade(any({ ...closed, direction: 'neutral' })),
  },
  {
    method: 'recordClosedTrade',
    reason: 'missing_field',
    field: 'pnl',
    call: (m) => m.recordClosedTrade(any({ ...closed, pnl: undefined })),
  },
  {
    method: 'recordClosedTrade',
    reason: 'not_finite',
    field: 'pnl',
    call: (m) => m.recordClosedTrade({ ...closed, pnl: Number.NaN }),
  },
  {
    // A negative fee is a rebate; beyond -1e15 it is out of range.
    method: 'recordClosedTrade',
    reason: 'out_of_range',
    field: 'fees',
    call: (m) => m.recordClosedTrade({ ...closed, fees: -2e15 }),
  },
  {
    method: 'recordClosedTrade',
    reason: 'negative',
    field: 'quantity',
    call: (m) => m.recordClosedTrade({ ...closed, quantity: -3 }),
  },
  {
    method: 'recordClosedTrade',
    reason: 'wrong_type',
    field: 'openedAt',
    call: (m) => m.recordClosedTrade(any({ ...closed, openedAt: '2026-11-26' })),
  },
  {
    method: 'recordClosedTrade',
    reason: 'out_of_range',
    field: 'openedAt',
    call: (m) => m.recordClosedTrade({ ...closed, openedAt: 2_000, closedAt: 1_000 }),
  },
  { method: 'heartbeat', reason: 'empty_string', field: 'loop', call: (m) => m.heartbeat('') },
  { method: 'heartbeat', reason: 'wrong_type', field: 'loop', call: (m) => m.heartbeat(any(3)) },
  { method: 'recordPrediction', reason: 'not_object', field: 'update', call: (m) => m.recordPrediction(any(null)) },
  {
    method: 'recordPrediction',
    reason: 'missing_field',
    field: 'predicted',
    call: (m) => m.recordPrediction(any({ ...key })),
  },
  {
    method: 'recordPrediction',
    reason: 'empty_string',
    field: 'predicted',
    call: (m) => m.recordPrediction({ ...key, predicted: '' }),
  },
  {
    method: 'recordPrediction',
    reason: 'not_finite',
    field: 'predicted',
    call: (m) => m.recordPrediction({ ...key, predicted: Infinity }),
  },
  {
    method: 'recordPrediction',
    reason: 'out_of_range',
    field: 'probability',
    call: (m) => m.recordPrediction({ ...prediction, probability: 1.2 }),
  },
  {
    method: 'recordPrediction',
    reason: 'unknown_field',
    field: 'confidence',
    call: (m) => m.recordPrediction(any({ ...prediction, confidence: 0.5 })),
  },
  {
    method: 'recordPrediction',
    reason: 'wrong_type',
    field: 'actual',
    call: (m) => m.recordPrediction(any({ ...prediction, actual: 1 })),
  },
  {
    method: 'recordPrediction',
    reason: 'wrong_type',
    field: 'predictionId',
    call: (m) => m.recordPrediction(any({ ...prediction, predictionId: {} })),
  },
  {
    method: 'recordOutcome',
    reason: 'missing_field',
    field: 'predictionId',
    call: (m) => m.recordOutcome(any({ ...key, actual: 'up' })),
  },
  {
    method: 'recordOutcome',
    reason: 'empty_string',
    field: 'actual',
    call: (m) => m.recordOutcome({ ...key, predictionId: 'p', actual: '' }),
  },
  {
    method: 'recordOutcome',
    reason: 'empty_string',
    field: 'modelName',
    call: (m) => m.recordOutcome({ ...key, modelName: '', predictionId: 'p', actual: 'up' }),
  },
  {
    method: 'recordLearningStep',
    reason: 'not_finite',
    field: 'loss',
    call: (m) => m.recordLearningStep({ ...key, loss: Number.NaN }),
  },
  {
    method: 'recordLearningStep',
    reason: 'negative',
    field: 'memorySize',
    call: (m) => m.recordLearningStep({ ...key, loss: 0.1, memorySize: -1 }),
  },
  {
    method: 'recordFeature',
    reason: 'missing_field',
    field: 'feature',
    call: (m) => m.recordFeature(any({ modelName: 'lstm', value: 1 })),
  },
  {
    method: 'recordFeature',
    reason: 'wrong_type',
    field: 'value',
    call: (m) => m.recordFeature(any({ modelName: 'lstm', feature: 'rsi', value: '1' })),
  },
  {
    method: 'recordFeature',
    reason: 'unknown_field',
    field: 'name',
    call: (m) => m.recordFeature(any({ modelName: 'lstm', feature: 'rsi', value: 1, name: 'x' })),
  },
  {
    method: 'trackApiRequest',
    reason: 'empty_string',
    field: 'endpoint',
    call: (m) => m.trackApiRequest('', 'GET', noop),
  },
  {
    method: 'trackApiRequest',
    reason: 'wrong_type',
    field: 'method',
    call: (m) => m.trackApiRequest('/x', any(7), noop),
  },
  {
    method: 'trackApiRequest',
    reason: 'wrong_type',
    field: 'fn',
    call: (m) => m.trackApiRequest('/x', 'GET', any('not a function')),
  },
  {
    method: 'setApiQuotaRemaining',
    reason: 'negative',
    field: 'remaining',
    call: (m) => m.setApiQuotaRemaining({ api: 'binance', remaining: -1 }),
  },
  {
    method: 'setApiQuotaRemaining',
    reason: 'missing_field',
    field: 'api',
    call: (m) => m.setApiQuotaRemaining(any({ remaining: 5 })),
  },
  {
    method: 'setApiQuotaRemaining',
    reason: 'unknown_field',
    field: 'limit',
    call: (m) => m.setApiQuotaRemaining(any({ api: 'binance', remaining: 5, limit: 10 })),
  },
  { method: 'trackDbQuery', reason: 'empty_string', field: 'operation', call: (m) => m.trackDbQuery('', noop) },
  {
    method: 'trackDbQuery',
    reason: 'missing_field',
    field: 'fn',
    call: (m) => m.trackDbQuery('select', any(undefined)),
  },
  {
    method: 'updateDbPool',
    reason: 'negative',
    field: 'active',
    call: (m) => m.updateDbPool({ pool: 'main', active: -2 }),
  },
  {
    method: 'updateDbPool',
    reason: 'missing_field',
    field: 'size, active or waiting',
    call: (m) => m.updateDbPool({ pool: 'main' }),
  },
  {
    method: 'updateDbPool',
    reason: 'unknown_field',
    field: 'max',
    call: (m) => m.updateDbPool(any({ pool: 'main', max: 3 })),
  },
  {
    method: 'updateDbPool',
    reason: 'not_object',
    field: 'update',
    call: (m) => m.updateDbPool(any(new Map([['size', 5]]))),
  },
];

test('every invalid-input reason is exercised by at least one case', () => {
  // internal_error has its own test below; too_many needs a table filled first (test/domains/predictions.test.ts);
  // after_shutdown needs a shutdown (test/export/service-snapshots.test.ts).
  assert.deepEqual(
    new Set([...CASES.map((c) => c.reason), 'internal_error', 'too_many', 'after_shutdown']),
    new Set(INVALID_REASONS),
  );
});

test('invalid input is dropped, counted per method and reason, and warned about once', async () => {
  const started = await start();
  const { monitoring } = started;
  for (const c of CASES) {
    assert.doesNotThrow(() => c.call(monitoring), `${c.method} ${c.reason} must not throw`);
    assert.doesNotThrow(() => c.call(monitoring));
  }
  const exp = await scrape(monitoring);
  const expected = new Map<string, number>();
  for (const c of CASES) expected.set(`${c.method} ${c.reason}`, (expected.get(`${c.method} ${c.reason}`) ?? 0) + 2);
  for (const [k, n] of expected) {
    const [method, reason] = k.split(' ') as [string, string];
    assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method, reason }), n, k);
  }
  assert.equal(find(exp, 'monitoring_invalid_inputs_total').length, expected.size);
  assert.equal(started.logger.warnings.length, expected.size, 'one warning per (method, reason)');
  for (const w of started.logger.warnings) assert.match(w, /call dropped/);

  // Nothing from the bad calls was recorded.
  await monitoring.flushModelMetrics();
  for (const name of [
    'trading_signals_total',
    'executed_trades_total',
    'portfolio_value',
    'balance',
    'open_positions',
    'win_rate',
    'model_accuracy',
    'calibration_error',
    'memory_buffer_size',
    'api_quota_remaining',
    'db_connections_active',
    'api_requests_total',
    'db_operations_total',
    'trades_closed_total',
    'trade_duration_seconds_count',
    'bot_heartbeat_timestamp_seconds',
    'model_predictions_total',
    'model_outcomes_total',
    'model_outcome_join_failures_total',
    'online_learning_loss',
    'model_drift_score',
  ]) {
    assert.equal(find(exp, name).length, 0, `${name} must have no sample`);
  }
});

test('a tracked call with bad labels still runs fn and returns its value', async () => {
  const { monitoring } = await start();
  assert.equal(
    monitoring.trackApiRequest('', 'GET', () => 42),
    42,
  );
  assert.equal(await monitoring.trackDbQuery('', async () => 'rows'), 'rows');
});

test('strict mode throws a MonitoringInputError naming method, reason and field, and records nothing', async () => {
  const { monitoring } = await start({ strict: true });
  for (const c of CASES) {
    assert.throws(
      () => c.call(monitoring),
      (e: unknown) => {
        assert.ok(e instanceof MonitoringInputError, `${c.method} ${c.reason}: ${String(e)}`);
        assert.equal(e.method, c.method);
        assert.equal(e.reason, c.reason);
        assert.equal(e.field, c.field);
        assert.match(e.message, new RegExp(`^${c.method}: `));
        return true;
      },
    );
  }
  const exp = await scrape(monitoring);
  assert.equal(find(exp, 'monitoring_invalid_inputs_total').length, 0);
});

test('valid edge values are accepted: confidence 0 and 1, zero positions, negative balance, any capitalisation', async () => {
  const { monitoring } = await start({ strict: true });
  monitoring.recordTradingSignal({ symbol: 'X', direction: 'SELL', confidenceLevel: 0 });
  monitoring.recordTradingSignal({ symbol: 'X', direction: 'sell', confidenceLevel: 1 });
  monitoring.updatePortfolioMetrics(
    any({ portfolioValue: 0, balance: -150.5, openPositions: { X: { buy: 0, SELL: 2 } } }),
  );
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'trading_signals_total', { symbol: 'X', direction: 'sell' }), 2);
  assert.equal(value(exp, 'balance'), -150.5);
  assert.equal(value(exp, 'open_positions', { symbol: 'X', direction: 'sell' }), 2);
});

test('an input that throws while being read is dropped as internal_error, logged once, and never reaches the bot', async () => {
  const started = await start();
  const { monitoring } = started;
  const hostile = Object.defineProperty({ direction: 'buy', confidenceLevel: 0.5 }, 'symbol', {
    get() {
      throw new Error('boom');
    },
    enumerable: true,
  });
  assert.doesNotThrow(() => monitoring.recordTradingSignal(any(hostile)));
  assert.doesNotThrow(() => monitoring.recordTradingSignal(any(hostile)));
  const response = Object.defineProperty({}, 'status', {
    get() {
      throw new Error('getter');
    },
  });
  assert.equal(
    monitoring.trackApiRequest('/x', 'GET', () => response),
    response,
    "fn's value comes back even when reading its status throws",
  );
  const exp = await scrape(monitoring);
  assert.equal(
    value(exp, 'monitoring_invalid_inputs_total', { method: 'recordTradingSignal', reason: 'internal_error' }),
    2,
  );
  assert.equal(
    value(exp, 'monitoring_invalid_inputs_total', { method: 'trackApiRequest', reason: 'internal_error' }),
    1,
  );
  assert.equal(started.logger.lines.filter((l) => l.level === 'error').length, 2);
});

test('in strict mode an input that throws while being read re-throws its own error', async () => {
  const { monitoring } = await start({ strict: true });
  const boom = new Error('boom');
  const hostile = Object.defineProperty({}, 'symbol', {
    get() {
      throw boom;
    },
    enumerable: true,
  });
  assert.throws(
    () => monitoring.recordTradingSignal(any(hostile)),
    (e) => e === boom,
  );
});
