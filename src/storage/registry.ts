import type { HrTime } from '@opentelemetry/api';
import type { DataPoint, Histogram, MetricData, MetricDescriptor } from '@opentelemetry/sdk-metrics';
import { saveNumber, saveNumbers, StateMismatchError, StateReader, type SavedNumber } from '../analytics/state.ts';
import { isDurable, otelName, type MetricDefinition } from '../contract/metrics.ts';
import { CounterSeries } from './counter.ts';
import { Gauge, GaugeSeries } from './gauge.ts';
import { HistogramSeries } from './histogram.ts';
import { OVERFLOW_ATTRIBUTES, SeriesTable, type OverflowListener } from './series.ts';
import {
  CUMULATIVE,
  DOUBLE_VALUES,
  GAUGE_POINTS,
  HISTOGRAM_POINTS,
  INT_VALUES,
  SUM_POINTS,
  hrTimeNow,
} from './data-model.ts';

/** One metric of the registry: its definition, its OpenTelemetry descriptor, and where its series are. */
export type RegistryMetric = {
  readonly def: MetricDefinition;
  readonly descriptor: MetricDescriptor;
  readonly durable: boolean;
} & (
  | { kind: 'counter'; table: SeriesTable<CounterSeries> }
  | { kind: 'counterOfHistogram'; table: SeriesTable<HistogramSeries> }
  | { kind: 'gauge'; gauge: Gauge }
  | { kind: 'histogram'; table: SeriesTable<HistogramSeries> }
);

/** The label values of a series (null for the overflow series) and its saved value. */
type SavedSeries = [labels: string[] | null, ...value: (SavedNumber | SavedNumber[])[]];

/** The durable part of the registry as saved: its start time and the series of every durable metric. */
export interface RegistryState {
  /** When the bot's history started (OpenTelemetry start time of the cumulative series), [seconds, nanoseconds]. */
  readonly startTime: [number, number];
  readonly metrics: Record<string, { type: string; buckets?: number[]; series: SavedSeries[] }>;
}

function descriptorOf(def: MetricDefinition, valueType: MetricDescriptor['valueType']): MetricDescriptor {
  return Object.freeze({ name: otelName(def), description: def.description, unit: def.unit, valueType });
}

/**
 * Creates the domain instruments and holds their pre-aggregated state: one object per label set,
 * updated in place by the recording methods. Readers never touch it on the hot path; they call
 * `collect()` (through `RegistryProducer`) and get OpenTelemetry `MetricData`, cumulative since
 * the registry started.
 */
export class InstrumentRegistry {
  /** Start of the durable series: this process's start, or the first process's after a restore. */
  startTime: HrTime = hrTimeNow();
  /** What `restoreState` brought back, as collected right after it: where a delta reader's first delta starts. */
  restoredBaseline: { readonly metrics: MetricData[]; readonly time: HrTime } | undefined;
  /** Start of the process-scoped series (self-metrics): always this process's. */
  readonly processStartTime: HrTime = this.startTime;
  private readonly entries: RegistryMetric[] = [];
  private readonly beforeCollect: (() => void)[] = [];
  private readonly names = new Set<string>();
  private readonly maxSeries: number;
  private readonly onOverflow: OverflowListener;

  constructor(maxSeriesPerMetric: number, onOverflow: OverflowListener) {
    this.maxSeries = maxSeriesPerMetric;
    this.onOverflow = onOverflow;
  }

  /** @param maxSeries a cap of its own, for self-metrics whose label sets are bounded by the SDK (metric names, methods x reasons) */
  counter(def: MetricDefinition, maxSeries = this.maxSeries): SeriesTable<CounterSeries> {
    this.claim(def, 'counter');
    const table = new SeriesTable(def, maxSeries, (a) => new CounterSeries(a), this.onOverflow);
    this.entries.push({ kind: 'counter', ...this.meta(def, INT_VALUES), table });
    return table;
  }

  /** @param absentValue what a series reads after `beginUpdate()` until set again: NaN (not published) or 0 */
  gauge(def: MetricDefinition, absentValue = Number.NaN): Gauge {
    this.claim(def, 'gauge');
    const table = new SeriesTable(def, this.maxSeries, (a) => new GaugeSeries(a), this.onOverflow);
    const gauge = new Gauge(table, absentValue);
    this.entries.push({ kind: 'gauge', ...this.meta(def, DOUBLE_VALUES), gauge });
    return gauge;
  }

  histogram(def: MetricDefinition): SeriesTable<HistogramSeries> {
    this.claim(def, 'histogram');
    // A plain array on purpose: V8 reads frozen arrays several times slower, and this one is read on every record().
    const bounds = [...(def.buckets ?? [])];
    const table = new SeriesTable(def, this.maxSeries, (a) => new HistogramSeries(a, bounds), this.onOverflow);
    this.entries.push({ kind: 'histogram', ...this.meta(def, DOUBLE_VALUES), table });
    return table;
  }

  /**
   * A counter that reads the observation count of a histogram with the same labels, so one
   * lookup serves both (a signal is counted and its confidence observed in the same call).
   */
  counterOfHistogram(def: MetricDefinition, histogram: SeriesTable<HistogramSeries>): void {
    this.claim(def, 'counter');
    if (def.labels.join() !== histogram.def.labels.join()) {
      throw new Error(`${def.name} must have the labels of ${histogram.def.name}`);
    }
    this.entries.push({ kind: 'counterOfHistogram', ...this.meta(def, INT_VALUES), table: histogram });
  }

  /** Runs `fn` at the start of every collection: derived gauges (analytics) are computed then, not on the hot path. */
  onCollect(fn: () => void): void {
    this.beforeCollect.push(fn);
  }

  /** Every metric, in registration order (the order of `collect()`), for the exposition that writes them directly. */
  get metrics(): readonly RegistryMetric[] {
    return this.entries;
  }

  /** Runs the `onCollect` functions: the first step of every collection, `collect()`'s or the direct exposition's. */
  runCollectHooks(): void {
    for (const fn of this.beforeCollect) fn();
  }

  /** Every metric with at least one published point, as OpenTelemetry cumulative data. */
  collect(endTime: HrTime = hrTimeNow()): MetricData[] {
    this.runCollectHooks();
    const out: MetricData[] = [];
    for (const e of this.entries) {
      const startTime = e.durable ? this.startTime : this.processStartTime;
      switch (e.kind) {
        case 'counter': {
          const points = sumPoints(e.table, startTime, endTime, (s) => s.value);
          if (points.length > 0) out.push(sum(e.descriptor, points));
          break;
        }
        case 'counterOfHistogram': {
          const points = sumPoints(e.table, startTime, endTime, (s) => s.count);
          if (points.length > 0) out.push(sum(e.descriptor, points));
          break;
        }
        case 'gauge': {
          const points: DataPoint<number>[] = [];
          for (const s of seriesOf(e.gauge.table)) {
            const value = e.gauge.read(s);
            if (!Number.isNaN(value)) points.push({ startTime, endTime, attributes: s.attributes, value });
          }
          if (points.length > 0) {
            out.push({
              descriptor: e.descriptor,
              aggregationTemporality: CUMULATIVE,
              dataPointType: GAUGE_POINTS,
              dataPoints: points,
            });
          }
          break;
        }
        case 'histogram': {
          const points: DataPoint<Histogram>[] = [];
          for (const s of seriesOf(e.table)) {
            if (s.count === 0) continue;
            points.push({
              startTime,
              endTime,
              attributes: s.attributes,
              value: {
                buckets: { boundaries: s.bounds as number[], counts: s.counts.slice() },
                sum: s.sum,
                count: s.count,
                min: s.min,
                max: s.max,
              },
            });
          }
          if (points.length > 0) {
            out.push({
              descriptor: e.descriptor,
              aggregationTemporality: CUMULATIVE,
              dataPointType: HISTOGRAM_POINTS,
              dataPoints: points,
            });
          }
          break;
        }
      }
    }
    return out;
  }

  /**
   * The durable metrics' series and the start time, as plain JSON data. Gauges keep only what a
   * reader would see now; a histogram's counter twin (`counterOfHistogram`) comes back with it.
   */
  saveState(): RegistryState {
    const metrics: RegistryState['metrics'] = {};
    for (const e of this.entries) {
      if (!e.durable || e.kind === 'counterOfHistogram') continue;
      const series: SavedSeries[] = [];
      if (e.kind === 'counter') {
        for (const s of seriesOf(e.table)) series.push([labelsOf(e.def, s), s.value]);
      } else if (e.kind === 'gauge') {
        for (const s of seriesOf(e.gauge.table)) {
          const value = e.gauge.read(s);
          if (!Number.isNaN(value)) series.push([labelsOf(e.def, s), saveNumber(value)]);
        }
      } else {
        for (const s of seriesOf(e.table)) {
          if (s.count === 0) continue;
          series.push([
            labelsOf(e.def, s),
            saveNumbers(s.counts),
            s.sum,
            s.count,
            saveNumber(s.min),
            saveNumber(s.max),
          ]);
        }
      }
      if (series.length > 0)
        metrics[e.def.name] =
          e.kind === 'histogram'
            ? { type: e.kind, buckets: [...e.table.def.buckets!], series }
            : { type: e.kind, series };
    }
    return { startTime: [this.startTime[0], this.startTime[1]], metrics };
  }

  /**
   * Restores a saved state into this new registry: checked whole first (a metric of another type,
   * other labels or other buckets throws StateMismatchError and nothing changes), then applied.
   * Metrics the saved state does not know start empty; saved metrics this SDK no longer has are
   * ignored. Returns how many series came back.
   */
  restoreState(saved: unknown): number {
    const state = new StateReader(saved, 'registry');
    const [seconds, nanos] = state.numbers('startTime', 2);
    if (!Number.isInteger(seconds) || !Number.isInteger(nanos) || seconds! < 0 || nanos! < 0 || nanos! >= 1e9)
      throw new StateMismatchError('registry.startTime is not a time');
    const metrics = state.object('metrics');
    const apply: (() => void)[] = [];
    for (const e of this.entries) {
      if (!e.durable || e.kind === 'counterOfHistogram' || !metrics.has(e.def.name)) continue;
      const metric = metrics.object(e.def.name);
      const where = `registry.metrics.${e.def.name}`;
      if (metric.string('type') !== e.kind) throw new StateMismatchError(`${where} was a ${metric.string('type')}`);
      const list = metric.array('series');
      const labels = e.def.labels.length;
      for (let i = 0; i < list.length; i++) {
        const row = list[i];
        if (!Array.isArray(row)) throw new StateMismatchError(`${where}.series[${i}] is not an array`);
        const values = row[0] as unknown;
        if (
          values !== null &&
          !(Array.isArray(values) && values.length === labels && values.every((v) => typeof v === 'string'))
        )
          throw new StateMismatchError(
            `${where}.series[${i}] does not have the ${labels} labels ${e.def.labels.join(', ')}`,
          );
        const field = new StateReader(
          Object.fromEntries(row.slice(1).map((v, k) => [String(k), v])),
          `${where}.series[${i}]`,
        );
        if (e.kind === 'counter') {
          const value = field.finite('0');
          apply.push(() => {
            const s = values === null ? e.table.overflowSeries() : e.table.lookup(values as string[]);
            s.value = value;
          });
        } else if (e.kind === 'gauge') {
          const value = field.number('0');
          apply.push(() => {
            const g = e.gauge;
            g.set(values === null ? g.table.overflowSeries() : g.table.lookup(values as string[]), value);
          });
        } else {
          const buckets = e.table.def.buckets ?? [];
          const savedBuckets = metric.numbers('buckets');
          if (savedBuckets.join() !== buckets.join())
            throw new StateMismatchError(`${where}.buckets were ${savedBuckets.join(', ')}, now ${buckets.join(', ')}`);
          const counts = field.numbers('0', buckets.length + 1);
          const sum = field.finite('1');
          const count = field.integer('2');
          const min = field.number('3');
          const max = field.number('4');
          apply.push(() => {
            const s = values === null ? e.table.overflowSeries() : e.table.lookup(values as string[]);
            for (let k = 0; k < counts.length; k++) s.counts[k] = counts[k]!;
            s.sum = sum;
            s.count = count;
            s.min = min;
            s.max = max;
          });
        }
      }
    }
    this.startTime = [seconds!, nanos!];
    for (const fn of apply) fn();
    const now = hrTimeNow();
    this.restoredBaseline = { metrics: this.collect(now), time: now };
    return apply.length;
  }

  private meta(def: MetricDefinition, valueType: MetricDescriptor['valueType']) {
    return { def, descriptor: descriptorOf(def, valueType), durable: isDurable(def) };
  }

  private claim(def: MetricDefinition, type: MetricDefinition['type']): void {
    if (def.type !== type) throw new Error(`${def.name} is a ${def.type}, not a ${type}`);
    if (this.names.has(def.name)) throw new Error(`metric ${def.name} is already registered`);
    this.names.add(def.name);
  }
}

function labelsOf(def: MetricDefinition, s: { attributes: Record<string, unknown> }): string[] | null {
  if (s.attributes === OVERFLOW_ATTRIBUTES) return null;
  return def.labels.map((l) => String(s.attributes[l]));
}

function* seriesOf<S>(table: SeriesTable<S>): Generator<S> {
  yield* table.series;
  if (table.overflow !== undefined) yield table.overflow;
}

function sumPoints<S extends { attributes: DataPoint<number>['attributes'] }>(
  table: SeriesTable<S>,
  startTime: HrTime,
  endTime: HrTime,
  valueOf: (s: S) => number,
): DataPoint<number>[] {
  const points: DataPoint<number>[] = [];
  for (const s of seriesOf(table)) {
    points.push({ startTime, endTime, attributes: s.attributes, value: valueOf(s) });
  }
  return points;
}

function sum(descriptor: MetricDescriptor, dataPoints: DataPoint<number>[]): MetricData {
  return {
    descriptor,
    aggregationTemporality: CUMULATIVE,
    dataPointType: SUM_POINTS,
    isMonotonic: true,
    dataPoints,
  };
}
