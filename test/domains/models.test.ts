import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { find, value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const key = { modelName: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
const labels = { model_name: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };

test('updateModelPerformance publishes any subset of the six figures per model, timeframe and symbol', async () => {
  const { monitoring } = await start();
  monitoring.updateModelPerformance({
    ...key,
    metrics: { accuracy: 0.7, precision: 0.65, recall: 0.6, f1Score: 0.62 },
  });
  monitoring.updateModelPerformance({ ...key, timeframe: '4h', metrics: { rmse: 12.5, mae: 9 } });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'model_accuracy', labels), 0.7);
  assert.equal(value(exp, 'model_precision', labels), 0.65);
  assert.equal(value(exp, 'model_recall', labels), 0.6);
  assert.equal(value(exp, 'model_f1_score', labels), 0.62);
  assert.equal(value(exp, 'model_rmse', { ...labels, timeframe: '4h' }), 12.5);
  assert.equal(value(exp, 'model_mae', { ...labels, timeframe: '4h' }), 9);
  assert.equal(find(exp, 'model_rmse', labels).length, 0);
  assert.deepEqual(Object.keys(find(exp, 'model_accuracy')[0]!.labels), ['model_name', 'timeframe', 'symbol']);
});

test('updateCalibrationMetrics sets the ECE and replaces the reliability bins of that model', async () => {
  const { monitoring } = await start();
  monitoring.updateCalibrationMetrics({ ...key, ece: 0.04, reliabilityBins: { '0.1': 0.12, '0.3': 0.28 } });
  monitoring.updateCalibrationMetrics({ ...key, symbol: 'ETH/USD', reliabilityBins: { '0.9': 0.8 } });
  let exp = await scrape(monitoring);
  assert.equal(value(exp, 'calibration_error', labels), 0.04);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.1' }), 0.12);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.3' }), 0.28);
  assert.equal(find(exp, 'calibration_error', { symbol: 'ETH/USD' }).length, 0, 'no ECE given, none published');

  monitoring.updateCalibrationMetrics({ ...key, reliabilityBins: { '0.3': 0.3, '0.5': 0.52 } });
  exp = await scrape(monitoring);
  assert.equal(
    find(exp, 'calibration_reliability', { ...labels, bin: '0.1' }).length,
    0,
    'a bin missing from the update is no longer published',
  );
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.3' }), 0.3);
  assert.equal(value(exp, 'calibration_reliability', { ...labels, bin: '0.5' }), 0.52);
  assert.equal(value(exp, 'calibration_error', labels), 0.04, 'the ECE is kept when only bins change');
  assert.equal(
    value(exp, 'calibration_reliability', { symbol: 'ETH/USD', bin: '0.9' }),
    0.8,
    'other models keep their bins',
  );
});

test('updateOnlineLearningMetrics sets drift, memory size and loss', async () => {
  const { monitoring } = await start();
  monitoring.updateOnlineLearningMetrics({ ...key, driftScore: 0.15, memorySize: 2000, loss: 0.08 });
  monitoring.updateOnlineLearningMetrics({ ...key, loss: -1.5 });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'drift_detection', labels), 0.15);
  assert.equal(value(exp, 'memory_buffer_size', labels), 2000);
  assert.equal(value(exp, 'online_learning_loss', labels), -1.5, 'a loss may be negative (log-likelihood objectives)');
});
