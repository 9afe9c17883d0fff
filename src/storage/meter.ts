import type {
  Attributes,
  BatchObservableCallback,
  BatchObservableResult,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MetricOptions,
  Observable,
  ObservableCallback,
  ObservableCounter,
  ObservableGauge,
  ObservableResult,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';
import type {
  DataPoint,
  Histogram as HistogramPoint,
  InstrumentType,
  MetricData,
  MetricDescriptor,
} from '@opentelemetry/sdk-metrics';
import {
  CUMULATIVE,
  DOUBLE_VALUES,
  GAUGE_POINTS,
  HISTOGRAM_POINTS,
  hrTimeNow,
  INT_VALUES,
  SUM_POINTS,
} from './data-model.ts';

/** `@opentelemetry/sdk-metrics`' default boundaries of a histogram without advice. */
const DEFAULT_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
/** `@opentelemetry/sdk-metrics`' default cardinality limit: past it, one overflow series per instrument. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

type Kind = 'sum' | 'gauge' | 'histogram';

/** One label set of an instrument: its attributes (the last object given for them) and its value. */
interface Point {
  attributes: Attributes;
  value: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  counts: number[] | undefined;
  /** Measured since the last collection: the SDK keeps the attributes object first given in a collection interval. */
  measured: boolean;
}

/**
 * The key of an attribute set regardless of key order, as `hashAttributes` of the SDK computes it;
 * cached per frozen attributes object, which the collectors pass again at every collection and
 * which cannot change. Any other object (the HTTP server's, new per request) is keyed at each
 * record, with nothing kept for it.
 */
const keys = new WeakMap<Attributes, string>();
/** The attributes of a record that passes none: one frozen object, keyed once. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});
function keyOf(attributes: Attributes): string {
  const frozen = Object.isFrozen(attributes);
  let key = frozen ? keys.get(attributes) : undefined;
  if (key === undefined) {
    key = JSON.stringify(
      Object.keys(attributes)
        .sort()
        .map((k) => [k, attributes[k]]),
    );
    if (frozen) keys.set(attributes, key);
  }
  return key;
}

/** One instrument: its descriptor and its series, in order of first appearance (never removed, as cumulative OpenTelemetry reports them). */
class Instrument {
  readonly descriptor: MetricDescriptor & { readonly type: InstrumentType; readonly advice: object };
  readonly kind: Kind;
  readonly monotonic: boolean;
  readonly boundaries: readonly number[];
  readonly points = new Map<string, Point>();
  readonly startTime = hrTimeNow();

  constructor(name: string, type: InstrumentType, kind: Kind, monotonic: boolean, options: MetricOptions | undefined) {
    this.kind = kind;
    this.monotonic = monotonic;
    this.descriptor = {
      name,
      type,
      description: options?.description ?? '',
      unit: options?.unit ?? '',
      valueType: options?.valueType ?? DOUBLE_VALUES,
      advice: options?.advice ?? {},
    };
    const advised = options?.advice?.explicitBucketBoundaries;
    if (advised === undefined) this.boundaries = DEFAULT_BOUNDARIES;
    else {
      // As ExplicitBucketHistogramAggregation: sorted, without the infinite bounds.
      const sorted = [...advised].sort((a, b) => a - b);
      const infinity = sorted.indexOf(Infinity);
      this.boundaries = sorted.slice(sorted.lastIndexOf(-Infinity) + 1, infinity === -1 ? undefined : infinity);
    }
  }

  /** The value as the SDK accepts it: a number, truncated for integer instruments; undefined when dropped. */
  accept(value: unknown): number | undefined {
    if (typeof value !== 'number') return undefined;
    if (this.descriptor.valueType === INT_VALUES && !Number.isInteger(value)) {
      const truncated = Math.trunc(value);
      return Number.isInteger(truncated) ? truncated : undefined;
    }
    return value;
  }

  point(attributes: Attributes): Point {
    let key = keyOf(attributes);
    let point = this.points.get(key);
    if (point === undefined) {
      if (this.points.size >= CARDINALITY_LIMIT - 1) {
        attributes = OVERFLOW;
        key = keyOf(OVERFLOW);
        point = this.points.get(key);
      }
      if (point === undefined) {
        point = {
          attributes,
          value: 0,
          count: 0,
          sum: 0,
          min: Infinity,
          max: -Infinity,
          counts: undefined,
          measured: false,
        };
        if (this.kind === 'histogram') point.counts = new Array<number>(this.boundaries.length + 1).fill(0);
        this.points.set(key, point);
        return point;
      }
    }
    return point;
  }

  /** A synchronous measurement. */
  record(value: number, attributes: Attributes): void {
    const point = this.point(attributes);
    if (!point.measured && point.attributes !== OVERFLOW) point.attributes = attributes;
    point.measured = true;
    if (this.kind === 'gauge') point.value = value;
    else if (this.kind === 'sum') point.value += value;
    else {
      point.count++;
      point.sum += value;
      if (value < point.min) point.min = value;
      if (value > point.max) point.max = value;
      point.counts![upperBound(this.boundaries, value)]!++;
    }
  }

  /** An observation: the current value (a gauge's reading, or an observable counter's running total). */
  observe(value: number, attributes: Attributes): void {
    const point = this.point(attributes);
    if (point.attributes !== OVERFLOW) point.attributes = attributes;
    point.value = value;
  }

  toMetricData(endTime: [number, number]): MetricData | undefined {
    if (this.points.size === 0) return undefined;
    const { descriptor, startTime } = this;
    if (this.kind === 'histogram') {
      const dataPoints: DataPoint<HistogramPoint>[] = [];
      for (const p of this.points.values()) {
        p.measured = false;
        const some = p.count > 0;
        dataPoints.push({
          attributes: p.attributes,
          startTime,
          endTime,
          value: {
            min: some ? p.min : undefined,
            max: some ? p.max : undefined,
            sum: p.sum,
            buckets: { boundaries: [...this.boundaries], counts: [...p.counts!] },
            count: p.count,
          },
        });
      }
      return { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: HISTOGRAM_POINTS, dataPoints };
    }
    const dataPoints: DataPoint<number>[] = [];
    for (const p of this.points.values())
      dataPoints.push({ attributes: p.attributes, startTime, endTime, value: p.value });
    return this.kind === 'gauge'
      ? { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: GAUGE_POINTS, dataPoints }
      : {
          descriptor,
          aggregationTemporality: CUMULATIVE,
          dataPointType: SUM_POINTS,
          dataPoints,
          isMonotonic: this.monotonic,
        };
  }
}

/** Index of the bucket of `value`: the first bound at or above it, as the SDK's `binarySearchUB`. */
function upperBound(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  let found = boundaries.length;
  while (hi >= lo) {
    const mid = lo + Math.trunc((hi - lo) / 2);
    if (boundaries[mid]! < value) lo = mid + 1;
    else {
      found = mid;
      hi = mid - 1;
    }
  }
  return found;
}

const instrumentOf = new WeakMap<object, Instrument>();

/**
 * The Meter of the SDK's own instruments (host and runtime metrics, the dashboard's event-loop gauge,
 * HTTP server durations) when no OpenTelemetry MeterProvider is needed: the `@opentelemetry/api`
 * Meter interface on plain maps, without loading `@opentelemetry/sdk-metrics`. It aggregates as the
 * SDK's default cumulative views do (sums, last values, explicit-bucket histograms with the advised
 * boundaries, the same cardinality limit and overflow series, the same dropped measurements) and
 * `collect()` returns the same `MetricData`, instruments in creation order, label sets in order of
 * first appearance, so that the scrape is the same. An observable counter publishes the total its
 * callback observed, where the SDK rebuilds it from the differences between two readings.
 */
export class InstrumentMeter implements Meter {
  private readonly instruments: Instrument[] = [];
  private callbacks: (readonly [ObservableCallback, Instrument])[] = [];
  private readonly batchCallbacks = new Map<BatchObservableCallback, Set<Instrument>>();

  createCounter(name: string, options?: MetricOptions): Counter {
    const instrument = this.add(name, 'COUNTER' as InstrumentType, 'sum', true, options);
    return {
      add: (value, attributes = NO_ATTRIBUTES) => {
        if (value < 0) return;
        const accepted = instrument.accept(value);
        if (accepted !== undefined) instrument.record(accepted, attributes);
      },
    };
  }

  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
    const instrument = this.add(name, 'UP_DOWN_COUNTER' as InstrumentType, 'sum', false, options);
    return {
      add: (value, attributes = NO_ATTRIBUTES) => {
        const accepted = instrument.accept(value);
        if (accepted !== undefined) instrument.record(accepted, attributes);
      },
    };
  }

  createGauge(name: string, options?: MetricOptions): Gauge {
    const instrument = this.add(name, 'GAUGE' as InstrumentType, 'gauge', false, options);
    return {
      record: (value, attributes = NO_ATTRIBUTES) => {
        const accepted = instrument.accept(value);
        if (accepted !== undefined) instrument.record(accepted, attributes);
      },
    };
  }

  createHistogram(name: string, options?: MetricOptions): Histogram {
    const instrument = this.add(name, 'HISTOGRAM' as InstrumentType, 'histogram', false, options);
    return {
      record: (value, attributes = NO_ATTRIBUTES) => {
        if (value < 0) return;
        const accepted = instrument.accept(value);
        if (accepted !== undefined) instrument.record(accepted, attributes);
      },
    };
  }

  createObservableGauge(name: string, options?: MetricOptions): ObservableGauge {
    return this.observable(this.add(name, 'OBSERVABLE_GAUGE' as InstrumentType, 'gauge', false, options));
  }

  createObservableCounter(name: string, options?: MetricOptions): ObservableCounter {
    return this.observable(this.add(name, 'OBSERVABLE_COUNTER' as InstrumentType, 'sum', true, options));
  }

  createObservableUpDownCounter(name: string, options?: MetricOptions): ObservableUpDownCounter {
    return this.observable(this.add(name, 'OBSERVABLE_UP_DOWN_COUNTER' as InstrumentType, 'sum', false, options));
  }

  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    const instruments = new Set<Instrument>();
    for (const observable of observables) {
      const instrument = instrumentOf.get(observable);
      if (instrument !== undefined) instruments.add(instrument);
    }
    this.batchCallbacks.set(callback, instruments);
  }

  removeBatchObservableCallback(callback: BatchObservableCallback): void {
    this.batchCallbacks.delete(callback);
  }

  /**
   * Runs the callbacks (together, awaited; a failing one is reported in `errors` and the others
   * still count), then returns every instrument that has a series.
   */
  async collect(): Promise<{ metrics: MetricData[]; errors: unknown[] }> {
    const errors: unknown[] = [];
    const runs: Promise<void>[] = [];
    const run = (call: () => void | Promise<void>) => {
      try {
        const done = call();
        if (done !== undefined) runs.push(Promise.resolve(done).catch((error: unknown) => void errors.push(error)));
      } catch (error) {
        errors.push(error);
      }
    };
    for (const [callback, instrument] of [...this.callbacks]) run(() => callback(observerOf(instrument)));
    for (const [callback, instruments] of [...this.batchCallbacks]) run(() => callback(batchObserverOf(instruments)));
    await Promise.all(runs);
    const endTime = hrTimeNow();
    const metrics: MetricData[] = [];
    for (const instrument of this.instruments) {
      const data = instrument.toMetricData(endTime);
      if (data !== undefined) metrics.push(data);
    }
    return { metrics, errors };
  }

  private add(name: string, type: InstrumentType, kind: Kind, monotonic: boolean, options?: MetricOptions) {
    const instrument = new Instrument(name, type, kind, monotonic, options);
    this.instruments.push(instrument);
    return instrument;
  }

  private observable(instrument: Instrument): ObservableGauge {
    const observable: ObservableGauge = {
      addCallback: (callback) => {
        if (!this.callbacks.some(([c, i]) => c === callback && i === instrument))
          this.callbacks.push([callback, instrument]);
      },
      removeCallback: (callback) => {
        this.callbacks = this.callbacks.filter(([c, i]) => c !== callback || i !== instrument);
      },
    };
    instrumentOf.set(observable, instrument);
    return observable;
  }
}

function observerOf(instrument: Instrument): ObservableResult {
  return {
    observe: (value, attributes = NO_ATTRIBUTES) => {
      const accepted = instrument.accept(value);
      if (accepted !== undefined) instrument.observe(accepted, attributes);
    },
  };
}

function batchObserverOf(instruments: ReadonlySet<Instrument>): BatchObservableResult {
  return {
    observe: (observable, value, attributes = NO_ATTRIBUTES) => {
      const instrument = instrumentOf.get(observable);
      if (instrument === undefined || !instruments.has(instrument)) return;
      const accepted = instrument.accept(value);
      if (accepted !== undefined) instrument.observe(accepted, attributes);
    },
  };
}
