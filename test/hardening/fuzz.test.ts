/**
 * Seeded fuzz of every recording method of the public API with fast-check: near-valid inputs (each
 * field valid, missing, or any value at all, plus stray fields) and arbitrary values. The same
 * inputs go through a strict service and a lenient one. Strict mode throws a MonitoringInputError
 * for exactly the inputs it rejects (never another error); lenient mode never throws, counts each
 * rejected input once in `monitoring_invalid_inputs_total`, and its scrape stays promtool-clean.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { initEnhancedMonitoring, MonitoringInputError, silentLogger, type MonitoringService } from '../../src/index.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { find, parseExposition } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';

const SEED = 20261201;
const PER_METHOD = Number(process.env['FUZZ_RUNS'] ?? 1500);

/** A field: a valid value most of the time, sometimes absent, sometimes anything at all. */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 14, arbitrary: valid },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withDate: true }) },
  );
const label = fc.oneof(fc.constantFrom('BTC/USD', 'ETH/USD', 'lstm', '1h', 'main'), fc.string({ maxLength: 12 }));
const fraction = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double());
const amount = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double());
const direction = fc.constantFrom('buy', 'sell', 'BUY', 'Sell', 'long', 'Short', 'hold', '');
const time = fc.oneof(fc.integer({ min: 1.7e12, max: 1.8e12 }), fc.date({ noInvalidDate: false }));
const orderId = fc.oneof(fc.constantFrom('o1', 'o2', 'o3'), fc.integer({ min: 1, max: 3 }), label);
const model = { modelName: field(label), timeframe: field(label), symbol: field(label) };

/** An object of these fields, sometimes with a stray key, sometimes not an object at all. */
function input(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc.record(fields, { requiredKeys: [] });
  return fc.oneof(
    { weight: 8, arbitrary: record },
    {
      weight: 1,
      arbitrary: fc
        .tuple(record, fc.string({ minLength: 1, maxLength: 8 }), fc.anything())
        .map(([r, k, v]) => ({ ...r, [k]: v })),
    },
    { weight: 1, arbitrary: fc.anything({ withBoxedValues: true, withMap: true }) },
  );
}

type Call = (m: MonitoringService, value: unknown) => unknown;
const METHODS: Record<string, { arbitrary: fc.Arbitrary<unknown>; call: Call; tuple?: true }> = {
  recordTradingSignal: {
    arbitrary: input({
      symbol: field(label),
      direction: field(direction),
      confidenceLevel: field(fraction),
      modelType: field(label),
    }),
    call: (m, v) => m.recordTradingSignal(v as never),
  },
  recordExecutedTrade: {
    arbitrary: input({ symbol: field(label), direction: field(direction), success: field(fc.boolean()) }),
    call: (m, v) => m.recordExecutedTrade(v as never),
  },
  updatePortfolioMetrics: {
    arbitrary: input({
      portfolioValue: field(amount),
      balance: field(amount),
      openPositions: field(fc.dictionary(label, fc.dictionary(direction, amount, { maxKeys: 2 }), { maxKeys: 3 })),
    }),
    call: (m, v) => m.updatePortfolioMetrics(v as never),
  },
  updateTradingPerformance: {
    arbitrary: input({
      winRate: field(fraction),
      profitFactor: field(amount),
      maxDrawdown: field(fraction),
      sharpeRatio: field(amount),
    }),
    call: (m, v) => m.updateTradingPerformance(v as never),
  },
  recordClosedTrade: {
    arbitrary: input({
      symbol: field(label),
      direction: field(direction),
      pnl: field(amount),
      fees: field(amount),
      quantity: field(amount),
      openedAt: field(time),
      closedAt: field(time),
    }),
    call: (m, v) => m.recordClosedTrade(v as never),
  },
  heartbeat: { arbitrary: field(label), call: (m, v) => m.heartbeat(v as never) },
  recordOrder: {
    arbitrary: input({
      orderId: field(orderId),
      symbol: field(label),
      side: field(direction),
      type: field(fc.constantFrom('market', 'limit', 'stop', 'LIMIT')),
      quantity: field(amount),
      price: field(amount),
      expectedPrice: field(amount),
      venue: field(label),
      strategy: field(fc.oneof(label, fc.constantFrom('all', 'other'))),
      signalTime: field(time),
      time: field(time),
    }),
    call: (m, v) => m.recordOrder(v as never),
  },
  recordOrderUpdate: {
    arbitrary: input({
      orderId: field(orderId),
      status: field(
        fc.constantFrom('accepted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired', 'done'),
      ),
      reason: field(label),
      time: field(time),
    }),
    call: (m, v) => m.recordOrderUpdate(v as never),
  },
  recordFill: {
    arbitrary: input({
      orderId: field(orderId),
      price: field(amount),
      quantity: field(amount),
      fee: field(amount),
      feeAsset: field(label),
      liquidity: field(fc.constantFrom('maker', 'taker', 'both')),
      time: field(time),
    }),
    call: (m, v) => m.recordFill(v as never),
  },
  updatePositions: {
    arbitrary: input({
      positions: field(
        fc.array(
          input({
            symbol: field(label),
            quantity: field(amount),
            entryPrice: field(amount),
            markPrice: field(amount),
            venue: field(label),
            strategy: field(label),
          }),
          { maxLength: 3 },
        ),
      ),
    }),
    call: (m, v) => m.updatePositions(v as never),
  },
  updateBalances: {
    arbitrary: input({
      balances: field(
        fc.array(
          input({
            venue: field(label),
            asset: field(label),
            free: field(amount),
            locked: field(amount),
            value: field(amount),
          }),
          { maxLength: 3 },
        ),
      ),
    }),
    call: (m, v) => m.updateBalances(v as never),
  },
  recordPrediction: {
    arbitrary: input({
      ...model,
      predictionId: field(fc.oneof(fc.integer(), label)),
      predicted: field(fc.oneof(fc.constantFrom('up', 'down'), amount)),
      probability: field(fraction),
      actual: field(fc.oneof(fc.constantFrom('up', 'down'), amount)),
    }),
    call: (m, v) => m.recordPrediction(v as never),
  },
  recordOutcome: {
    arbitrary: input({
      ...model,
      predictionId: field(fc.oneof(fc.integer(), label)),
      actual: field(fc.oneof(fc.constantFrom('up', 'down'), amount)),
    }),
    call: (m, v) => m.recordOutcome(v as never),
  },
  recordLearningStep: {
    arbitrary: input({ ...model, loss: field(amount), memorySize: field(amount) }),
    call: (m, v) => m.recordLearningStep(v as never),
  },
  recordFeature: {
    arbitrary: input({
      modelName: field(label),
      feature: field(label),
      value: field(amount),
      timeframe: field(label),
      symbol: field(label),
    }),
    call: (m, v) => m.recordFeature(v as never),
  },
  updateModelPerformance: {
    arbitrary: input({
      ...model,
      metrics: field(fc.record({ accuracy: field(fraction), rmse: field(amount) }, { requiredKeys: [] })),
    }),
    call: (m, v) => m.updateModelPerformance(v as never),
  },
  updateCalibrationMetrics: {
    arbitrary: input({
      ...model,
      ece: field(fraction),
      reliabilityBins: field(fc.dictionary(label, fraction, { maxKeys: 3 })),
    }),
    call: (m, v) => m.updateCalibrationMetrics(v as never),
  },
  updateOnlineLearningMetrics: {
    arbitrary: input({ ...model, driftScore: field(amount), memorySize: field(amount), loss: field(amount) }),
    call: (m, v) => m.updateOnlineLearningMetrics(v as never),
  },
  setApiQuotaRemaining: {
    arbitrary: input({ api: field(label), remaining: field(amount) }),
    call: (m, v) => m.setApiQuotaRemaining(v as never),
  },
  updateDbPool: {
    arbitrary: input({ pool: field(label), size: field(amount), active: field(amount), waiting: field(amount) }),
    call: (m, v) => m.updateDbPool(v as never),
  },
  trackApiRequest: {
    arbitrary: fc.tuple(field(label), field(fc.constantFrom('GET', 'post', 'BREW')), fc.anything()),
    tuple: true,
    call: (m, v) => {
      const [endpoint, method, result] = v as [unknown, unknown, unknown];
      return m.trackApiRequest(endpoint as never, method as never, () => result);
    },
  },
  trackDbQuery: {
    arbitrary: fc.tuple(field(label), fc.anything()),
    tuple: true,
    call: (m, v) => {
      const [operation, result] = v as [unknown, unknown];
      return m.trackDbQuery(operation as never, () => result);
    },
  },
};

/** Values whose reading throws or changes between reads: strict mode re-throws what reading threw (the README's rule). */
function exotic(): unknown[] {
  let reads = 0;
  return [
    Object.defineProperty({ symbol: 'BTC/USD' }, 'direction', {
      enumerable: true,
      get() {
        throw new Error('getter throws');
      },
    }),
    new Proxy(
      {},
      {
        get() {
          throw new Error('proxy throws');
        },
        ownKeys() {
          throw new Error('proxy throws');
        },
      },
    ),
    Object.defineProperty({ symbol: 'BTC/USD', direction: 'buy', success: true, pnl: 1 }, 'confidenceLevel', {
      enumerable: true,
      get: () => (reads++ === 0 ? 0.5 : 'NOT-A-NUMBER'),
    }),
    Object.create(null) as unknown,
    Object.freeze({ symbol: 'ETH/USD', direction: 'sell', success: false, pnl: -1, confidenceLevel: 0.2 }),
  ];
}

function show(value: unknown): string {
  try {
    return fc.stringify(value);
  } catch {
    return '<an object whose reading throws>';
  }
}

const invalidTotal = (text: string) =>
  find(parseExposition(text), 'monitoring_invalid_inputs_total').reduce((n, s) => n + s.value, 0);

test(`fuzz: ${PER_METHOD} seeded inputs for each of the ${Object.keys(METHODS).length} recording methods, strict and lenient`, async (t) => {
  // The exotic objects go to every method that takes an object (the track methods take arguments and a function).
  const cases = Object.entries(METHODS).map(([name, { arbitrary, call, tuple }], i) => ({
    name,
    call,
    values: () => [...fc.sample(arbitrary, { seed: SEED + i, numRuns: PER_METHOD }), ...(tuple ? [] : exotic())],
  }));

  // Strict: a typed error for each rejection, nothing else.
  const rejected = new Map<string, number>();
  const strict = (await start({ strict: true, port: false, dashboard: false })).monitoring;
  for (const { name, call, values } of cases) {
    let n = 0;
    for (const value of values()) {
      try {
        await call(strict, value);
      } catch (error) {
        n++;
        // Reading an exotic object threw: strict mode re-throws that error as it is.
        if (typeof value === 'object' && value !== null && !(error instanceof MonitoringInputError)) continue;
        assert.ok(
          error instanceof MonitoringInputError,
          `${name}(${show(value)}) threw ${String(error)}, not a MonitoringInputError`,
        );
      }
    }
    rejected.set(name, n);
  }
  await stopAll();

  // Lenient: never throws, counts exactly what strict rejected.
  const { monitoring } = await start({ port: 0, dashboard: false });
  let expected = 0;
  for (const { name, call, values } of cases) {
    const before = invalidTotal(await monitoring.metricsText());
    for (const value of values()) {
      try {
        await call(monitoring, value);
      } catch (error) {
        assert.fail(`${name}(${show(value)}) threw into the bot: ${String(error)}`);
      }
    }
    const counted = invalidTotal(await monitoring.metricsText()) - before;
    assert.equal(
      counted,
      rejected.get(name),
      `${name}: counted ${counted} invalid inputs, strict mode rejected ${rejected.get(name)}`,
    );
    expected += counted;
  }
  t.diagnostic(
    `${expected} of ${cases.length * PER_METHOD} inputs rejected and counted; per method: ${JSON.stringify(Object.fromEntries(rejected))}`,
  );
  assert.ok(expected > 0 && expected < cases.length * PER_METHOD, 'the inputs mix valid and invalid ones');

  const text = await monitoring.metricsText();
  if (requireBinary(t, 'promtool')) {
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(out.trim(), '', `promtool check metrics: ${out}`);
  }
  await stopAll();
});

test('fuzz across a restart: the scrape equals that of one uninterrupted service fed the same inputs at the same times', async () => {
  // The record-calling methods (track*) time the caller's function: their durations differ run to run.
  const cases = Object.entries(METHODS)
    .filter(([, { tuple }]) => tuple === undefined)
    .map(([, { arbitrary, call }], i) => ({ call, arbitrary, seed: SEED + 1000 + i }));
  const runs = Math.min(PER_METHOD, 400);
  /** The calls of one run, freshly generated (exotic objects count their own reads), interleaved across methods. */
  const calls = () => {
    const perMethod = cases.map(({ call, arbitrary, seed }) =>
      [...fc.sample(arbitrary, { seed, numRuns: runs }), ...exotic()].map((value) => ({ call, value })),
    );
    const out: { call: Call; value: unknown }[] = [];
    for (let k = 0; out.length < perMethod.reduce((n, list) => n + list.length, 0); k++)
      for (const list of perMethod) if (k < list.length) out.push(list[k]!);
    return out;
  };
  const T0 = Date.UTC(2026, 11, 1, 9);
  const realNow = Date.now;
  const feed = (monitoring: MonitoringService, list: { call: Call; value: unknown }[], from: number, to: number) => {
    for (let k = from; k < to; k++) {
      Date.now = () => T0 + k * 1000;
      try {
        void list[k]!.call(monitoring, list[k]!.value);
      } finally {
        Date.now = realNow;
      }
    }
  };
  const scrapeAt = async (monitoring: MonitoringService, at: number) => {
    Date.now = () => at;
    try {
      await monitoring.flushModelMetrics();
      return await monitoring.metricsText();
    } finally {
      Date.now = realNow;
    }
  };
  const options = {
    port: false as const,
    dashboard: false as const,
    systemMetrics: false,
    runtimeMetrics: false,
    logger: silentLogger,
  };

  const all = calls();
  const end = T0 + all.length * 1000;
  const uninterrupted = await initEnhancedMonitoring(options);
  feed(uninterrupted, all, 0, all.length);
  const expected = await scrapeAt(uninterrupted, end);
  await uninterrupted.shutdown();

  const dir = await mkdtemp(join(tmpdir(), 'fuzz-restart-'));
  try {
    const again = calls();
    const half = again.length >> 1;
    const first = await initEnhancedMonitoring({ ...options, stateDirectory: dir });
    feed(first, again, 0, half);
    await first.shutdown();
    const second = await initEnhancedMonitoring({ ...options, stateDirectory: dir });
    feed(second, again, half, again.length);
    const actual = await scrapeAt(second, end);
    await second.shutdown();

    // Process-scoped series start again with the process (docs/restarts.md): the monitoring's own
    // counters, target_info and the DB pool gauges (the pool is the process's). A restored series may
    // come at another place in its family, so the lines are compared as sets.
    const bot = (text: string) =>
      text
        .split('\n')
        .filter((line) => line !== '' && !/^(# \w+ )?(monitoring_|target_info|db_connection)/.test(line))
        .sort();
    const [want, got] = [bot(expected), bot(actual)];
    assert.ok(want.length > 200, `${want.length} lines compared`);
    const missing = want.filter((line) => !got.includes(line));
    const extra = got.filter((line) => !want.includes(line));
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      'the restarted run publishes what the uninterrupted one does',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
