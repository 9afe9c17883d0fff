import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { RUNTIME, RuntimeMetrics } from '../../src/collectors/runtime.ts';
import { resolveOptions } from '../../src/config/options.ts';
import { silentLogger } from '../../src/index.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { find } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

/** A reader collected by the test itself. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.collect();
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const m of scope.metrics) out.set(m.descriptor.name, m);
    return out;
  }
}

/** A full garbage collection now (the test runner has no --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const monotonic = (m: MetricData) => ('isMonotonic' in m ? m.isMonotonic : undefined);
const attributeValues = (m: MetricData, key: string) =>
  [...new Set(m.dataPoints.map((p) => String(p.attributes[key])))].sort();

test('runtime metrics: the names, descriptions, units, types, attributes and buckets of OpenTelemetry runtime-node, and the same GC figures', async () => {
  const oursReader = new TestReader();
  const oursProvider = new MeterProvider({ readers: [oursReader] });
  const ours = new RuntimeMetrics(oursProvider.getMeter('test'), silentLogger, { delayP99: true });
  const refReader = new TestReader();
  const refProvider = new MeterProvider({ readers: [refReader] });
  const reference = new RuntimeNodeInstrumentation({ enabled: false });
  reference.setMeterProvider(refProvider);
  reference.enable();
  try {
    // The delay gauges appear once each histogram holds 5 samples (10 ms apart): collect until every
    // metric has been seen by both, keeping the latest reading of each.
    const mine = new Map<string, MetricData>();
    const theirs = new Map<string, MetricData>();
    const expected = Object.values(RUNTIME).length;
    for (let i = 0; i < 500 && (mine.size < expected || theirs.size < expected); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (const [name, metric] of await oursReader.metrics()) mine.set(name, metric);
      for (const [name, metric] of await refReader.metrics()) theirs.set(name, metric);
    }
    assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort(), 'the same metrics');
    assert.deepEqual([...mine.keys()].sort(), Object.values(RUNTIME).sort());
    for (const [name, metric] of theirs) {
      const m = mine.get(name)!;
      assert.deepEqual(m.descriptor, metric.descriptor, `${name}: descriptor`);
      assert.equal(m.dataPointType, metric.dataPointType, `${name}: type`);
      assert.equal(monotonic(m), monotonic(metric), `${name}: monotonic`);
      const keys = (x: MetricData) => [...new Set(x.dataPoints.flatMap((p) => Object.keys(p.attributes)))].sort();
      assert.deepEqual(keys(m), keys(metric), `${name}: attribute keys`);
    }
    const spaces = (x: Map<string, MetricData>) => attributeValues(x.get(RUNTIME.heapUsed)!, 'v8js.heap.space.name');
    assert.deepEqual(spaces(mine), spaces(theirs), 'the same heap spaces');
    assert.deepEqual(attributeValues(mine.get(RUNTIME.eventLoopTime)!, 'nodejs.eventloop.state'), ['active', 'idle']);
    for (const name of [RUNTIME.eventLoopDelayP50, RUNTIME.eventLoopDelayP99])
      assert.ok(mine.get(name)!.dataPoints.length === 1 && theirs.get(name)!.dataPoints.length === 1, name);

    // Both observers saw the same collections: the same count and sum of pauses per kind, in the same buckets.
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [mineNow, theirsNow] = await Promise.all([oursReader.metrics(), refReader.metrics()]);
    const gc = (x: Map<string, MetricData>) => {
      const h = x.get(RUNTIME.gcDuration) as HistogramMetricData;
      assert.equal(h.dataPointType, DataPointType.HISTOGRAM);
      return h.dataPoints
        .map((p) => ({
          type: p.attributes['v8js.gc.type'],
          count: p.value.count,
          sum: p.value.sum,
          buckets: p.value.buckets,
        }))
        .sort((a, b) => String(a.type).localeCompare(String(b.type)));
    };
    const ourGc = gc(mineNow);
    assert.ok(
      ourGc.some((p) => p.type === 'major' && p.count >= 1),
      'the forced collection is counted as major',
    );
    assert.deepEqual(ourGc, gc(theirsNow));
  } finally {
    ours.stop();
    reference.disable();
    await Promise.all([oursProvider.shutdown(), refProvider.shutdown()]);
  }
});

test('runtime metrics: on by default, in a real scrape, promtool-clean, the delay p99 once with the dashboard on and off', async (t) => {
  assert.equal(resolveOptions({}).runtimeMetrics, true);
  for (const dashboard of [true, false]) {
    const { monitoring } = await start({ dashboard, runtimeMetrics: true });
    collectGarbage();
    // The delay gauges appear once the histogram holds samples since the previous reading: scrape until then.
    let text = '';
    for (let i = 0; i < 100 && !/^nodejs_eventloop_delay_p99 /m.test(text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await (await fetch(monitoring.metricsUrl!)).text();
    }
    const exp = await scrape(monitoring);
    for (const name of [
      'nodejs_eventloop_utilization',
      'nodejs_eventloop_time_total',
      'v8js_memory_heap_used',
      'v8js_memory_heap_space_size',
      'v8js_memory_heap_space_available_size',
      'v8js_memory_heap_space_physical_size',
      'v8js_gc_duration_count',
      'v8js_resource_active',
    ])
      assert.ok(find(exp, name).length > 0, `${name} has samples (dashboard ${dashboard})`);
    const utilization = find(exp, 'nodejs_eventloop_utilization')[0]!.value;
    assert.ok(utilization >= 0 && utilization <= 1, `utilization ${utilization} in [0, 1]`);
    assert.ok(find(exp, 'v8js_gc_duration_count', { v8js_gc_type: 'major' })[0]!.value >= 1);
    assert.equal(text.match(/^# TYPE nodejs_eventloop_delay_p99 gauge$/gm)?.length, 1, 'one p99 family');
    assert.equal(text.match(/^nodejs_eventloop_delay_p99 /gm)?.length, 1, 'one p99 sample');
    if (requireBinary(t, 'promtool'))
      assert.equal(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).trim(), '');
    await stopAll();
  }
});

test('runtimeMetrics: false publishes none of them', async () => {
  const { monitoring } = await start({ runtimeMetrics: false, dashboard: false });
  const text = await monitoring.metricsText();
  assert.match(text, /^target_info\{/m, 'a real exposition');
  assert.doesNotMatch(text, /^(nodejs_eventloop|v8js)_/m);
});

test('runtime metrics are process-scoped: the durable state does not hold them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runtime-state-'));
  try {
    const { monitoring } = await start({ stateDirectory: dir, dashboard: false, runtimeMetrics: true });
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.match(await monitoring.metricsText(), /^v8js_gc_duration_count\{/m);
    await stopAll();
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length > 0, 'the state was written');
    for (const file of files) assert.doesNotMatch(readFileSync(join(dir, file), 'utf8'), /v8js|nodejs\.eventloop/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
