import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, mock, test } from 'node:test';
import { classificationReport } from '../../src/analytics/index.ts';
import { RollingClassification } from '../../src/analytics/models/rolling-classification.ts';
import { MonitoringInputError, type MonitoringService } from '../../src/index.ts';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(async () => {
  await stopAll();
  mock.restoreAll();
});

const key = { modelName: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
const labels = { model_name: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };

async function flushAndScrape(monitoring: MonitoringService): Promise<Exposition> {
  await monitoring.flushModelMetrics();
  return scrape(monitoring);
}

function invalid(exp: Exposition, method: string, reason: string): number {
  return find(exp, 'monitoring_invalid_inputs_total', { method, reason }).reduce((n, s) => n + s.value, 0);
}

// Issue item 10: pending keys were the label values and the id joined by NUL.

test('a NUL byte inside a model name never lets one model resolve the prediction of another', async () => {
  const { monitoring } = await start();
  // Joined by NUL, both were 'a\0b\0c\0d\0e'.
  const a = { modelName: 'a\u0000b', timeframe: 'c', symbol: 'd' };
  const b = { modelName: 'a', timeframe: 'b', symbol: 'c' };
  monitoring.recordPrediction({ ...a, predictionId: 'e', predicted: 'up' });
  monitoring.recordPrediction({ ...b, predictionId: 'x', predicted: 'up' });
  monitoring.recordOutcome({ ...b, predictionId: 'd\u0000e', actual: 'up' });
  const exp = await flushAndScrape(monitoring);
  const aLabels = { model_name: 'a\u0000b', timeframe: 'c', symbol: 'd' };
  const bLabels = { model_name: 'a', timeframe: 'b', symbol: 'c' };
  assert.equal(value(exp, 'model_pending_predictions', aLabels), 1, "a's prediction still waits");
  assert.equal(value(exp, 'model_pending_predictions', bLabels), 1, "b's pending count never goes below its own");
  assert.equal(value(exp, 'model_outcome_join_failures_total', { ...bLabels, reason: 'unknown_id' }), 1);
  assert.equal(find(exp, 'model_outcomes_total').length, 0);
});

test('the number 1 and the string "1" are two prediction ids', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predictionId: 1, predicted: 'up' });
  monitoring.recordPrediction({ ...key, predictionId: '1', predicted: 'down' });
  let exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_pending_predictions', labels), 2, 'the second is not a replacement of the first');
  monitoring.recordOutcome({ ...key, predictionId: '1', actual: 'down' });
  monitoring.recordOutcome({ ...key, predictionId: 1, actual: 'down' });
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'correct' }), 1, "'1' found 'down'");
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'incorrect' }), 1, "1 found 'up'");
  assert.equal(value(exp, 'model_pending_predictions', labels), 0);
});

test('a string predictionId longer than 256 characters is dropped as too_long', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predictionId: 'x'.repeat(257), predicted: 'up' });
  monitoring.recordOutcome({ ...key, predictionId: 'x'.repeat(257), actual: 'up' });
  monitoring.recordPrediction({ ...key, predictionId: 'x'.repeat(256), predicted: 'up' });
  const exp = await flushAndScrape(monitoring);
  assert.equal(invalid(exp, 'recordPrediction', 'too_long'), 1);
  assert.equal(invalid(exp, 'recordOutcome', 'too_long'), 1);
  assert.equal(value(exp, 'model_pending_predictions', labels), 1);
});

// Issue item 6: a class named __proto__ made the flush throw, and every later model stopped being published.

test('a class named __proto__ is published like any other, and the models after it too', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: '__proto__' });
  monitoring.recordPrediction({ ...key, predicted: 'constructor', actual: 'constructor' });
  monitoring.recordPrediction({ ...key, symbol: 'ETH/USD', predicted: 'up', actual: 'up' });
  const exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_class_recall', { ...labels, class: '__proto__' }), 0);
  assert.equal(value(exp, 'model_class_precision', { ...labels, class: 'up' }), 0);
  assert.equal(value(exp, 'model_class_f1_score', { ...labels, class: 'constructor' }), 1);
  assert.equal(value(exp, 'model_accuracy', labels), 0.5);
  assert.equal(value(exp, 'model_accuracy', { ...labels, symbol: 'ETH/USD' }), 1);
  assert.equal(invalid(exp, 'flushModelMetrics', 'internal_error'), 0);
});

/** Makes the first `rolling()` report of any classifier throw, as a fault inside the SDK would. */
function failFirstReport(): void {
  const original = RollingClassification.prototype.rolling;
  let calls = 0;
  mock.method(RollingClassification.prototype, 'rolling', function (this: RollingClassification, classes?: string[]) {
    if (calls++ === 0) throw new Error('boom');
    return original.call(this, classes);
  });
}

test("one model's publication failing never stops the others: counted as internal_error of flushModelMetrics", async () => {
  const { monitoring, logger } = await start();
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  monitoring.recordPrediction({ ...key, symbol: 'ETH/USD', predicted: 'up', actual: 'down' });
  monitoring.recordPrediction({ ...key, symbol: 'SOL/USD', predicted: 'up', actual: 'up' });
  failFirstReport();
  let exp = await flushAndScrape(monitoring);
  assert.equal(find(exp, 'model_accuracy', labels).length, 0, 'the failing model');
  assert.equal(value(exp, 'model_accuracy', { ...labels, symbol: 'ETH/USD' }), 0);
  assert.equal(value(exp, 'model_accuracy', { ...labels, symbol: 'SOL/USD' }), 1);
  assert.equal(invalid(exp, 'flushModelMetrics', 'internal_error'), 1);
  assert.equal(logger.lines.filter((l) => l.level === 'error').length, 1);
  // Its next event publishes it again.
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_accuracy', labels), 1);
});

test('strict mode: the failure is re-thrown by flushModelMetrics, after every other model is published', async () => {
  const { monitoring } = await start({ strict: true });
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  monitoring.recordPrediction({ ...key, symbol: 'ETH/USD', predicted: 'up', actual: 'down' });
  failFirstReport();
  await assert.rejects(monitoring.flushModelMetrics(), /boom/);
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_accuracy', { ...labels, symbol: 'ETH/USD' }), 0);
});

// maxClassesPerModel: the classes of a model are bounded.

test('maxClassesPerModel: a prediction bringing one class too many is dropped whole as too_many, warned once; the figures are those of the predictions taken', async () => {
  const { monitoring, logger } = await start({ maxClassesPerModel: 3 });
  const taken: [string, string][] = [];
  const send = (predicted: string, actual: string, ok: boolean) => {
    monitoring.recordPrediction({ ...key, predicted, actual });
    if (ok) taken.push([predicted, actual]);
  };
  send('up', 'down', true);
  send('flat', 'flat', true);
  send('up', 'sideways', false);
  send('0.51', 'up', false);
  send('0.52', '0.52', false);
  send('down', 'up', true);
  // Without an id nor an outcome nothing is held: counted, never dropped.
  monitoring.recordPrediction({ ...key, predicted: '0.53' });
  const exp = await flushAndScrape(monitoring);
  assert.equal(invalid(exp, 'recordPrediction', 'too_many'), 3);
  assert.equal(value(exp, 'model_predictions_total', labels), 4);
  const report = classificationReport(
    taken.map((p) => p[0]),
    taken.map((p) => p[1]),
  );
  assert.equal(value(exp, 'model_accuracy', labels), report.accuracy);
  assert.equal(value(exp, 'model_f1_score', labels), report.macro.f1);
  assert.deepEqual(
    find(exp, 'model_class_recall', labels)
      .map((s) => s.labels['class'])
      .sort(),
    ['down', 'flat', 'up'],
  );
  assert.equal(logger.warnings.filter((w) => w.includes('too_many') || w.includes('classes of one model')).length, 1);
  // Another model has classes of its own.
  monitoring.recordPrediction({ ...key, symbol: 'ETH/USD', predicted: '0.51', actual: '0.51' });
  assert.equal(invalid(await scrape(monitoring), 'recordPrediction', 'too_many'), 3);
});

test('maxClassesPerModel: a pending prediction with a new class is dropped at once; an outcome with one leaves its prediction waiting', async () => {
  const { monitoring } = await start({ maxClassesPerModel: 2 });
  monitoring.recordPrediction({ ...key, predictionId: 'p1', predicted: 'up' });
  monitoring.recordPrediction({ ...key, predicted: 'down', actual: 'down' });
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' }); // two classes held: up, down
  monitoring.recordPrediction({ ...key, predictionId: 'p2', predicted: 'flat' });
  monitoring.recordOutcome({ ...key, predictionId: 'p1', actual: 'flat' });
  let exp = await flushAndScrape(monitoring);
  assert.equal(invalid(exp, 'recordPrediction', 'too_many'), 1);
  assert.equal(invalid(exp, 'recordOutcome', 'too_many'), 1);
  assert.equal(value(exp, 'model_pending_predictions', labels), 1, 'p1 still waits; p2 never did');
  assert.equal(find(exp, 'model_outcome_join_failures_total').length, 0);
  monitoring.recordOutcome({ ...key, predictionId: 'p1', actual: 'down' });
  monitoring.recordOutcome({ ...key, predictionId: 'p2', actual: 'flat' });
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_pending_predictions', labels), 0);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'incorrect' }), 1);
  assert.equal(value(exp, 'model_outcome_join_failures_total', { ...labels, reason: 'unknown_id' }), 1);
  assert.equal(value(exp, 'model_accuracy', labels), 2 / 3);
});

test('maxClassesPerModel in strict mode throws MonitoringInputError too_many', async () => {
  const { monitoring } = await start({ strict: true, maxClassesPerModel: 1 });
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  assert.throws(
    () => monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'down' }),
    (e: unknown) => e instanceof MonitoringInputError && e.reason === 'too_many',
  );
});

// maxFeatureStreams: the feature detectors of all models together are bounded.

test('maxFeatureStreams bounds the features watched over all models; a new one past it is dropped as too_many', async () => {
  const { monitoring } = await start({ maxFeatureStreams: 3 });
  for (const modelName of ['a', 'b'])
    for (const feature of ['f1', 'f2']) monitoring.recordFeature({ modelName, feature, value: 1 });
  monitoring.recordFeature({ modelName: 'c', feature: 'f1', value: 1 });
  monitoring.recordFeature({ modelName: 'a', feature: 'f1', value: 2 });
  monitoring.recordFeature({ modelName: 'a', feature: 'f2', value: 2 });
  const exp = await flushAndScrape(monitoring);
  assert.equal(invalid(exp, 'recordFeature', 'too_many'), 2);
  const sources = find(exp, 'model_drift_score', { detector: 'adwin' }).map(
    (s) => `${s.labels['model_name']}/${s.labels['source']}`,
  );
  assert.deepEqual(sources.sort(), ['a/feature:f1', 'a/feature:f2', 'b/feature:f1']);
});

test('options maxClassesPerModel and maxFeatureStreams are checked', async () => {
  await assert.rejects(start({ maxClassesPerModel: 0 }), /maxClassesPerModel/);
  await assert.rejects(start({ maxFeatureStreams: 1.5 }), /maxFeatureStreams/);
});

test('a restart keeps the pending predictions joinable by id and type, and counts the restored features in maxFeatureStreams', async () => {
  const stateDirectory = await mkdtemp(join(tmpdir(), 'predictions-state-'));
  try {
    const options = { stateDirectory, dashboard: false, maxFeatureStreams: 2 } as const;
    const { monitoring } = await start(options);
    monitoring.recordPrediction({ ...key, predictionId: 1, predicted: 'up' });
    monitoring.recordPrediction({ ...key, predictionId: '1', predicted: 'down' });
    monitoring.recordFeature({ modelName: 'a', feature: 'f1', value: 1 });
    monitoring.recordFeature({ modelName: 'b', feature: 'f1', value: 1 });
    await stopAll();

    const { monitoring: next } = await start(options);
    next.recordOutcome({ ...key, predictionId: '1', actual: 'down' });
    next.recordOutcome({ ...key, predictionId: 1, actual: 'down' });
    next.recordFeature({ modelName: 'a', feature: 'f1', value: 2 });
    next.recordFeature({ modelName: 'c', feature: 'f1', value: 1 });
    const exp = await flushAndScrape(next);
    assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'correct' }), 1);
    assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'incorrect' }), 1);
    assert.equal(value(exp, 'model_pending_predictions', labels), 0);
    assert.equal(invalid(exp, 'recordFeature', 'too_many'), 1);
  } finally {
    await stopAll();
    await rm(stateDirectory, { recursive: true, force: true });
  }
});
