import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type {
  Attributes,
  BatchObservableCallback,
  Histogram,
  Meter,
  Observable,
  ObservableGauge,
} from '@opentelemetry/api';
import type { Logger } from '../core/logger.ts';
import { DOUBLE_VALUES } from '../storage/data-model.ts';

/**
 * The metrics of OpenTelemetry's runtime-node instrumentation (0.37), published here under the same
 * names, descriptions, units, attributes and buckets (`test/collectors/runtime.test.ts` holds them
 * against the package). The package itself is not loaded: every `InstrumentationBase` installs a
 * require hook on all of the process's `require()` calls (require-in-the-middle, Node's internals
 * included), which an instrumentation that patches nothing does not need.
 */
export const RUNTIME = Object.freeze({
  eventLoopUtilization: 'nodejs.eventloop.utilization',
  eventLoopTime: 'nodejs.eventloop.time',
  eventLoopDelayMin: 'nodejs.eventloop.delay.min',
  eventLoopDelayMax: 'nodejs.eventloop.delay.max',
  eventLoopDelayMean: 'nodejs.eventloop.delay.mean',
  eventLoopDelayStddev: 'nodejs.eventloop.delay.stddev',
  eventLoopDelayP50: 'nodejs.eventloop.delay.p50',
  eventLoopDelayP90: 'nodejs.eventloop.delay.p90',
  eventLoopDelayP99: 'nodejs.eventloop.delay.p99',
  gcDuration: 'v8js.gc.duration',
  heapSpaceSize: 'v8js.memory.heap.space.size',
  heapUsed: 'v8js.memory.heap.used',
  heapSpaceAvailable: 'v8js.memory.heap.space.available_size',
  heapSpacePhysical: 'v8js.memory.heap.space.physical_size',
  resourcesActive: 'v8js.resource.active',
});

/** The instrumentation's default `monitoringPrecision`: the event-loop delay is sampled every 10 ms. */
const DELAY_RESOLUTION_MS = 10;
/** Fewer delay samples than this since the previous reading publish nothing, as the instrumentation does. */
const MIN_DELAY_SAMPLES = 5;
/** Buckets of `v8js.gc.duration`, in seconds (the instrumentation's). */
export const GC_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);
/**
 * `v8js.resource.type` values kept: Node's own resource types (timers, sockets, file requests...), a
 * few dozen; a bot's native add-on could name more, and those past the cap are not published.
 */
export const MAX_RESOURCE_TYPES = 64;

const GC_KINDS: ReadonlyMap<number, Attributes> = new Map<number, Attributes>([
  [constants.NODE_PERFORMANCE_GC_MAJOR, Object.freeze({ 'v8js.gc.type': 'major' })],
  [constants.NODE_PERFORMANCE_GC_MINOR, Object.freeze({ 'v8js.gc.type': 'minor' })],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, Object.freeze({ 'v8js.gc.type': 'incremental' })],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, Object.freeze({ 'v8js.gc.type': 'weakcb' })],
]);
const LOOP_ACTIVE: Attributes = Object.freeze({ 'nodejs.eventloop.state': 'active' });
const LOOP_IDLE: Attributes = Object.freeze({ 'nodejs.eventloop.state': 'idle' });

/** Options of {@link RuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /**
   * Publish `nodejs.eventloop.delay.p99`. Off when the dashboard publishes that gauge itself (the same
   * figure: the 99th percentile since the previous reading), so the scrape holds it once.
   */
  readonly delayP99: boolean;
}

/**
 * Node runtime metrics on the shared MeterProvider: event-loop utilization, time and delay, GC pauses
 * by kind, V8 heap spaces and the active resources (handles and requests) keeping the loop alive.
 * Read at collection time, except the GC pauses (a `PerformanceObserver`) and the delay (Node's
 * `monitorEventLoopDelay` histogram). The utilization and the delay gauges cover the time since the
 * previous collection by any reader (a scrape, a dashboard sample, a push), as the instrumentation's
 * do; `nodejs.eventloop.time` is cumulative and the same for every reader.
 */
export class RuntimeMetrics {
  private readonly meter: Meter;
  private readonly logger: Logger;
  private readonly delay: ReturnType<typeof monitorEventLoopDelay>;
  private readonly gcObserver: PerformanceObserver;
  private readonly observables: Observable[];
  private readonly callback: BatchObservableCallback;
  /** `v8js.resource.type` seen so far, with their attributes: a type that went away reads 0, as in the instrumentation. */
  private readonly resourceTypes = new Map<string, Attributes>();
  private resourceCapWarned = false;
  private lastUtilization = performance.eventLoopUtilization();

  constructor(meter: Meter, logger: Logger, options: RuntimeMetricsOptions) {
    this.meter = meter;
    this.logger = logger;
    const utilization = meter.createObservableGauge(RUNTIME.eventLoopUtilization, {
      description: 'Event loop utilization',
      unit: '1',
    });
    const loopTime = meter.createObservableCounter(RUNTIME.eventLoopTime, {
      description: 'Cumulative duration of time the event loop has been in each state.',
      unit: 's',
    });
    const delayGauge = (name: string, description: string) =>
      meter.createObservableGauge(name, { description, unit: 's' });
    const delay = {
      min: delayGauge(RUNTIME.eventLoopDelayMin, 'Event loop minimum delay.'),
      max: delayGauge(RUNTIME.eventLoopDelayMax, 'Event loop maximum delay.'),
      mean: delayGauge(RUNTIME.eventLoopDelayMean, 'Event loop mean delay.'),
      stddev: delayGauge(RUNTIME.eventLoopDelayStddev, 'Event loop standard deviation delay.'),
      p50: delayGauge(RUNTIME.eventLoopDelayP50, 'Event loop 50 percentile delay.'),
      p90: delayGauge(RUNTIME.eventLoopDelayP90, 'Event loop 90 percentile delay.'),
      p99: options.delayP99 ? delayGauge(RUNTIME.eventLoopDelayP99, 'Event loop 99 percentile delay.') : undefined,
    };
    const heapSpaceSize = meter.createObservableUpDownCounter(RUNTIME.heapSpaceSize, {
      description: 'Total heap memory size pre-allocated for a heap space.',
      unit: 'By',
    });
    const heapUsed = meter.createObservableGauge(RUNTIME.heapUsed, {
      description: 'Heap Memory size allocated.',
      unit: 'By',
    });
    const heapAvailable = meter.createObservableGauge(RUNTIME.heapSpaceAvailable, {
      description: 'Heap space available size.',
      unit: 'By',
    });
    const heapPhysical = meter.createObservableGauge(RUNTIME.heapSpacePhysical, {
      description: 'Committed size of a heap space.',
      unit: 'By',
    });
    const resources = meter.createObservableGauge(RUNTIME.resourcesActive, {
      description: 'Count of the active resources that are currently keeping the event loop alive.',
      unit: '{resource}',
    });
    const gcDuration: Histogram = meter.createHistogram(RUNTIME.gcDuration, {
      description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      unit: 's',
      valueType: DOUBLE_VALUES,
      advice: { explicitBucketBoundaries: [...GC_DURATION_BUCKETS] },
    });

    this.delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    this.delay.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } | null }).detail?.kind;
        const attributes = kind === undefined ? undefined : GC_KINDS.get(kind);
        if (attributes !== undefined) gcDuration.record(entry.duration / 1000, attributes);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });

    this.observables = [
      utilization,
      loopTime,
      ...Object.values(delay).filter((g): g is ObservableGauge => g !== undefined),
      heapSpaceSize,
      heapUsed,
      heapAvailable,
      heapPhysical,
      resources,
    ];
    this.callback = (result) => {
      const elu = performance.eventLoopUtilization();
      result.observe(utilization, performance.eventLoopUtilization(elu, this.lastUtilization).utilization);
      this.lastUtilization = elu;
      result.observe(loopTime, elu.active / 1000, LOOP_ACTIVE);
      result.observe(loopTime, elu.idle / 1000, LOOP_IDLE);

      const h = this.delay;
      if (h.count >= MIN_DELAY_SAMPLES) {
        result.observe(delay.min, seconds(h.min));
        result.observe(delay.max, seconds(h.max));
        result.observe(delay.mean, seconds(h.mean));
        result.observe(delay.stddev, seconds(h.stddev));
        result.observe(delay.p50, seconds(h.percentile(50)));
        result.observe(delay.p90, seconds(h.percentile(90)));
        if (delay.p99 !== undefined) result.observe(delay.p99, seconds(h.percentile(99)));
        h.reset();
      }

      for (const space of getHeapSpaceStatistics()) {
        const attributes = { 'v8js.heap.space.name': space.space_name };
        result.observe(heapSpaceSize, space.space_size, attributes);
        result.observe(heapUsed, space.space_used_size, attributes);
        result.observe(heapAvailable, space.space_available_size, attributes);
        result.observe(heapPhysical, space.physical_space_size, attributes);
      }

      const counts = new Map<string, number>();
      for (const type of process.getActiveResourcesInfo()) {
        if (!this.resourceTypes.has(type)) this.addResourceType(type);
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
      for (const [type, attributes] of this.resourceTypes) result.observe(resources, counts.get(type) ?? 0, attributes);
    };
    meter.addBatchObservableCallback(this.callback, this.observables);
  }

  stop(): void {
    this.delay.disable();
    this.gcObserver.disconnect();
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }

  private addResourceType(type: string): void {
    if (this.resourceTypes.size < MAX_RESOURCE_TYPES) {
      this.resourceTypes.set(type, Object.freeze({ 'v8js.resource.type': type }));
    } else if (!this.resourceCapWarned) {
      this.resourceCapWarned = true;
      this.logger.warn(
        `runtime metrics: more than ${MAX_RESOURCE_TYPES} kinds of active resources; v8js.resource.active leaves out '${type}' and later ones`,
      );
    }
  }
}

/** Nanoseconds of Node's histogram to seconds; NaN (no sample) reads 0, as in the instrumentation. */
function seconds(ns: number): number {
  return Number.isNaN(ns) ? 0 : ns / 1e9;
}
