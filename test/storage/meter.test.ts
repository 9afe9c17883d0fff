import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, Meter } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { RuntimeMetrics } from '../../src/collectors/runtime.ts';
import { SystemMetrics } from '../../src/collectors/system.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { InstrumentMeter } from '../../src/storage/meter.ts';
import { parseExposition } from '../helpers/exposition.ts';

// The reference: OpenTelemetry's SDK with a plain cumulative pull reader, serialized by its own Prometheus serializer.
class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const resource = resourceFromAttributes({ 'service.name': 'meter-test' });
const serializer = new PrometheusSerializer('', false, undefined, false, true);
const text = (metrics: MetricData[]) =>
  serializer.serialize({ resource, scopeMetrics: [{ scope: { name: 'test' }, metrics }] });

function reference(): { meter: Meter; collect: () => Promise<string> } {
  const reader = new TestReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  return {
    meter: provider.getMeter('test'),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      assert.deepEqual(errors, []);
      return text(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics));
    },
  };
}

function ours(): { meter: Meter; collect: () => Promise<string> } {
  const meter = new InstrumentMeter();
  return {
    meter,
    collect: async () => {
      const { metrics, errors } = await meter.collect();
      assert.deepEqual(errors, []);
      return text(metrics);
    },
  };
}

/**
 * Every kind of instrument, over rounds: values exactly representable (the SDK rebuilds an observable
 * counter's total from differences, which for these is exact), label sets given in another key order,
 * one appearing only in a later round and one observed no more (still published, as cumulative),
 * measurements the SDK drops (negative, non-number, an INT instrument's fraction truncated), advice
 * boundaries unsorted and with Infinity, an instrument with no measurement (not published).
 */
function drive(meter: Meter) {
  const counter = meter.createCounter('t.counter', { description: 'A "counter"\\', unit: '{call}' });
  const intCounter = meter.createCounter('t.int', { valueType: 0 });
  const upDown = meter.createUpDownCounter('t.updown');
  const gauge = meter.createGauge('t.gauge', { unit: 's' });
  const histogram = meter.createHistogram('t.histogram', { description: 'Latency', unit: 's' });
  const advised = meter.createHistogram('t.advised', { advice: { explicitBucketBoundaries: [1, Infinity, 0.5, 0.1] } });
  meter.createHistogram('t.unused');
  const obsGauge = meter.createObservableGauge('t.obs.gauge', { description: 'Observed' });
  const obsCounter = meter.createObservableCounter('t.obs.counter', { unit: 'By' });
  const obsUpDown = meter.createObservableUpDownCounter('t.obs.updown');
  const batchGauge = meter.createObservableGauge('t.batch.gauge');
  const batchCounter = meter.createObservableCounter('t.batch.counter');
  let round = 0;
  obsGauge.addCallback((r) => {
    r.observe(round * 1.5, { side: 'a', venue: 'x' });
    if (round > 0) r.observe(Infinity, { venue: 'late' });
  });
  obsCounter.addCallback((r) => {
    if (round < 2) r.observe(100 * (round + 1), { nic: 'eth0' });
    r.observe(8 * (round + 1), { nic: 'lo' });
  });
  obsUpDown.addCallback((r) => r.observe(round % 2 === 0 ? -4 : 12));
  meter.addBatchObservableCallback(
    async (r) => {
      await Promise.resolve();
      r.observe(batchGauge, 0.25 * round, { cpu: '0' });
      r.observe(batchCounter, 2 ** round, { cpu: '0' });
      r.observe(batchCounter, 'nope' as unknown as number, { cpu: '1' });
    },
    [batchGauge, batchCounter],
  );
  return {
    step() {
      round++;
      const ab: Attributes = { a: '1', b: 'two "quoted"\n' };
      const ba: Attributes = { b: 'two "quoted"\n', a: '1' };
      counter.add(2, ab);
      counter.add(0.5, ba);
      counter.add(-1, ab);
      counter.add('x' as unknown as number);
      intCounter.add(2.75, { k: 'v' });
      upDown.add(-3);
      upDown.add(round);
      gauge.record(round, { n: round });
      for (const v of [0, 0.1, 4, 5, 5.5, 10, 99, 250, 10_000, 20_000, -1]) histogram.record(v, { route: '/a' });
      if (round > 1) histogram.record(0.003, { route: '/b', method: 'GET' });
      for (const v of [0.05, 0.1, 0.5, 0.75, 1, 2]) advised.record(v);
    },
  };
}

test('InstrumentMeter publishes what OpenTelemetry sdk-metrics publishes, round after round, byte for byte', async () => {
  const a = reference();
  const b = ours();
  const da = drive(a.meter);
  const db = drive(b.meter);
  assert.equal(await b.collect(), await a.collect());
  for (let round = 0; round < 4; round++) {
    da.step();
    db.step();
    const expected = await a.collect();
    assert.equal(await b.collect(), expected);
    if (round === 3) assert.ok(expected.includes('t_advised_bucket{le="0.1"} 8'), expected);
  }
});

test("the SDK's host and runtime metrics: the same families, HELP, UNIT, TYPE and label sets as on OpenTelemetry's Meter", async () => {
  const a = reference();
  const b = ours();
  const provider = { getMeter: () => a.meter };
  const collectors = [
    new SystemMetrics(provider, a.meter, silentLogger),
    new RuntimeMetrics(a.meter, silentLogger, { delayP99: true }),
    new SystemMetrics({ getMeter: () => b.meter }, b.meter, silentLogger),
    new RuntimeMetrics(b.meter, silentLogger, { delayP99: true }),
  ];
  try {
    for (let i = 0; i < 2; i++) {
      const [expectedText, actualText] = [await a.collect(), await b.collect()];
      const headers = (text: string) => text.split('\n').filter((line) => line.startsWith('#'));
      assert.deepEqual(headers(actualText), headers(expectedText));
      const [expected, actual] = [parseExposition(expectedText), parseExposition(actualText)];
      const sets = (e: ReturnType<typeof parseExposition>) =>
        e.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort();
      // Garbage collections may happen between the two collections, and a request (a file read, a
      // handle's close) be active at one and done at the other: the GC histogram's kinds and the
      // active resources' types are left aside (their families are in the headers compared above).
      const noGc = (xs: string[]) =>
        xs.filter((x) => !x.startsWith('v8js_gc_duration') && !x.startsWith('v8js_resource_active'));
      assert.deepEqual(noGc(sets(actual)), noGc(sets(expected)));
      assert.ok(expected.samples.length > 50, `${expected.samples.length} samples`);
    }
  } finally {
    for (const c of collectors) c.stop();
  }
});
