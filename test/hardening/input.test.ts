/**
 * The audit's reproductions of bad input that used to slip through: containers of the wrong kind
 * read as empty, unknown fields ignored, extreme values overflowing into ±Inf, a real symbol
 * named like an aggregate, unbounded label values, exotic errors and values thrown into the bot,
 * and getters read twice. Each is rejected with its reason (or recorded once, correctly), and the
 * scrape stays promtool-clean.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { afterEach, test, type TestContext } from 'node:test';
import { MonitoringInputError, type MonitoringService } from '../../src/index.ts';
import { MAX_AMOUNT, MAX_LABEL_LENGTH } from '../../src/domains/input.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { find, parseExposition, value, type Exposition } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

// Casts let the tests pass what a JavaScript caller (or a bad cast) could pass.
const any = (v: unknown) => v as never;
const key = { modelName: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
const keyLabels = { model_name: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };

const invalid = (exp: Exposition, method: string, reason: string) =>
  find(exp, 'monitoring_invalid_inputs_total', { method, reason }).reduce((n, s) => n + s.value, 0);

/** The exposition, after checking it with promtool (when installed) and that every sample value is a finite number. */
async function cleanScrape(t: TestContext, monitoring: MonitoringService): Promise<Exposition> {
  const text = await monitoring.metricsText();
  if (requireBinary(t, 'promtool')) {
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(out.trim(), '', `promtool check metrics: ${out}`);
  }
  const exp = parseExposition(text);
  for (const s of exp.samples)
    assert.ok(Number.isFinite(s.value), `${s.name}${JSON.stringify(s.labels)} is ${s.value}, not a finite number`);
  return exp;
}

/** A plain object whose `field` reads `first` once, then `later` on every further read; `reads()` counts them. */
function changing<T extends object>(base: T, field: string, first: unknown, later: unknown) {
  let reads = 0;
  const object = Object.defineProperty({ ...base }, field, {
    get() {
      reads++;
      return reads === 1 ? first : later;
    },
    enumerable: true,
  });
  return { object, reads: () => reads };
}

// ---- Item 3: only plain objects are records; unknown fields are rejected -----------------------

const CONTAINERS: [string, () => unknown][] = [
  ['a Map', () => new Map([['BTC/USD', { buy: 1 }]])],
  ['a Date', () => new Date()],
  ['an array', () => [{ buy: 1 }]],
  ['a boxed number', () => new Number(1)],
];

test('openPositions given as a Map, Date, array or boxed value is wrong_type, counted and warned once, and changes nothing', async () => {
  const { monitoring, logger } = await start();
  monitoring.updatePortfolioMetrics({ openPositions: { 'BTC/USD': { buy: 2, sell: 1 } } });
  for (const [, make] of CONTAINERS) monitoring.updatePortfolioMetrics(any({ openPositions: make() }));
  // The same for the sides of one symbol.
  for (const [, make] of CONTAINERS) monitoring.updatePortfolioMetrics(any({ openPositions: { 'BTC/USD': make() } }));
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'updatePortfolioMetrics', 'wrong_type'), 2 * CONTAINERS.length);
  assert.equal(logger.warnings.filter((w) => w.startsWith('updatePortfolioMetrics:')).length, 1);
  assert.equal(value(exp, 'open_positions', { symbol: 'BTC/USD', direction: 'buy' }), 2, 'the last good update stands');
  assert.equal(value(exp, 'open_positions', { symbol: 'BTC/USD', direction: 'sell' }), 1);
});

test('reliabilityBins and model metrics of the wrong container type are wrong_type', async () => {
  const { monitoring } = await start();
  for (const [, make] of CONTAINERS) {
    monitoring.updateCalibrationMetrics(any({ ...key, reliabilityBins: make() }));
    monitoring.updateModelPerformance(any({ ...key, metrics: make() }));
  }
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'updateCalibrationMetrics', 'wrong_type'), CONTAINERS.length);
  assert.equal(invalid(exp, 'updateModelPerformance', 'wrong_type'), CONTAINERS.length);
  assert.equal(find(exp, 'calibration_reliability').length, 0);
});

test('a top-level argument that is not a plain object is not_object, naming what it got', async () => {
  const { monitoring, logger } = await start();
  monitoring.updateDbPool(any(new Map([['size', 5]])));
  for (const [, make] of CONTAINERS) monitoring.recordTradingSignal(any(make()));
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'updateDbPool', 'not_object'), 1);
  assert.equal(find(exp, 'db_connection_pool_size').length, 0, 'the pool size is not set to 0');
  assert.equal(invalid(exp, 'recordTradingSignal', 'not_object'), CONTAINERS.length);
  assert.match(logger.warnings.find((w) => w.startsWith('updateDbPool:')) ?? '', /Map/);
});

test('null-prototype objects and JSON.parse output are records', async () => {
  const { monitoring } = await start({ strict: true });
  const signal = Object.assign(Object.create(null) as object, { symbol: 'X', direction: 'buy', confidenceLevel: 0.5 });
  monitoring.recordTradingSignal(any(signal));
  monitoring.updatePortfolioMetrics(JSON.parse('{"openPositions":{"X":{"buy":3}}}') as never);
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'trading_signals_total', { symbol: 'X' }), 1);
  assert.equal(value(exp, 'open_positions', { symbol: 'X', direction: 'buy' }), 3);
});

test('a JSON "__proto__" key is an unknown field of a record, and an ordinary key of a map of caller-chosen keys', async () => {
  const { monitoring } = await start();
  monitoring.updateDbPool(JSON.parse('{"size": 3, "__proto__": {"pool": "x"}}') as never);
  monitoring.updateCalibrationMetrics({ ...key, reliabilityBins: JSON.parse('{"__proto__": 0.5}') as never });
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'updateDbPool', 'unknown_field'), 1);
  assert.equal(value(exp, 'calibration_reliability', { bin: '__proto__' }), 0.5);
  assert.equal(({} as Record<string, unknown>)['pool'], undefined, 'nothing polluted');
});

test('restoreHistory reads any iterable once, and rejects a string or a non-iterable as wrong_type', async () => {
  const { monitoring } = await start();
  const T0 = 1_700_000_000_000;
  function* trades() {
    yield { symbol: 'X', direction: 'buy' as const, pnl: 1, closedAt: T0 };
    yield { symbol: 'X', direction: 'buy' as const, pnl: 2, closedAt: T0 + 1 };
  }
  const result = monitoring.restoreHistory({ closedTrades: trades(), equity: new Set([{ time: T0, value: 10 }]) });
  assert.deepEqual([result.trades, result.equity], [2, 1]);
  monitoring.restoreHistory(any({ closedTrades: 'trades' }));
  monitoring.restoreHistory(any({ equity: { time: T0, value: 1 } }));
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'restoreHistory', 'wrong_type'), 2);
  assert.equal(value(exp, 'realized_pnl', { symbol: 'X' }), 3);
});

test('a Python-style model_type, and any other unknown field, is unknown_field in every method', async () => {
  const { monitoring } = await start({ strict: true });
  const cases: [string, string, (m: MonitoringService) => void][] = [
    [
      'recordTradingSignal',
      'model_type',
      (m) => m.recordTradingSignal(any({ symbol: 'X', direction: 'buy', confidenceLevel: 0.5, model_type: 'lstm' })),
    ],
    [
      'recordExecutedTrade',
      'status',
      (m) => m.recordExecutedTrade(any({ symbol: 'X', direction: 'buy', success: true, status: 'ok' })),
    ],
    ['setApiQuotaRemaining', 'limit', (m) => m.setApiQuotaRemaining(any({ api: 'binance', remaining: 5, limit: 9 }))],
    ['updateDbPool', 'max', (m) => m.updateDbPool(any({ size: 5, max: 9 }))],
    ['updateModelPerformance', 'f1', (m) => m.updateModelPerformance(any({ ...key, metrics: { accuracy: 1 }, f1: 1 }))],
    ['updateCalibrationMetrics', 'bins', (m) => m.updateCalibrationMetrics(any({ ...key, ece: 0.1, bins: {} }))],
    ['restoreHistory', 'closed_trades', (m) => m.restoreHistory(any({ closed_trades: [] }))],
    [
      'restoreHistory',
      'equity[].price',
      (m) => m.restoreHistory(any({ equity: [{ time: 1_700_000_000_000, value: 1, price: 1 }] })),
    ],
  ];
  for (const [method, field, call] of cases) {
    assert.throws(
      () => call(monitoring),
      (e: unknown) =>
        e instanceof MonitoringInputError && e.method === method && e.reason === 'unknown_field' && e.field === field,
      `${method} with ${field}`,
    );
  }
  // Lenient: the signal with model_type is not recorded as "unspecified".
  await stopAll();
  const lenient = (await start()).monitoring;
  lenient.recordTradingSignal(any({ symbol: 'X', direction: 'buy', confidenceLevel: 0.5, model_type: 'lstm' }));
  const exp = await scrape(lenient);
  assert.equal(find(exp, 'trading_signals_total').length, 0);
  assert.equal(invalid(exp, 'recordTradingSignal', 'unknown_field'), 1);
});

// ---- Item 7: extreme but finite values ---------------------------------------------------------

test('two trades with pnl 1e308 do not make realized_pnl +Inf: amounts beyond MAX_AMOUNT are out_of_range', async (t) => {
  const { monitoring } = await start();
  const trade = { symbol: 'BTC/USD', direction: 'buy' as const, pnl: 1e308 };
  monitoring.recordClosedTrade(trade);
  monitoring.recordClosedTrade(trade);
  monitoring.recordClosedTrade({ ...trade, pnl: 10, fees: 1e308 });
  monitoring.updatePortfolioMetrics({ portfolioValue: 1.7e308 });
  monitoring.updatePortfolioMetrics({ portfolioValue: -1.7e308 });
  monitoring.recordClosedTrade({ ...trade, pnl: MAX_AMOUNT });
  monitoring.recordClosedTrade({ ...trade, pnl: -MAX_AMOUNT, fees: MAX_AMOUNT });
  const exp = await cleanScrape(t, monitoring);
  assert.equal(invalid(exp, 'recordClosedTrade', 'out_of_range'), 3);
  assert.equal(invalid(exp, 'updatePortfolioMetrics', 'out_of_range'), 2);
  assert.equal(value(exp, 'realized_pnl', { symbol: 'all' }), -MAX_AMOUNT);
  assert.equal(value(exp, 'trades_closed_total', { outcome: 'win' }), 1);
});

test("a real symbol named 'all' is reserved_value: it would overwrite the aggregate of every symbol", async () => {
  const { monitoring } = await start();
  monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 5 });
  monitoring.recordClosedTrade({ symbol: 'all', direction: 'buy', pnl: -100 });
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'recordClosedTrade', 'reserved_value'), 1);
  assert.equal(value(exp, 'realized_pnl', { symbol: 'all' }), 5);
  assert.equal(value(exp, 'win_rate', { symbol: 'all', window: 'lifetime' }), 1);
});

test(`a label value longer than ${MAX_LABEL_LENGTH} characters is too_long, in every method`, async () => {
  const { monitoring } = await start();
  const long = 'S'.repeat(MAX_LABEL_LENGTH + 1);
  const longest = 'S'.repeat(MAX_LABEL_LENGTH);
  monitoring.recordTradingSignal({ symbol: long, direction: 'buy', confidenceLevel: 0.5 });
  monitoring.recordTradingSignal({ symbol: longest, direction: 'buy', confidenceLevel: 0.5 });
  monitoring.recordClosedTrade({ symbol: long, direction: 'buy', pnl: 1 });
  monitoring.updatePortfolioMetrics({ openPositions: { [long]: { buy: 1 } } });
  monitoring.updateCalibrationMetrics({ ...key, reliabilityBins: { [long]: 0.5 } });
  monitoring.updateModelPerformance({ ...key, modelName: long, metrics: { accuracy: 1 } });
  monitoring.setApiQuotaRemaining({ api: long, remaining: 1 });
  monitoring.updateDbPool({ pool: long, size: 1 });
  assert.equal(
    monitoring.trackApiRequest(long, 'GET', () => 7),
    7,
  );
  assert.equal(
    monitoring.trackDbQuery(long, () => 8),
    8,
  );
  const exp = await scrape(monitoring);
  for (const method of [
    'recordTradingSignal',
    'recordClosedTrade',
    'updatePortfolioMetrics',
    'updateCalibrationMetrics',
    'updateModelPerformance',
    'setApiQuotaRemaining',
    'updateDbPool',
    'trackApiRequest',
    'trackDbQuery',
  ])
    assert.equal(invalid(exp, method, 'too_long'), 1, method);
  assert.equal(value(exp, 'trading_signals_total', { symbol: longest }), 1, `${MAX_LABEL_LENGTH} characters is fine`);
});

// ---- Item 8: exotic errors and values never throw into the bot ---------------------------------

function errorWithThrowingMessage(): Error {
  const error = new Error('x');
  Object.defineProperty(error, 'message', {
    get() {
      throw new Error('message getter');
    },
  });
  return error;
}

/** A Proxy every trap of which throws (the proxy itself, for good measure). */
function hostileProxy(): object {
  const proxy: object = new Proxy(
    {},
    {
      get: () => {
        throw proxy;
      },
      getPrototypeOf: () => {
        throw proxy;
      },
      ownKeys: () => {
        throw proxy;
      },
      has: () => {
        throw proxy;
      },
      getOwnPropertyDescriptor: () => {
        throw proxy;
      },
    },
  );
  return proxy;
}

test('an error whose message getter throws never reaches the bot, whether fn throws it or a getter does', async () => {
  const { monitoring } = await start();
  const error = errorWithThrowingMessage();
  assert.throws(
    () => monitoring.trackApiRequest('/x', 'GET', () => thrower(error)),
    (e) => e === error,
    "fn's own error comes back unchanged",
  );
  await assert.rejects(
    monitoring.trackDbQuery('select', () => Promise.reject(error)),
    (e) => e === error,
  );
  const getterThrows = Object.defineProperty({ direction: 'buy', confidenceLevel: 0.5 }, 'symbol', {
    get: () => {
      throw errorWithThrowingMessage();
    },
    enumerable: true,
  });
  const poolGetterThrows = Object.defineProperty({ pool: 'main' }, 'size', {
    get: () => {
      throw errorWithThrowingMessage();
    },
    enumerable: true,
  });
  assert.doesNotThrow(() => monitoring.recordTradingSignal(any(getterThrows)));
  assert.doesNotThrow(() => monitoring.updateDbPool(any(poolGetterThrows)));
  const response = Object.defineProperty({}, 'status', {
    get: () => {
      throw errorWithThrowingMessage();
    },
  });
  assert.equal(
    monitoring.trackApiRequest('/x', 'GET', () => response),
    response,
  );
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'recordTradingSignal', 'internal_error'), 1);
  assert.equal(invalid(exp, 'updateDbPool', 'internal_error'), 1);
  assert.equal(invalid(exp, 'trackApiRequest', 'internal_error'), 1);
});

function thrower(error: unknown): never {
  throw error;
}

/**
 * What `promise` rejects with (it must reject), boxed: resolving a promise with the hostile proxy
 * itself would read its `then`, which throws.
 */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown }> {
  try {
    await promise;
  } catch (error) {
    return { error };
  }
  throw new Error('expected a rejection');
}

test('a thrown Proxy is rethrown unchanged; a Proxy as input is dropped, never thrown into the bot', async () => {
  const { monitoring } = await start();
  const proxy = hostileProxy();
  assert.throws(
    () => monitoring.trackApiRequest('/x', 'GET', () => thrower(proxy)),
    (e) => e === proxy,
  );
  assert.throws(
    () => monitoring.trackDbQuery('select', () => thrower(proxy)),
    (e) => e === proxy,
  );
  // Not assert.rejects: it inspects the reason, and this one throws at every touch.
  const { error } = await rejection(monitoring.trackApiRequest('/x', 'GET', async () => thrower(proxy)));
  assert.ok(error === proxy);
  for (const call of [
    () => monitoring.recordTradingSignal(any(proxy)),
    () => monitoring.recordExecutedTrade(any(proxy)),
    () => monitoring.updatePortfolioMetrics(any(proxy)),
    () => monitoring.updatePortfolioMetrics(any({ openPositions: proxy })),
    () => monitoring.recordClosedTrade(any(proxy)),
    () => monitoring.updateTradingPerformance(any(proxy)),
    () => monitoring.updateModelPerformance(any(proxy)),
    () => monitoring.updateCalibrationMetrics(any({ ...key, reliabilityBins: proxy })),
    () => monitoring.updateOnlineLearningMetrics(any(proxy)),
    () => monitoring.setApiQuotaRemaining(any(proxy)),
    () => monitoring.updateDbPool(any(proxy)),
    () => monitoring.restoreHistory(any(proxy)),
    () => monitoring.restoreHistory(any({ closedTrades: [proxy], equity: [proxy] })),
  ])
    assert.doesNotThrow(call);
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'trackApiRequest', 'internal_error'), 2, 'the error of each failed recording is counted');
  assert.equal(invalid(exp, 'trackDbQuery', 'internal_error'), 0, 'trackDbQuery reads nothing of the error');
  assert.equal(find(exp, 'api_requests_total').length, 0);
  assert.equal(value(exp, 'db_operations_total', { operation: 'select', status: 'error' }), 1);
});

test('a returned value whose then getter throws comes back unchanged, and the bot gets no throw', async () => {
  const { monitoring } = await start();
  const value_ = Object.defineProperty({}, 'then', {
    get: () => {
      throw errorWithThrowingMessage();
    },
  });
  assert.equal(
    monitoring.trackApiRequest('/x', 'GET', () => value_),
    value_,
  );
  assert.equal(
    monitoring.trackDbQuery('select', () => value_),
    value_,
  );
  const exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'trackApiRequest', 'internal_error'), 1);
  assert.equal(invalid(exp, 'trackDbQuery', 'internal_error'), 1);
});

test('a thenable is settled by calling its then once (a lazy query runs once); the caller gets a native promise of its value', async () => {
  const { monitoring } = await start();
  let thenReads = 0;
  let runs = 0;
  const lazy = {
    get then() {
      thenReads++;
      return (resolve: (v: unknown) => void) => {
        runs++;
        resolve(['row']);
      };
    },
  };
  const result: unknown = monitoring.trackDbQuery('select', () => lazy);
  assert.ok(result instanceof Promise);
  assert.deepEqual(await result, ['row']);
  assert.equal(runs, 1);
  assert.equal(thenReads, 1, 'then is read once');
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'db_operations_total', { operation: 'select', status: 'success' }), 1);
});

// ---- Item 9: every field is read once ----------------------------------------------------------

test('a getter that changes between reads is read once: recorded as first read, and the scrape is promtool-clean', async (t) => {
  const { monitoring } = await start();
  const N = 'NOT-A-NUMBER';
  const probes = {
    signal: changing({ symbol: 'X', direction: 'buy' }, 'confidenceLevel', 0.25, N),
    trade: changing({ symbol: 'X', direction: 'buy' }, 'success', true, N),
    portfolio: changing({}, 'portfolioValue', 1000, N),
    sides: changing({ buy: 1 }, 'sell', 4, N),
    closed: changing({ symbol: 'X', direction: 'buy' }, 'pnl', 7, N),
    performance: changing({}, 'winRate', 0.5, N),
    metrics: changing({ ...key }, 'metrics', { accuracy: 0.75 }, N),
    modelKey: changing({ modelName: 'lstm', timeframe: '1h', metrics: { rmse: 3 } }, 'symbol', 'ETH/USD', N),
    ece: changing({ ...key }, 'ece', 0.125, N),
    bins: changing({ '0.1': 0.5 }, '0.9', 0.875, N),
    online: changing({ ...key }, 'loss', 0.5, N),
    quota: changing({ api: 'binance' }, 'remaining', 42, N),
    pool: changing({ pool: 'main' }, 'size', 6, N),
    point: changing({ time: 1_700_000_000_000 }, 'value', 5000, N),
    call: changing({}, 'statusCode', 201, N),
  };
  const p = (name: keyof typeof probes) => any(probes[name].object);
  // History first: it sets portfolio_value, which the live update then replaces.
  monitoring.restoreHistory({ equity: [p('point')] });
  monitoring.recordTradingSignal(p('signal'));
  monitoring.recordExecutedTrade(p('trade'));
  monitoring.updatePortfolioMetrics(p('portfolio'));
  monitoring.updatePortfolioMetrics({ openPositions: { X: p('sides') } });
  monitoring.recordClosedTrade(p('closed'));
  monitoring.updateTradingPerformance(p('performance'));
  monitoring.updateModelPerformance(p('metrics'));
  monitoring.updateModelPerformance(p('modelKey'));
  monitoring.updateCalibrationMetrics(p('ece'));
  monitoring.updateCalibrationMetrics({ ...key, reliabilityBins: p('bins') });
  monitoring.updateOnlineLearningMetrics(p('online'));
  monitoring.setApiQuotaRemaining(p('quota'));
  monitoring.updateDbPool(p('pool'));
  // The getter is moved onto the call object by its descriptor, which does not run it.
  monitoring.trackApiRequest('/x', 'GET', (c) =>
    Object.defineProperties(c, Object.getOwnPropertyDescriptors(probes.call.object)),
  );
  for (const [name, probe] of Object.entries(probes))
    assert.equal(probe.reads(), 1, `${name}: the changing field was read ${probe.reads()} times`);
  const exp = await cleanScrape(t, monitoring);
  assert.equal(find(exp, 'monitoring_invalid_inputs_total').length, 0);
  assert.equal(value(exp, 'trading_signal_confidence_sum', { symbol: 'X' }), 0.25);
  assert.equal(value(exp, 'executed_trades_total', { symbol: 'X', status: 'success' }), 1);
  assert.equal(value(exp, 'open_positions', { symbol: 'X', direction: 'sell' }), 4);
  assert.equal(value(exp, 'realized_pnl', { symbol: 'X' }), 7);
  assert.equal(value(exp, 'model_accuracy', keyLabels), 0.75);
  assert.equal(value(exp, 'model_rmse', { symbol: 'ETH/USD' }), 3);
  assert.equal(value(exp, 'calibration_error', keyLabels), 0.125);
  assert.equal(value(exp, 'calibration_reliability', { bin: '0.9' }), 0.875);
  assert.equal(value(exp, 'online_learning_loss', keyLabels), 0.5);
  assert.equal(value(exp, 'api_quota_remaining', { api: 'binance' }), 42);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'main' }), 6);
  assert.equal(value(exp, 'portfolio_value'), 1000);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/x', status_code: '201' }), 1);
});

async function scrape(monitoring: MonitoringService): Promise<Exposition> {
  return parseExposition(await monitoring.metricsText());
}
