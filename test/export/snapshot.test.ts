import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyResource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { toSnapshot } from '../../src/export/snapshot.ts';
import { sampleMetrics } from '../fixtures/export/metrics.ts';

const AT = new Date('2026-11-26T19:16:43.123Z');

test('a snapshot holds every metric under its Prometheus name, with scrape-style labels and cumulative buckets', async () => {
  const snapshot = toSnapshot(await sampleMetrics(), AT);
  assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), {
    timestamp: '2026-11-26T19:16:43.123Z',
    resource: { 'service.name': 'bot', 'service.version': '1.2.3' },
    metrics: [
      {
        name: 'trading_signals_total',
        otelName: 'trading_signals',
        type: 'counter',
        unit: '{signal}',
        description: 'Signals.',
        points: [
          { labels: { symbol: 'BTC/USD', direction: 'buy' }, value: 3 },
          { labels: { symbol: 'ETH/USD', direction: 'sell' }, value: 2 },
        ],
      },
      {
        // Renamed as on the scrape; a non-monotonic sum is a gauge; the label name is sanitized.
        name: 'system_processes',
        otelName: 'system.process.count',
        type: 'gauge',
        unit: '{process}',
        description: 'Processes.',
        points: [{ labels: { process_status: 'running' }, value: 7 }],
      },
      {
        name: 'open_positions',
        otelName: 'open_positions',
        type: 'gauge',
        unit: '',
        description: 'Open positions.',
        points: [{ labels: {}, value: -2 }],
      },
      {
        name: 'portfolio_value',
        otelName: 'portfolio_value',
        type: 'gauge',
        unit: '',
        description: 'Portfolio value.',
        points: [{ labels: { currency: 'USD' }, value: 1234.5 }],
      },
      {
        // Observations 0.05, 0.2, 0.3, 0.7 and 5 against bounds 0.1, 0.5, 1.
        name: 'api_latency',
        otelName: 'api_latency',
        type: 'histogram',
        unit: 's',
        description: 'Latency.',
        points: [
          {
            labels: { endpoint: '/orders' },
            count: 5,
            sum: 6.25,
            buckets: [
              { le: '0.1', count: 1 },
              { le: '0.5', count: 3 },
              { le: '1', count: 4 },
              { le: '+Inf', count: 5 },
            ],
          },
        ],
      },
    ],
  });
});

test('non-string labels are JSON-encoded, non-finite values become null, and an empty histogram still ends at +Inf', () => {
  const time: [number, number] = [0, 0];
  const rm: ResourceMetrics = {
    resource: emptyResource(),
    scopeMetrics: [
      {
        scope: { name: 's' },
        metrics: [
          {
            descriptor: { name: 'g', description: '', unit: '', valueType: 1 },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [
              {
                startTime: time,
                endTime: time,
                attributes: { n: 1, ok: true, list: ['a', 'b'] },
                value: Number.POSITIVE_INFINITY,
              },
            ],
          },
          {
            descriptor: { name: 'h', description: '', unit: '', valueType: 1 },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints: [
              {
                startTime: time,
                endTime: time,
                attributes: {},
                value: { buckets: { boundaries: [], counts: [0] }, count: 0 },
              },
            ],
          },
        ],
      },
    ],
  };
  const { metrics } = toSnapshot(rm, AT);
  assert.deepEqual(metrics[0]?.points, [{ labels: { n: '1', ok: 'true', list: '["a","b"]' }, value: null }]);
  assert.deepEqual(metrics[1]?.points, [{ labels: {}, count: 0, sum: null, buckets: [{ le: '+Inf', count: 0 }] }]);
});
