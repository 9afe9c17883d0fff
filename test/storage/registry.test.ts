import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { emptyResource } from '@opentelemetry/resources';
import { RegistryProducer } from '../../src/storage/producer.ts';
import { InstrumentRegistry } from '../../src/storage/registry.ts';
import { METRICS } from '../../src/contract/metrics.ts';

function registry() {
  return new InstrumentRegistry(100, () => {});
}

function byName(metrics: MetricData[], name: string): MetricData | undefined {
  return metrics.find((m) => m.descriptor.name === name);
}

test('counters publish as monotonic cumulative sums under the name without _total', () => {
  const r = registry();
  r.counter(METRICS.executedTrades).get3('BTC/USD', 'buy', 'success').value += 3;
  const m = byName(r.collect(), 'executed_trades') as SumMetricData;
  assert.equal(m.dataPointType, DataPointType.SUM);
  assert.equal(m.isMonotonic, true);
  assert.equal(m.aggregationTemporality, AggregationTemporality.CUMULATIVE);
  assert.deepEqual(
    m.dataPoints.map((p) => [p.attributes, p.value]),
    [[{ symbol: 'BTC/USD', direction: 'buy', status: 'success' }, 3]],
  );
});

test('a gauge never set publishes nothing; beginUpdate makes unset series read their absent value', () => {
  const r = registry();
  const unset = r.gauge(METRICS.portfolioValue);
  const positions = r.gauge(METRICS.openPositions, 0);
  unset.table.get0();
  positions.beginUpdate();
  positions.set(positions.table.get2('BTC/USD', 'buy'), 2);
  positions.set(positions.table.get2('ETH/USD', 'buy'), 1);
  positions.beginUpdate();
  positions.set(positions.table.get2('BTC/USD', 'buy'), 5);
  const metrics = r.collect();
  assert.equal(byName(metrics, 'portfolio_value'), undefined);
  const points = (byName(metrics, 'open_positions') as SumMetricData).dataPoints.map((p) => [
    p.attributes.symbol,
    p.value,
  ]);
  assert.deepEqual(points, [
    ['BTC/USD', 5],
    ['ETH/USD', 0],
  ]);
});

test('the counter read from a histogram equals its observation count, and the snapshot is a copy', () => {
  const r = registry();
  const h = r.histogram(METRICS.tradingSignalConfidence);
  r.counterOfHistogram(METRICS.tradingSignals, h);
  const s = h.get3('BTC/USD', 'buy', 'm');
  s.record(0.85);
  s.record(0.05);
  const metrics = r.collect();
  s.record(0.5);
  const hist = byName(metrics, 'trading_signal_confidence') as HistogramMetricData;
  const count = byName(metrics, 'trading_signals') as SumMetricData;
  assert.equal(count.dataPoints[0]?.value, 2);
  assert.equal(hist.dataPoints[0]?.value.count, 2);
  assert.deepEqual(hist.dataPoints[0]?.value.buckets.counts, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(hist.dataPoints[0]?.value.buckets.boundaries, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
});

test('a name or type registered twice is refused', () => {
  const r = registry();
  r.counter(METRICS.apiRequests);
  assert.throws(() => r.counter(METRICS.apiRequests), /already registered/);
  assert.throws(() => r.gauge(METRICS.apiErrors), /is a counter, not a gauge/);
});

test('every reader of the MeterProvider sees the same data from the producer', async () => {
  const r = registry();
  const producer = () => new RegistryProducer(r, emptyResource(), { name: 'test' });
  const exporterA = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const exporterB = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const readerA = new PeriodicExportingMetricReader({
    exporter: exporterA,
    exportIntervalMillis: 3_600_000,
    metricProducers: [producer()],
  });
  const readerB = new PeriodicExportingMetricReader({
    exporter: exporterB,
    exportIntervalMillis: 3_600_000,
    metricProducers: [producer()],
  });
  const provider = new MeterProvider({ readers: [readerA, readerB] });
  const c = r.counter(METRICS.apiRequests);
  for (let i = 0; i < 5; i++) c.get3('/a', 'GET', '200').value++;
  const [a, b] = await Promise.all([readerA.collect(), readerB.collect()]);
  const values = (res: typeof a) =>
    res.resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .flatMap((m) => (m as SumMetricData).dataPoints.map((p) => p.value));
  assert.deepEqual(values(a), [5]);
  assert.deepEqual(values(b), [5]);
  await provider.shutdown();
});
