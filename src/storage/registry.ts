import { ValueType, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
} from '@opentelemetry/sdk-metrics';
import { otelName, type MetricDefinition } from '../contract/metrics.ts';
import { CounterSeries } from './counter.ts';
import { Gauge, GaugeSeries } from './gauge.ts';
import { HistogramSeries } from './histogram.ts';
import { SeriesTable, type OverflowListener } from './series.ts';

type Entry =
  | { kind: 'counter'; descriptor: MetricDescriptor; table: SeriesTable<CounterSeries> }
  | { kind: 'counterOfHistogram'; descriptor: MetricDescriptor; table: SeriesTable<HistogramSeries> }
  | { kind: 'gauge'; descriptor: MetricDescriptor; gauge: Gauge }
  | { kind: 'histogram'; descriptor: MetricDescriptor; table: SeriesTable<HistogramSeries> };

function descriptorOf(def: MetricDefinition, valueType: ValueType): MetricDescriptor {
  return Object.freeze({ name: otelName(def), description: def.description, unit: def.unit, valueType });
}

/**
 * Creates the domain instruments and holds their pre-aggregated state: one object per label set,
 * updated in place by the recording methods. Readers never touch it on the hot path; they call
 * `collect()` (through `RegistryProducer`) and get OpenTelemetry `MetricData`, cumulative since
 * the registry started.
 */
export class InstrumentRegistry {
  readonly startTime: HrTime = hrTime();
  private readonly entries: Entry[] = [];
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
    this.entries.push({ kind: 'counter', descriptor: descriptorOf(def, ValueType.INT), table });
    return table;
  }

  /** @param absentValue what a series reads after `beginUpdate()` until set again: NaN (not published) or 0 */
  gauge(def: MetricDefinition, absentValue = Number.NaN): Gauge {
    this.claim(def, 'gauge');
    const table = new SeriesTable(def, this.maxSeries, (a) => new GaugeSeries(a), this.onOverflow);
    const gauge = new Gauge(table, absentValue);
    this.entries.push({ kind: 'gauge', descriptor: descriptorOf(def, ValueType.DOUBLE), gauge });
    return gauge;
  }

  histogram(def: MetricDefinition): SeriesTable<HistogramSeries> {
    this.claim(def, 'histogram');
    // A plain array on purpose: V8 reads frozen arrays several times slower, and this one is read on every record().
    const bounds = [...(def.buckets ?? [])];
    const table = new SeriesTable(def, this.maxSeries, (a) => new HistogramSeries(a, bounds), this.onOverflow);
    this.entries.push({ kind: 'histogram', descriptor: descriptorOf(def, ValueType.DOUBLE), table });
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
    this.entries.push({ kind: 'counterOfHistogram', descriptor: descriptorOf(def, ValueType.INT), table: histogram });
  }

  /** Runs `fn` at the start of every collection: derived gauges (analytics) are computed then, not on the hot path. */
  onCollect(fn: () => void): void {
    this.beforeCollect.push(fn);
  }

  /** Every metric with at least one published point, as OpenTelemetry cumulative data. */
  collect(endTime: HrTime = hrTime()): MetricData[] {
    for (const fn of this.beforeCollect) fn();
    const startTime = this.startTime;
    const out: MetricData[] = [];
    for (const e of this.entries) {
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
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.GAUGE,
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
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.HISTOGRAM,
              dataPoints: points,
            });
          }
          break;
        }
      }
    }
    return out;
  }

  private claim(def: MetricDefinition, type: MetricDefinition['type']): void {
    if (def.type !== type) throw new Error(`${def.name} is a ${def.type}, not a ${type}`);
    if (this.names.has(def.name)) throw new Error(`metric ${def.name} is already registered`);
    this.names.add(def.name);
  }
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
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints,
  };
}
