import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HrTime } from '@opentelemetry/api';
import { DataPointType, type MetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/contract/metrics.ts';
import { DeltaTracker, type Delivery } from '../../src/storage/delta.ts';
import { InstrumentRegistry } from '../../src/storage/registry.ts';
import { prng } from '../helpers/random.ts';

const at = (second: number): HrTime => [second, 0];

/** A registry with one counter series and one histogram series, and a clock in whole seconds. */
function setup() {
  const registry = new InstrumentRegistry(100, () => {});
  const trades = registry.counter(METRICS.executedTrades).get3('BTC/USD', 'buy', 'success');
  const latency = registry.histogram(METRICS.apiLatency).get2('/orders', 'POST');
  const tracker = new DeltaTracker(at(0));
  let second = 0;
  const batch = () => tracker.toDelta(registry.collect(at(++second)), at(second));
  return { registry, trades, latency, tracker, batch };
}

/** The delta points of the counter: [start second, end second, value]. */
function trades(metrics: readonly MetricData[]): [number, number, number][] {
  const m = metrics.find((x) => x.descriptor.name === 'executed_trades') as SumMetricData | undefined;
  return (m?.dataPoints ?? []).map((p) => [p.startTime[0], p.endTime[0], p.value]);
}

test('consecutive batches cover consecutive windows; a series without change is left out, gauges pass through', () => {
  const s = setup();
  s.registry.gauge(METRICS.portfolioValue).table.get0().value = 100;
  s.trades.value += 3;
  const first = s.batch();
  assert.deepEqual(trades(first.metrics), [[0, 1, 3]]);
  first.settle('delivered');
  const second = s.batch();
  assert.deepEqual(trades(second.metrics), [], 'no change, no point');
  assert.ok(
    second.metrics.some((m) => m.descriptor.name === 'portfolio_value'),
    'the gauge is there',
  );
  second.settle('delivered');
  s.trades.value += 2;
  assert.deepEqual(trades(s.batch().metrics), [[2, 3, 2]]);
});

test('not_delivered: the next batch starts where the failed one started and carries its change again', () => {
  const s = setup();
  s.trades.value += 3;
  s.batch().settle('not_delivered');
  s.trades.value += 2;
  assert.deepEqual(trades(s.batch().metrics), [[0, 2, 5]]);
});

test('unknown: the batch counts as delivered, the next one starts at its end (a gap if the collector lost it)', () => {
  const s = setup();
  s.trades.value += 3;
  s.batch().settle('unknown');
  s.trades.value += 2;
  assert.deepEqual(trades(s.batch().metrics), [[1, 2, 2]]);
});

test('histograms: counts, sum and buckets are differences, and roll back like sums', () => {
  const s = setup();
  s.latency.record(0.003);
  s.batch().settle('delivered');
  s.latency.record(0.003);
  s.latency.record(0.2);
  s.batch().settle('not_delivered');
  const m = s.batch().metrics.find((x) => x.dataPointType === DataPointType.HISTOGRAM)!;
  const p = m.dataPoints[0]!;
  assert.deepEqual([p.startTime[0], p.endTime[0]], [1, 3]);
  const v = p.value as { count: number; sum: number; buckets: { counts: number[] } };
  assert.equal(v.count, 2);
  assert.ok(Math.abs(v.sum - 0.203) < 1e-12);
  assert.equal(
    v.buckets.counts.reduce((a, b) => a + b, 0),
    2,
  );
});

test('a failure settled after a later batch left: the later one inherits the rollback point', () => {
  const s = setup();
  s.trades.value += 1;
  const b1 = s.batch(); // [0,1] 1
  s.trades.value += 10;
  const b2 = s.batch(); // [1,2] 10, sent while b1 is in flight
  b1.settle('not_delivered');
  b2.settle('not_delivered');
  assert.deepEqual(trades(s.batch().metrics), [[0, 3, 11]], 'both failed: the next batch carries both');

  const t = setup();
  t.trades.value += 1;
  const c1 = t.batch();
  t.trades.value += 10;
  const c2 = t.batch();
  c1.settle('not_delivered');
  c2.settle('delivered');
  t.trades.value += 100;
  assert.deepEqual(
    trades(t.batch().metrics),
    [[2, 3, 100]],
    "c1's change is lost rather than sent again over c2's window",
  );
});

test('a collection not newer than the last batch yields no sums; settling twice changes nothing', () => {
  const s = setup();
  s.trades.value += 1;
  const b = s.batch();
  b.settle('delivered');
  b.settle('not_delivered');
  const stale = s.tracker.toDelta(s.registry.collect(at(1)), at(1));
  assert.deepEqual(trades(stale.metrics), []);
  s.trades.value += 1;
  assert.deepEqual(trades(s.batch().metrics), [[1, 2, 1]]);
});

test('seed: deltas start from a restored baseline', () => {
  const s = setup();
  s.trades.value += 40;
  s.tracker.seed(s.registry.collect(at(0)), at(0));
  s.trades.value += 2;
  assert.deepEqual(trades(s.batch().metrics), [[0, 1, 2]]);
});

/**
 * The oracle: a collector that keeps every delivered batch, none that was not delivered, and half of
 * those of unknown fate. Whatever the fates, it never holds more than was recorded.
 */
function run(seed: number, maxInFlight: number): { recorded: number; kept: number; lostUnknown: number } {
  const random = prng(seed);
  const s = setup();
  let recorded = 0;
  let kept = 0;
  let lostUnknown = 0;
  const inFlight: { value: number; settle: (d: Delivery) => void }[] = [];
  const settleOne = () => {
    const b = inFlight.splice(Math.floor(random() * inFlight.length), 1)[0]!;
    const r = random();
    const fate: Delivery = r < 0.4 ? 'delivered' : r < 0.7 ? 'not_delivered' : 'unknown';
    const keeps = fate === 'delivered' || (fate === 'unknown' && random() < 0.5);
    if (keeps) kept += b.value;
    else if (fate === 'unknown') lostUnknown += b.value;
    b.settle(fate);
  };
  for (let step = 0; step < 60; step++) {
    const n = Math.floor(random() * 5);
    s.trades.value += n;
    recorded += n;
    const batch = s.batch();
    inFlight.push({ value: trades(batch.metrics).reduce((sum, p) => sum + p[2], 0), settle: batch.settle });
    while (inFlight.length >= maxInFlight || (inFlight.length > 0 && random() < 0.5)) settleOne();
    assert.ok(kept <= recorded, `seed ${seed}: kept ${kept} > recorded ${recorded}`);
  }
  while (inFlight.length > 0) settleOne();
  // A last batch, delivered, carries whatever the not_delivered ones left behind.
  const last = s.batch();
  kept += trades(last.metrics).reduce((sum, p) => sum + p[2], 0);
  last.settle('delivered');
  assert.ok(kept <= recorded, `seed ${seed}: kept ${kept} > recorded ${recorded}`);
  return { recorded, kept, lostUnknown };
}

test('oracle, one batch at a time: the collector holds exactly what was recorded minus the unknown-fate batches it dropped', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const { recorded, kept, lostUnknown } = run(seed, 1);
    assert.equal(kept + lostUnknown, recorded, `seed ${seed}`);
  }
});

test('oracle, batches overlapping and settled in any order: never more than was recorded', () => {
  for (let seed = 1; seed <= 200; seed++) run(seed, 3);
});
