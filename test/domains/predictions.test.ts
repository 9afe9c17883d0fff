import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, mock, test } from 'node:test';
import {
  calibrationLabel,
  classificationReport,
  expectedCalibrationError,
  mae,
  reliabilityCurve,
  rmse,
} from '../../src/analytics/index.ts';
import { MonitoringInputError, type MonitoringService } from '../../src/index.ts';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(async () => {
  await stopAll();
  mock.timers.reset();
});

const key = { modelName: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
const labels = { model_name: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
const T0 = Date.UTC(2024, 0, 1);

function near(actual: number, expected: number, message: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${message}: ${actual} != ${expected}`,
  );
}

/** A defined reference value is published (to rounding); an undefined one is not published at all. */
function published(exp: Exposition, name: string, l: Record<string, string>, expected: number | undefined): void {
  if (expected === undefined) {
    assert.equal(find(exp, name, l).length, 0, `${name}${JSON.stringify(l)} must not be published`);
    return;
  }
  near(value(exp, name, l), expected, `${name}${JSON.stringify(l)}`);
}

function count(exp: Exposition, name: string, l: Record<string, string>): number {
  return find(exp, name, l).reduce((n, s) => n + s.value, 0);
}

async function flushAndScrape(monitoring: MonitoringService): Promise<Exposition> {
  await monitoring.flushModelMetrics();
  return scrape(monitoring);
}

/** The service's classification gauges must be classificationReport over the same pairs, class by class. */
function assertReport(exp: Exposition, predicted: string[], actual: string[]): void {
  const report = classificationReport(predicted, actual);
  published(exp, 'model_accuracy', labels, report.accuracy);
  published(exp, 'model_precision', labels, report.macro.precision);
  published(exp, 'model_recall', labels, report.macro.recall);
  published(exp, 'model_f1_score', labels, report.macro.f1);
  for (const [cls, m] of Object.entries(report.classes)) {
    published(exp, 'model_class_precision', { ...labels, class: cls }, m.precision);
    published(exp, 'model_class_recall', { ...labels, class: cls }, m.recall);
    published(exp, 'model_class_f1_score', { ...labels, class: cls }, m.f1);
  }
  for (const name of ['model_class_precision', 'model_class_recall', 'model_class_f1_score']) {
    for (const s of find(exp, name, labels))
      assert.ok(s.labels['class']! in report.classes, `${name}{class="${s.labels['class']}"} is not in the window`);
  }
}

test('classification: accuracy, macro and per-class scores over the last windowSize pairs equal classificationReport', async () => {
  const { monitoring } = await start({ windowSize: 4 });
  const predicted = ['up', 'up', 'down', 'flat', 'up', 'down', 'down', 'up'];
  const actual = ['up', 'x', 'down', 'up', 'up', 'flat', 'down', 'down'];
  for (let i = 0; i < 4; i++) monitoring.recordPrediction({ ...key, predicted: predicted[i]!, actual: actual[i]! });
  let exp = await flushAndScrape(monitoring);
  assertReport(exp, predicted.slice(0, 4), actual.slice(0, 4));
  // Class x only occurs, flat is predicted once and wrong: precision 0 is published, its recall is not.
  assert.equal(value(exp, 'model_class_precision', { ...labels, class: 'flat' }), 0);
  assert.equal(find(exp, 'model_class_recall', { ...labels, class: 'flat' }).length, 0);
  assert.equal(value(exp, 'model_class_recall', { ...labels, class: 'x' }), 0);

  for (let i = 4; i < 8; i++) monitoring.recordPrediction({ ...key, predicted: predicted[i]!, actual: actual[i]! });
  exp = await flushAndScrape(monitoring);
  assertReport(exp, predicted.slice(4), actual.slice(4));
  assert.equal(
    find(exp, 'model_class_recall', { ...labels, class: 'x' }).length,
    0,
    'a class gone from the window is no longer published',
  );
  assert.equal(
    find(exp, 'model_class_precision', { ...labels, class: 'flat' }).length,
    0,
    'flat is no longer predicted in the window',
  );
  assert.equal(value(exp, 'model_accuracy', labels), 2 / 4);

  // Lifetime counters: 4 of the 8 are right (indices 0, 2, 4, 6).
  assert.equal(value(exp, 'model_predictions_total', labels), 8);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'correct' }), 4);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'incorrect' }), 4);
  assert.equal(find(exp, 'model_outcomes_total', { result: 'scored' }).length, 0);
  assert.equal(exp.types.get('model_outcomes_total'), 'counter');
});

test('delayed outcomes join by predictionId (string or number); an unknown id is counted, the pending gauge follows', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predictionId: 'p-1', predicted: 'up' });
  monitoring.recordPrediction({ ...key, predictionId: 2, predicted: 'down' });
  monitoring.recordPrediction({ ...key, predictionId: 'p-3', predicted: 'up' });
  let exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_predictions_total', labels), 3);
  assert.equal(value(exp, 'model_pending_predictions', labels), 3);
  assert.equal(find(exp, 'model_accuracy').length, 0, 'nothing resolved yet');

  monitoring.recordOutcome({ ...key, predictionId: 2, actual: 'down' });
  monitoring.recordOutcome({ ...key, predictionId: 'p-1', actual: 'down' });
  monitoring.recordOutcome({ ...key, predictionId: 'p-9', actual: 'up' });
  monitoring.recordOutcome({ ...key, predictionId: 2, actual: 'down' }); // already joined
  monitoring.recordOutcome({ ...key, predictionId: 'p-3', symbol: 'ETH/USD', actual: 'up' }); // ids are per model, timeframe and symbol
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_pending_predictions', labels), 1);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'correct' }), 1);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'incorrect' }), 1);
  assert.equal(value(exp, 'model_outcome_join_failures_total', { ...labels, reason: 'unknown_id' }), 2);
  assert.equal(
    value(exp, 'model_outcome_join_failures_total', { ...labels, symbol: 'ETH/USD', reason: 'unknown_id' }),
    1,
  );
  assertReport(exp, ['down', 'up'], ['down', 'down']);
});

test('a reused predictionId replaces the pending prediction: one waits, and the outcome scores the latest', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predictionId: 'p', predicted: 'up' });
  monitoring.recordPrediction({ ...key, predictionId: 'p', predicted: 'down' });
  let exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_predictions_total', labels), 2);
  assert.equal(value(exp, 'model_pending_predictions', labels), 1);
  monitoring.recordOutcome({ ...key, predictionId: 'p', actual: 'down' });
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_pending_predictions', labels), 0);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'correct' }), 1);
});

test('an outcome of the wrong type is dropped and leaves its prediction waiting for a valid one', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predictionId: 'p', predicted: 'up' });
  monitoring.recordOutcome({ ...key, predictionId: 'p', actual: 1 });
  let exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'recordOutcome', reason: 'wrong_type' }), 1);
  assert.equal(value(exp, 'model_pending_predictions', labels), 1);
  monitoring.recordOutcome({ ...key, predictionId: 'p', actual: 'up' });
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'correct' }), 1);
  assert.equal(find(exp, 'model_outcome_join_failures_total').length, 0);
  assert.equal(value(exp, 'model_pending_predictions', labels), 0);
});

test('maxPending evicts the oldest prediction of any model and counts it on its own model', async () => {
  const { monitoring } = await start({ maxPending: 2 });
  monitoring.recordPrediction({ ...key, predictionId: 1, predicted: 'up' });
  monitoring.recordPrediction({ ...key, timeframe: '4h', predictionId: 1, predicted: 'up' });
  monitoring.recordPrediction({ ...key, predictionId: 2, predicted: 'up' });
  monitoring.recordOutcome({ ...key, predictionId: 1, actual: 'up' });
  const exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_outcome_join_failures_total', { ...labels, reason: 'evicted' }), 1);
  assert.equal(
    value(exp, 'model_outcome_join_failures_total', { ...labels, reason: 'unknown_id' }),
    1,
    'the outcome of the evicted prediction finds nothing',
  );
  assert.equal(find(exp, 'model_outcome_join_failures_total', { timeframe: '4h' }).length, 0);
  assert.equal(value(exp, 'model_pending_predictions', labels), 1);
  assert.equal(value(exp, 'model_pending_predictions', { ...labels, timeframe: '4h' }), 1);
});

// Date is mocked (not the timers: the HTTP scrape runs for real), so the time-to-live is crossed exactly, whatever the machine's speed.
test('outcomeTtlSeconds: a prediction past it expires at the next flush, or when its outcome arrives', async () => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  const { monitoring } = await start({ outcomeTtlSeconds: 60 });
  monitoring.recordPrediction({ ...key, predictionId: 'a', predicted: 'up' });
  monitoring.recordPrediction({ ...key, predictionId: 'b', predicted: 'up' });
  mock.timers.setTime(T0 + 60_000);
  let exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_pending_predictions', labels), 2, 'exactly the time-to-live is still within it');

  mock.timers.setTime(T0 + 61_000);
  monitoring.recordOutcome({ ...key, predictionId: 'a', actual: 'up' });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_outcome_join_failures_total', { ...labels, reason: 'expired' }), 1, 'expired at take');
  assert.equal(
    find(exp, 'model_outcome_join_failures_total', { reason: 'unknown_id' }).length,
    0,
    'an expired prediction is not also an unknown id',
  );
  assert.equal(find(exp, 'model_outcomes_total').length, 0);

  exp = await flushAndScrape(monitoring);
  assert.equal(
    value(exp, 'model_outcome_join_failures_total', { ...labels, reason: 'expired' }),
    2,
    'b expired at the flush',
  );
  assert.equal(value(exp, 'model_pending_predictions', labels), 0);
});

test('regression: model_rmse and model_mae over the last windowSize pairs equal rmse and mae; outcomes are "scored"', async () => {
  const { monitoring } = await start({ windowSize: 3 });
  const predicted = [101.5, 99, 103.25, 98, 100];
  const actual = [100, 100.5, 101, 99, 104];
  for (let i = 0; i < 3; i++) monitoring.recordPrediction({ ...key, predicted: predicted[i]!, actual: actual[i]! });
  monitoring.recordPrediction({ ...key, predictionId: 'r4', predicted: predicted[3]! });
  monitoring.recordPrediction({ ...key, predictionId: 'r5', predicted: predicted[4]! });
  let exp = await flushAndScrape(monitoring);
  published(exp, 'model_rmse', labels, rmse(predicted.slice(0, 3), actual.slice(0, 3)));
  published(exp, 'model_mae', labels, mae(predicted.slice(0, 3), actual.slice(0, 3)));
  monitoring.recordOutcome({ ...key, predictionId: 'r4', actual: actual[3]! });
  monitoring.recordOutcome({ ...key, predictionId: 'r5', actual: actual[4]! });
  exp = await flushAndScrape(monitoring);
  published(exp, 'model_rmse', labels, rmse(predicted.slice(2), actual.slice(2)));
  published(exp, 'model_mae', labels, mae(predicted.slice(2), actual.slice(2)));
  assert.equal(value(exp, 'model_outcomes_total', { ...labels, result: 'scored' }), 5);
  assert.equal(value(exp, 'model_predictions_total', labels), 5);
  for (const name of ['model_accuracy', 'model_precision', 'calibration_error'])
    assert.equal(find(exp, name).length, 0, `${name} is for classifiers`);
});

test('calibration: calibration_error equals expectedCalibrationError, calibration_reliability has only the non-empty bins', async () => {
  const { monitoring } = await start();
  const rows: [string, number, string][] = [
    ['up', 0.55, 'up'],
    ['up', 0.65, 'down'],
    ['down', 0.6, 'down'],
    ['up', 0.95, 'up'],
    ['down', 0.85, 'down'],
    ['up', 0.9, 'down'],
    ['down', 0.4, 'up'],
    ['up', 0.2, 'up'],
  ];
  for (const [predicted, probability, actual] of rows)
    monitoring.recordPrediction({ ...key, predicted, probability, actual });
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'down' }); // no probability: not in the calibration
  const exp = await flushAndScrape(monitoring);
  const probabilities = rows.map((r) => r[1]);
  const correct = rows.map(([p, , a]) => calibrationLabel(p, a));
  near(value(exp, 'calibration_error', labels), expectedCalibrationError(probabilities, correct, 5), 'ECE');
  const curve = reliabilityCurve(probabilities, correct, 5);
  assert.deepEqual(
    find(exp, 'calibration_reliability', labels)
      .map((s) => s.labels['bin'])
      .sort(),
    curve.bins.map((b) => b.label).sort(),
  );
  // [0, 0.2] holds 0.2, (0.2, 0.4] holds 0.4: bins '0.1' and '0.3' each have one right prediction.
  assert.deepEqual(
    curve.bins.map((b) => b.label),
    ['0.1', '0.3', '0.5', '0.7', '0.9'],
  );
  for (const b of curve.bins)
    near(value(exp, 'calibration_reliability', { ...labels, bin: b.label }), b.observedFrequency, `bin ${b.label}`);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.1' }), 1);
});

test('calibration with positiveClass compares the probability with actual === positiveClass', async () => {
  const { monitoring } = await start({ calibrationBins: 2 });
  // P(up) for a binary model, whatever class it predicted.
  const rows: [string, number, string][] = [
    ['up', 0.8, 'up'],
    ['down', 0.3, 'up'],
    ['down', 0.1, 'down'],
    ['down', 0.2, 'down'],
    ['up', 0.7, 'down'],
  ];
  for (const [predicted, probability, actual] of rows)
    monitoring.recordPrediction({ ...key, predicted, probability, positiveClass: 'up', actual });
  const exp = await flushAndScrape(monitoring);
  const positives = rows.map(([p, , a]) => calibrationLabel(p, a, 'up'));
  assert.deepEqual(positives, [1, 1, 0, 0, 0]);
  const probabilities = rows.map((r) => r[1]);
  near(value(exp, 'calibration_error', labels), expectedCalibrationError(probabilities, positives, 2), 'ECE of P(up)');
  assert.notEqual(
    expectedCalibrationError(probabilities, positives, 2),
    expectedCalibrationError(
      probabilities,
      rows.map(([p, , a]) => calibrationLabel(p, a)),
      2,
    ),
    'the two readings must differ for this test to tell them apart',
  );
  // Bins [0, 0.5] and (0.5, 1]: up occurred in 1 of 3 and in 1 of 2.
  near(value(exp, 'calibration_reliability', { ...labels, bin: '0.25' }), 1 / 3, 'bin 0.25');
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.75' }), 0.5);
});

test('a reliability bin emptied by the moving window is no longer published', async () => {
  const { monitoring } = await start({ windowSize: 2 });
  monitoring.recordPrediction({ ...key, predicted: 'up', probability: 0.1, actual: 'down' });
  monitoring.recordPrediction({ ...key, predicted: 'up', probability: 0.9, actual: 'up' });
  let exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.1' }), 0);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.9' }), 1);
  monitoring.recordPrediction({ ...key, predicted: 'up', probability: 0.85, actual: 'down' });
  exp = await flushAndScrape(monitoring);
  assert.equal(find(exp, 'calibration_reliability', { ...labels, bin: '0.1' }).length, 0);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.9' }), 0.5);
  near(value(exp, 'calibration_error', labels), expectedCalibrationError([0.9, 0.85], [1, 0]), 'ECE of the window');
});

interface RiverFixture {
  readonly stream: readonly number[];
  readonly expected: Readonly<Record<string, { readonly indices: readonly number[] }>>;
}

// The stream of river's ADWIN and Page-Hinkley docstrings (test/fixtures/gen/river_streams.py): ADWIN detects at 1023, Page-Hinkley at 1006.
const river = JSON.parse(
  readFileSync(new URL('../fixtures/river/docstring-stream.json', import.meta.url), 'utf8'),
) as RiverFixture;

function driftEvents(exp: Exposition, detector: string, source: string, l: Record<string, string> = labels): number {
  return count(exp, 'model_drift_events_total', { ...l, detector, source });
}

test("drift on the error stream detects at river's indices; drift_detection is the largest score", async () => {
  const [adwinAt] = river.expected['adwin']!.indices;
  const [phAt] = river.expected['pageHinkley']!.indices;
  assert.equal(adwinAt, 1023);
  assert.equal(phAt, 1006);
  const { monitoring } = await start({ windowSize: 50 });
  // A regressor predicting 0 has absolute errors equal to the stream's values (all >= 0).
  const feed = (from: number, to: number) => {
    for (let i = from; i < to; i++) monitoring.recordPrediction({ ...key, predicted: 0, actual: river.stream[i]! });
  };
  feed(0, phAt!);
  let exp = await flushAndScrape(monitoring);
  assert.equal(driftEvents(exp, 'page_hinkley', 'error'), 0);
  assert.equal(driftEvents(exp, 'adwin', 'error'), 0);
  const scores = find(exp, 'model_drift_score', labels);
  assert.deepEqual(scores.map((s) => `${s.labels['detector']} ${s.labels['source']}`).sort(), [
    'adwin error',
    'page_hinkley error',
  ]);
  near(
    value(exp, 'drift_detection', labels),
    Math.max(...scores.map((s) => s.value)),
    'drift_detection = max of the scores',
  );

  feed(phAt!, adwinAt!);
  exp = await flushAndScrape(monitoring);
  assert.equal(driftEvents(exp, 'page_hinkley', 'error'), 1, `Page-Hinkley detects at index ${phAt}`);
  assert.equal(driftEvents(exp, 'adwin', 'error'), 0, 'ADWIN not yet');

  feed(adwinAt!, river.stream.length);
  exp = await flushAndScrape(monitoring);
  assert.equal(
    driftEvents(exp, 'adwin', 'error'),
    river.expected['adwin']!.indices.length,
    `ADWIN detects at index ${adwinAt}`,
  );
  assert.equal(driftEvents(exp, 'page_hinkley', 'error'), river.expected['pageHinkley']!.indices.length);
  near(
    value(exp, 'drift_detection', labels),
    Math.max(...find(exp, 'model_drift_score', labels).map((s) => s.value)),
    'drift_detection = max of the scores',
  );
});

test('recordFeature: drift per feature (source="feature:<name>", timeframe and symbol default to "all"); driftDetectors { adwin: false } turns ADWIN off', async () => {
  const { monitoring } = await start({ driftDetectors: { adwin: false } });
  for (const x of river.stream) monitoring.recordFeature({ modelName: 'lstm', feature: 'volatility', value: x });
  monitoring.recordFeature({ modelName: 'lstm', feature: 'spread', value: 0.5, timeframe: '1h', symbol: 'BTC/USD' });
  const exp = await flushAndScrape(monitoring);
  const all = { model_name: 'lstm', timeframe: 'all', symbol: 'all' };
  assert.equal(driftEvents(exp, 'page_hinkley', 'feature:volatility', all), 1);
  assert.equal(find(exp, 'model_drift_score', { detector: 'adwin' }).length, 0);
  assert.equal(find(exp, 'model_drift_events_total', { detector: 'adwin' }).length, 0);
  const phScore = value(exp, 'model_drift_score', { ...all, detector: 'page_hinkley', source: 'feature:volatility' });
  assert.equal(value(exp, 'drift_detection', all), phScore);
  assert.equal(
    find(exp, 'model_drift_score', { ...labels, source: 'feature:spread' }).length,
    1,
    'a feature of the 1h BTC/USD model',
  );
  assert.equal(find(exp, 'model_drift_score', { source: 'error' }).length, 0, 'no error stream without predictions');
});

test('recordFeature watches at most 100 features per model (fewer under a small series cap); more are dropped and counted', async () => {
  const { monitoring } = await start({ maxSeriesPerMetric: 3 });
  for (const feature of ['a', 'b', 'c', 'd']) monitoring.recordFeature({ modelName: 'm', feature, value: 1 });
  monitoring.recordFeature({ modelName: 'm', feature: 'a', value: 2 });
  const exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'recordFeature', reason: 'too_many' }), 1);
});

test('recordLearningStep sets online_learning_loss and memory_buffer_size and counts model_learning_steps_total, at once', async () => {
  const { monitoring } = await start({ modelMetricsInterval: 3600 });
  monitoring.recordLearningStep({ ...key, loss: 0.42, memorySize: 1000 });
  monitoring.recordLearningStep({ ...key, loss: 0.37 });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'online_learning_loss', labels), 0.37);
  assert.equal(value(exp, 'memory_buffer_size', labels), 1000, 'a step without memorySize keeps the last one');
  assert.equal(value(exp, 'model_learning_steps_total', labels), 2);
});

test('a model is published at every collection while its window fills, then every modelMetricsInterval or flush; a model without new events is not republished', async () => {
  const { monitoring } = await start({ modelMetricsInterval: 3600, windowSize: 4 });
  monitoring.recordPrediction({ ...key, predictionId: 'w', predicted: 'up' });
  let exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_predictions_total', labels), 1, 'counters are live');
  assert.equal(find(exp, 'model_accuracy').length, 0, 'nothing resolved yet: nothing computed');
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  monitoring.recordPrediction({ ...key, predicted: 'up', probability: 0.7, actual: 'down' });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_predictions_total', labels), 3);
  // The first figures, without waiting an hour for the interval.
  assert.equal(value(exp, 'model_accuracy', labels), 0.5);
  for (const name of ['model_precision', 'model_class_precision', 'calibration_error', 'model_pending_predictions'])
    assert.ok(find(exp, name).length > 0, `${name} at the first collection`);

  // The window (4) is not full yet: the next collection computes again, instead of showing 0.5 for an hour.
  monitoring.recordPrediction({ ...key, predicted: 'down', actual: 'up' });
  exp = await scrape(monitoring);
  near(value(exp, 'model_accuracy', labels), 1 / 3, 'while the window fills, every collection');
  monitoring.recordPrediction({ ...key, predicted: 'down', actual: 'down' });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_accuracy', labels), 2 / 4, 'the collection that sees the window full');

  // Full once: from now on the interval (an hour here) or a flush.
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'down' });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_accuracy', labels), 0.5, 'after the window was full, the interval (or a flush)');
  exp = await flushAndScrape(monitoring);
  near(value(exp, 'model_accuracy', labels), 1 / 4, 'the flush: the last 4 are wrong, wrong, right, wrong');

  monitoring.updateModelPerformance({ ...key, metrics: { accuracy: 0.123 } });
  exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_accuracy', labels), 0.123, "no new event: the flush leaves the bot's value");

  monitoring.recordPrediction({ ...key, predicted: 'down', actual: 'down' });
  exp = await flushAndScrape(monitoring);
  near(value(exp, 'model_accuracy', labels), 2 / 4, 'a new event: computed again');
});

const P = { ...key, predicted: 'up' };
const BAD: readonly [string, (m: MonitoringService) => void, string, string][] = [
  ['recordPrediction', (m) => m.recordPrediction(null as never), 'not_object', 'update'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, model_name: 'x' } as never), 'unknown_field', 'model_name'],
  [
    'recordPrediction',
    (m) => m.recordPrediction({ timeframe: '1h', symbol: 'X', predicted: 'up' } as never),
    'missing_field',
    'modelName',
  ],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, timeframe: '' }), 'empty_string', 'timeframe'],
  ['recordPrediction', (m) => m.recordPrediction({ ...key } as never), 'missing_field', 'predicted'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, predicted: '' }), 'empty_string', 'predicted'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, predicted: Number.NaN }), 'not_finite', 'predicted'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, predicted: true } as never), 'wrong_type', 'predicted'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, predictionId: '' }), 'empty_string', 'predictionId'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, predictionId: Infinity }), 'not_finite', 'predictionId'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, predictionId: {} } as never), 'wrong_type', 'predictionId'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, probability: 1.5 }), 'out_of_range', 'probability'],
  [
    'recordPrediction',
    (m) => m.recordPrediction({ ...P, predicted: 3, probability: 0.5 } as never),
    'wrong_type',
    'probability (a regression prediction has none)',
  ],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, positiveClass: '' }), 'empty_string', 'positiveClass'],
  ['recordPrediction', (m) => m.recordPrediction({ ...P, actual: 1 } as never), 'wrong_type', 'actual'],
  [
    'recordPrediction',
    (m) => m.recordPrediction({ ...P, predicted: 1, actual: 'up' } as never),
    'wrong_type',
    'actual',
  ],
  ['recordOutcome', (m) => m.recordOutcome(undefined as never), 'not_object', 'update'],
  ['recordOutcome', (m) => m.recordOutcome({ ...key, actual: 'up' } as never), 'missing_field', 'predictionId'],
  ['recordOutcome', (m) => m.recordOutcome({ ...key, predictionId: 'p' } as never), 'missing_field', 'actual'],
  ['recordOutcome', (m) => m.recordOutcome({ ...key, predictionId: 'p', actual: '' }), 'empty_string', 'actual'],
  ['recordOutcome', (m) => m.recordOutcome({ ...key, predictionId: 'p', actual: Number.NaN }), 'not_finite', 'actual'],
  [
    'recordOutcome',
    (m) => m.recordOutcome({ ...key, symbol: 5, predictionId: 'p', actual: 'up' } as never),
    'wrong_type',
    'symbol',
  ],
  ['recordLearningStep', (m) => m.recordLearningStep({ ...key, loss: Number.NaN }), 'not_finite', 'loss'],
  ['recordLearningStep', (m) => m.recordLearningStep({ ...key } as never), 'missing_field', 'loss'],
  ['recordLearningStep', (m) => m.recordLearningStep({ ...key, loss: 1, memorySize: -1 }), 'negative', 'memorySize'],
  ['recordLearningStep', (m) => m.recordLearningStep({ ...key, loss: 1, lr: 0.1 } as never), 'unknown_field', 'lr'],
  ['recordFeature', (m) => m.recordFeature('x' as never), 'not_object', 'feature'],
  ['recordFeature', (m) => m.recordFeature({ modelName: 'm', feature: '', value: 1 }), 'empty_string', 'feature'],
  ['recordFeature', (m) => m.recordFeature({ modelName: 'm', feature: 'f', value: Infinity }), 'not_finite', 'value'],
  [
    'recordFeature',
    (m) => m.recordFeature({ modelName: 'm', feature: 'f', value: 1, timeframe: 5 } as never),
    'wrong_type',
    'timeframe',
  ],
  [
    'recordFeature',
    (m) => m.recordFeature({ modelName: 'm', feature: 'f', value: 1, model: 'x' } as never),
    'unknown_field',
    'model',
  ],
];

test('invalid input to each prediction method is dropped as a whole and counted by method and reason', async () => {
  const { monitoring } = await start();
  for (const [, call] of BAD) call(monitoring);
  const exp = await flushAndScrape(monitoring);
  const expected = new Map<string, number>();
  for (const [method, , reason] of BAD)
    expected.set(`${method} ${reason}`, (expected.get(`${method} ${reason}`) ?? 0) + 1);
  for (const [k, n] of expected) {
    const [method, reason] = k.split(' ') as [string, string];
    assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method, reason }), n, k);
  }
  assert.equal(count(exp, 'monitoring_invalid_inputs_total', {}), BAD.length);
  for (const name of [
    'model_predictions_total',
    'model_outcomes_total',
    'model_outcome_join_failures_total',
    'model_learning_steps_total',
    'online_learning_loss',
    'model_drift_score',
    'model_pending_predictions',
  ]) {
    assert.equal(find(exp, name).length, 0, `${name}: nothing of a rejected call is recorded`);
  }
});

test('in strict mode each invalid input throws MonitoringInputError naming the method, reason and field', async () => {
  const { monitoring } = await start({ strict: true });
  for (const [method, call, reason, field] of BAD) {
    assert.throws(
      () => call(monitoring),
      (error: unknown) => {
        assert.ok(error instanceof MonitoringInputError, `${method} ${reason}`);
        assert.equal(error.method, method);
        assert.equal(error.reason, reason);
        assert.equal(error.field, field);
        return true;
      },
    );
  }
});

test('a model keeps its kind: a number after classes (or a class after numbers) is rejected', async () => {
  const { monitoring } = await start();
  monitoring.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  monitoring.recordPrediction({ ...key, predicted: 1.5, actual: 2 });
  monitoring.recordPrediction({ ...key, predictionId: 'r', predicted: 1.5 });
  monitoring.recordPrediction({ ...key, timeframe: '4h', predictionId: 'r', predicted: 1.5 });
  monitoring.recordPrediction({ ...key, timeframe: '4h', predicted: 'up', actual: 'up' });
  monitoring.recordOutcome({ ...key, timeframe: '4h', predictionId: 'r', actual: 'up' });
  const exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'recordPrediction', reason: 'wrong_type' }), 3);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'recordOutcome', reason: 'wrong_type' }), 1);
  assert.equal(value(exp, 'model_predictions_total', labels), 1);
  assert.equal(value(exp, 'model_predictions_total', { ...labels, timeframe: '4h' }), 1);
  assert.equal(find(exp, 'model_rmse', labels).length, 0);
  assert.equal(value(exp, 'model_accuracy', labels), 1);
  assert.equal(value(exp, 'model_pending_predictions', { ...labels, timeframe: '4h' }), 1);

  await stopAll();
  const strict = (await start({ strict: true })).monitoring;
  strict.recordPrediction({ ...key, predicted: 'up', actual: 'up' });
  assert.throws(
    () => strict.recordPrediction({ ...key, predicted: 2, actual: 2 }),
    (e: unknown) => e instanceof MonitoringInputError && e.reason === 'wrong_type' && e.field.startsWith('predicted'),
  );
});

test('past maxSeriesPerMetric models, predictions fold into the overflow series once each and nothing else is counted there', async () => {
  const { monitoring } = await start({ maxSeriesPerMetric: 2 });
  for (let i = 0; i < 5; i++) monitoring.recordPrediction({ ...key, symbol: `S${i}`, predicted: 'up', actual: 'up' });
  monitoring.recordPrediction({ ...key, symbol: 'S4', predicted: 'up', actual: 'down' });
  monitoring.recordOutcome({ ...key, symbol: 'S4', predictionId: 'p', actual: 'up' });
  monitoring.recordFeature({ modelName: 'other', feature: 'f', value: 1 });
  const exp = await flushAndScrape(monitoring);
  assert.equal(value(exp, 'model_predictions_total', { symbol: 'S0' }), 1);
  assert.equal(value(exp, 'model_predictions_total', { symbol: 'S1' }), 1);
  assert.equal(
    value(exp, 'model_predictions_total', { otel_metric_overflow: 'true' }),
    4,
    'S2, S3 and two for S4: predictions only',
  );
  assert.equal(count(exp, 'model_predictions_total', {}), 6);
  // Every call that could not be analysed past the cap is counted once: 4 predictions, the outcome and the feature.
  assert.equal(value(exp, 'monitoring_series_overflow_total', { metric: 'model_predictions_total' }), 6);
  assert.equal(find(exp, 'model_accuracy', { symbol: 'S4' }).length, 0);
  assert.equal(value(exp, 'model_accuracy', { symbol: 'S1' }), 1);
});
