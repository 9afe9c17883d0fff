// The public types reject what run time rejects. Each bad value below is defined once and used
// twice: by the compiler, in `compileTimeRejections` (never called; `npx tsc -p tsconfig.json`
// fails if a line marked @ts-expect-error compiles), and at run time, cast through `unknown`, on a
// strict service that must throw a MonitoringInputError for it. Values the types cannot express
// (NaN, '', a probability of 1.5, an outcome of the other kind than its model's predictions) are
// run-time checks only and are covered in test/domains/input.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  initEnhancedMonitoring,
  MonitoringInputError,
  type ApiQuota,
  type ClassifierPrediction,
  type ClosedTrade,
  type DirectionInput,
  type ExecutedTrade,
  type FeatureValue,
  type HttpMethod,
  type InvalidReason,
  type LearningStep,
  type MonitoringService,
  type Outcome,
  type Prediction,
  type RegressorPrediction,
  type TradingSignal,
} from '../../src/index.ts';
import { find, parseExposition, value, type Exposition } from '../helpers/exposition.ts';

const key = { modelName: 'types-test', timeframe: '1h', symbol: 'BTC/USD' } as const;

/** Inputs run time rejects; `as const` keeps their literal types, so the compiler judges exactly these values. */
const bad = {
  signalFlat: { symbol: 'BTC/USD', direction: 'flat', confidenceLevel: 0.5 },
  signalHold: { symbol: 'BTC/USD', direction: 'hold', confidenceLevel: 0.5 },
  signal42: { symbol: 'BTC/USD', direction: 42, confidenceLevel: 0.5 },
  signalNoConfidence: { symbol: 'BTC/USD', direction: 'buy' },
  tradeHold: { symbol: 'BTC/USD', direction: 'hold', success: true },
  tradeNoSuccess: { symbol: 'BTC/USD', direction: 'sell' },
  closedNeutral: { symbol: 'BTC/USD', direction: 'neutral', pnl: 1 },
  closed42: { symbol: 'BTC/USD', direction: 42, pnl: 1 },
  closedNoPnl: { symbol: 'BTC/USD', direction: 'buy' },
  regressorWithProbability: { ...key, predicted: 101.5, probability: 0.8 },
  regressorWithPositiveClass: { ...key, predicted: 101.5, positiveClass: 'up' },
  regressorWithClassActual: { ...key, predicted: 101.5, actual: 'up' },
  classifierWithNumericActual: { ...key, predicted: 'up', actual: 1 },
  predictedBoolean: { ...key, predicted: true },
  predictionNoPredicted: { ...key, actual: 'up' },
  outcomeNoId: { ...key, actual: 'up' },
  outcomeBooleanActual: { ...key, predictionId: 'p1', actual: true },
  stepNoLoss: { ...key, memorySize: 10 },
  featureNoValue: { modelName: 'types-test', feature: 'rsi' },
  quotaNoRemaining: { api: 'binance' },
  method: 'FETCH',
} as const;

/** Type-checked, never run: every call must fail to compile. */
function compileTimeRejections(m: MonitoringService): void {
  // @ts-expect-error 'FETCH' is not a standard HTTP method
  m.trackApiRequest('/x', bad.method, () => 1);
  // @ts-expect-error 'flat' is not a direction
  m.recordTradingSignal(bad.signalFlat);
  // @ts-expect-error 'hold' is not a direction
  m.recordTradingSignal(bad.signalHold);
  // @ts-expect-error a direction is a string
  m.recordTradingSignal(bad.signal42);
  // @ts-expect-error confidenceLevel is required
  m.recordTradingSignal(bad.signalNoConfidence);
  // @ts-expect-error 'hold' is not a direction
  m.recordExecutedTrade(bad.tradeHold);
  // @ts-expect-error success is required
  m.recordExecutedTrade(bad.tradeNoSuccess);
  // @ts-expect-error 'neutral' is not a direction
  m.recordClosedTrade(bad.closedNeutral);
  // @ts-expect-error a direction is a string
  m.recordClosedTrade(bad.closed42);
  // @ts-expect-error pnl is required
  m.recordClosedTrade(bad.closedNoPnl);
  // @ts-expect-error profit is not a field of ClosedTrade (excess property check of a literal)
  m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 1, profit: 1 });
  // @ts-expect-error a regression prediction has no probability
  m.recordPrediction(bad.regressorWithProbability);
  // @ts-expect-error a regression prediction has no positive class
  m.recordPrediction(bad.regressorWithPositiveClass);
  // @ts-expect-error the truth of a regression prediction is a number
  m.recordPrediction(bad.regressorWithClassActual);
  // @ts-expect-error the truth of a classification is a class
  m.recordPrediction(bad.classifierWithNumericActual);
  // @ts-expect-error predicted is a class or a number
  m.recordPrediction(bad.predictedBoolean);
  // @ts-expect-error predicted is required
  m.recordPrediction(bad.predictionNoPredicted);
  // @ts-expect-error predictionId is required
  m.recordOutcome(bad.outcomeNoId);
  // @ts-expect-error actual is a class or a number
  m.recordOutcome(bad.outcomeBooleanActual);
  // @ts-expect-error loss is required
  m.recordLearningStep(bad.stepNoLoss);
  // @ts-expect-error value is required
  m.recordFeature(bad.featureNoValue);
  // @ts-expect-error remaining is required
  m.setApiQuotaRemaining(bad.quotaNoRemaining);
  // @ts-expect-error 'hold' is not a side
  m.recordOrder({ orderId: 1, symbol: 'X', side: 'hold', type: 'market', quantity: 1 });
  // @ts-expect-error 'done' is not an order status
  m.recordOrderUpdate({ orderId: 1, status: 'done' });
  // @ts-expect-error liquidity is maker or taker
  m.recordFill({ orderId: 1, price: 1, quantity: 1, liquidity: 'both' });
  // @ts-expect-error a position needs its mark price
  m.updatePositions({ positions: [{ symbol: 'X', quantity: -1, entryPrice: 1 }] });
  // @ts-expect-error 'FETCH' is not a standard HTTP method
  const method: HttpMethod = bad.method;
  // The same for the union types on their own.
  // @ts-expect-error 'flat' is not a DirectionInput
  const direction: DirectionInput = bad.signalFlat.direction;
  // @ts-expect-error a regressor takes no probability
  const regressor: RegressorPrediction = bad.regressorWithProbability;
  // @ts-expect-error a classifier's actual is a class, not a number
  const classifier: ClassifierPrediction = bad.classifierWithNumericActual;
  void [method, direction, regressor, classifier];
}
void compileTimeRejections;

/** Type-checked, never run: the aliases and the new methods' inputs compile as documented. */
function compileTimeAcceptance(m: MonitoringService): void {
  m.recordTradingSignal({ symbol: 'X', direction: 'long', confidenceLevel: 0.5, strategy: 'trend' });
  m.recordExecutedTrade({ symbol: 'X', direction: 'Short', success: true, strategy: 'trend' });
  m.recordClosedTrade({ symbol: 'X', direction: 'SHORT', pnl: 1, fees: -0.1, strategy: 'trend' });
  m.recordOrder({ orderId: 'a', symbol: 'X', side: 'long', type: 'stop_limit', quantity: 1, signalTime: new Date() });
  m.recordOrderUpdate({ orderId: 'a', status: 'rejected', reason: 'insufficient balance' });
  m.recordFill({ orderId: 'a', price: 1, quantity: 1, fee: -0.01, feeAsset: 'USDT', liquidity: 'maker' });
  m.updatePositions({ positions: new Set([{ symbol: 'X', quantity: -1, entryPrice: 1, markPrice: 2 }]) });
  m.updateBalances({ balances: [{ venue: 'v', asset: 'USDT', free: 1 }] });
}
void compileTimeAcceptance;

type Rejection = [
  name: keyof typeof bad | 'closedUnknownField',
  reason: InvalidReason,
  field: string,
  call: (m: MonitoringService) => void,
];
const rejections: Rejection[] = [
  [
    'signalFlat',
    'unknown_direction',
    'direction',
    (m) => m.recordTradingSignal(bad.signalFlat as unknown as TradingSignal),
  ],
  [
    'signalHold',
    'unknown_direction',
    'direction',
    (m) => m.recordTradingSignal(bad.signalHold as unknown as TradingSignal),
  ],
  ['signal42', 'wrong_type', 'direction', (m) => m.recordTradingSignal(bad.signal42 as unknown as TradingSignal)],
  [
    'signalNoConfidence',
    'missing_field',
    'confidenceLevel',
    (m) => m.recordTradingSignal(bad.signalNoConfidence as unknown as TradingSignal),
  ],
  [
    'tradeHold',
    'unknown_direction',
    'direction',
    (m) => m.recordExecutedTrade(bad.tradeHold as unknown as ExecutedTrade),
  ],
  [
    'tradeNoSuccess',
    'missing_field',
    'success',
    (m) => m.recordExecutedTrade(bad.tradeNoSuccess as unknown as ExecutedTrade),
  ],
  [
    'closedNeutral',
    'unknown_direction',
    'direction',
    (m) => m.recordClosedTrade(bad.closedNeutral as unknown as ClosedTrade),
  ],
  ['closed42', 'wrong_type', 'direction', (m) => m.recordClosedTrade(bad.closed42 as unknown as ClosedTrade)],
  ['closedNoPnl', 'missing_field', 'pnl', (m) => m.recordClosedTrade(bad.closedNoPnl as unknown as ClosedTrade)],
  [
    'closedUnknownField',
    'unknown_field',
    'profit',
    (m) => m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 1, profit: 1 } as unknown as ClosedTrade),
  ],
  [
    'regressorWithProbability',
    'wrong_type',
    'probability (a regression prediction has none)',
    (m) => m.recordPrediction(bad.regressorWithProbability as unknown as Prediction),
  ],
  [
    'regressorWithPositiveClass',
    'wrong_type',
    'positiveClass (a regression prediction has none)',
    (m) => m.recordPrediction(bad.regressorWithPositiveClass as unknown as Prediction),
  ],
  [
    'regressorWithClassActual',
    'wrong_type',
    'actual',
    (m) => m.recordPrediction(bad.regressorWithClassActual as unknown as Prediction),
  ],
  [
    'classifierWithNumericActual',
    'wrong_type',
    'actual',
    (m) => m.recordPrediction(bad.classifierWithNumericActual as unknown as Prediction),
  ],
  [
    'predictedBoolean',
    'wrong_type',
    'predicted',
    (m) => m.recordPrediction(bad.predictedBoolean as unknown as Prediction),
  ],
  [
    'predictionNoPredicted',
    'missing_field',
    'predicted',
    (m) => m.recordPrediction(bad.predictionNoPredicted as unknown as Prediction),
  ],
  ['outcomeNoId', 'missing_field', 'predictionId', (m) => m.recordOutcome(bad.outcomeNoId as unknown as Outcome)],
  [
    'outcomeBooleanActual',
    'wrong_type',
    'actual',
    (m) => m.recordOutcome(bad.outcomeBooleanActual as unknown as Outcome),
  ],
  ['stepNoLoss', 'missing_field', 'loss', (m) => m.recordLearningStep(bad.stepNoLoss as unknown as LearningStep)],
  ['featureNoValue', 'missing_field', 'value', (m) => m.recordFeature(bad.featureNoValue as unknown as FeatureValue)],
  [
    'quotaNoRemaining',
    'missing_field',
    'remaining',
    (m) => m.setApiQuotaRemaining(bad.quotaNoRemaining as unknown as ApiQuota),
  ],
];

let monitoring: MonitoringService;
before(async () => {
  monitoring = await initEnhancedMonitoring({ port: false, strict: true, systemMetrics: false, dashboard: false });
});
after(() => monitoring.shutdown());

async function scrape(): Promise<Exposition> {
  return parseExposition(await monitoring.metricsText());
}

test('every value the types reject, a strict service rejects with a MonitoringInputError', () => {
  const covered = new Set(rejections.map(([name]) => name));
  for (const name of Object.keys(bad))
    if (name !== 'method') assert.ok(covered.has(name as keyof typeof bad), `${name} is checked at run time too`);
  for (const [name, reason, field, call] of rejections) {
    assert.throws(
      () => call(monitoring),
      (error: unknown) => {
        assert.ok(error instanceof MonitoringInputError, `${name}: ${String(error)}`);
        assert.equal(error.reason, reason, name);
        assert.equal(error.field, field, name);
        return true;
      },
      name,
    );
  }
});

test('an HTTP method the types reject is recorded as _OTHER, not thrown, even in strict mode', async () => {
  const result = monitoring.trackApiRequest('/types/method', bad.method as unknown as HttpMethod, () => ({
    status: 200,
  }));
  assert.deepEqual(result, { status: 200 });
  const exp = await scrape();
  assert.deepEqual(
    find(exp, 'api_requests_total', { endpoint: '/types/method' }).map((s) => s.labels['method']),
    ['_OTHER'],
  );
});

test('what the types accept, a strict service records', async () => {
  const buy: DirectionInput = 'BUY';
  const sell: DirectionInput = 'Sell';
  monitoring.recordTradingSignal({ symbol: 'ETH/USD', direction: buy, confidenceLevel: 0.7, modelType: 'types' });
  monitoring.recordTradingSignal({ symbol: 'ETH/USD', direction: 'buy', confidenceLevel: 0.6, modelType: 'types' });
  monitoring.recordExecutedTrade({ symbol: 'ETH/USD', direction: sell, success: true });
  monitoring.recordClosedTrade({ symbol: 'ETH/USD', direction: 'SELL', pnl: -2, fees: 0.1 });
  const classifier: ClassifierPrediction = {
    ...key,
    predictionId: 'c1',
    predicted: 'up',
    probability: 0.8,
    positiveClass: 'up',
  };
  const regressor: RegressorPrediction = { ...key, modelName: 'types-regressor', predicted: 101.5, actual: 100 };
  const predictions: Prediction[] = [classifier, regressor, { ...key, predicted: 'down', actual: 'down' }];
  for (const p of predictions) monitoring.recordPrediction(p);
  monitoring.recordOutcome({ ...key, predictionId: 'c1', actual: 'down' });
  monitoring.recordLearningStep({ ...key, loss: 0.25 });
  monitoring.recordFeature({ modelName: 'types-test', feature: 'rsi', value: 55 });
  const get: HttpMethod = 'get';
  monitoring.trackApiRequest('/types/ok', get, () => ({ status: 200 }));
  monitoring.trackApiRequest('/types/ok', 'POST', () => ({ status: 201 }));
  const exp = await scrape();
  assert.equal(
    value(exp, 'trading_signals_total', { symbol: 'ETH/USD', direction: 'buy', model_type: 'types' }),
    2,
    "'BUY' and 'buy' are one series",
  );
  assert.equal(value(exp, 'executed_trades_total', { symbol: 'ETH/USD', direction: 'sell', status: 'success' }), 1);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'ETH/USD', direction: 'sell', outcome: 'loss' }), 1);
  assert.equal(value(exp, 'model_predictions_total', { model_name: 'types-test', timeframe: '1h' }), 2);
  assert.equal(value(exp, 'model_outcomes_total', { model_name: 'types-test', result: 'correct' }), 1);
  assert.equal(value(exp, 'model_outcomes_total', { model_name: 'types-test', result: 'incorrect' }), 1);
  assert.equal(value(exp, 'model_outcomes_total', { model_name: 'types-regressor', result: 'scored' }), 1);
  assert.deepEqual(
    find(exp, 'api_requests_total', { endpoint: '/types/ok' })
      .map((s) => `${s.labels['method']} ${s.labels['status_code']}`)
      .sort(),
    ['GET 200', 'POST 201'],
  );
});

test('the types are narrower than run time by design in one respect: other capitalisations', async () => {
  // @ts-expect-error DirectionInput lists lower, upper and capitalised; run time takes any capitalisation
  const mixed: DirectionInput = 'bUy';
  // @ts-expect-error HttpMethod lists upper and lower case; run time takes any capitalisation
  const get: HttpMethod = 'Get';
  monitoring.recordTradingSignal({ symbol: 'SOL/USD', direction: mixed, confidenceLevel: 0.5 });
  monitoring.trackApiRequest('/types/mixed', get, () => ({ status: 200 }));
  const exp = await scrape();
  assert.equal(value(exp, 'trading_signals_total', { symbol: 'SOL/USD', direction: 'buy' }), 1);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/types/mixed', method: 'GET' }), 1);
});
