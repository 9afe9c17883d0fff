import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

type Previous = number | { count: number; sum: number; counts: readonly number[] };

/**
 * Turns the registry's cumulative data into deltas for one push reader. The baseline moves only
 * when an export is acknowledged (`commit`), so a failed push is not lost: the next delta covers
 * everything since the last success. State is one entry per series, bounded by the series cap.
 */
export class DeltaTracker {
  /** Last acknowledged values, keyed by metric name then by the series' attributes object (stable per series). */
  private acked = new Map<string, Map<Attributes, Previous>>();
  private ackedTime: HrTime;
  private pending: { values: Map<string, Map<Attributes, Previous>>; time: HrTime } | undefined;

  constructor(startTime: HrTime) {
    this.ackedTime = startTime;
  }

  /** Deltas since the last acknowledged export; series without change are left out, gauges pass through. */
  toDelta(metrics: readonly MetricData[], endTime: HrTime): MetricData[] {
    const values = new Map<string, Map<Attributes, Previous>>();
    const out: MetricData[] = [];
    for (const metric of metrics) {
      const name = metric.descriptor.name;
      const before = this.acked.get(name);
      if (metric.dataPointType === DataPointType.SUM) {
        const now = new Map<Attributes, Previous>();
        const points: DataPoint<number>[] = [];
        for (const p of metric.dataPoints) {
          now.set(p.attributes, p.value);
          const change = p.value - ((before?.get(p.attributes) as number | undefined) ?? 0);
          if (change !== 0)
            points.push({ startTime: this.ackedTime, endTime, attributes: p.attributes, value: change });
        }
        values.set(name, now);
        if (points.length > 0)
          out.push({ ...metric, aggregationTemporality: AggregationTemporality.DELTA, dataPoints: points });
      } else if (metric.dataPointType === DataPointType.HISTOGRAM) {
        const now = new Map<Attributes, Previous>();
        const points: DataPoint<Histogram>[] = [];
        for (const p of metric.dataPoints) {
          const v = p.value;
          now.set(p.attributes, { count: v.count, sum: v.sum ?? 0, counts: v.buckets.counts });
          const prev = before?.get(p.attributes) as Exclude<Previous, number> | undefined;
          const count = v.count - (prev?.count ?? 0);
          if (count === 0) continue;
          points.push({
            startTime: this.ackedTime,
            endTime,
            attributes: p.attributes,
            // min and max are lifetime figures in the registry; a delta cannot carry them.
            value: {
              count,
              sum: (v.sum ?? 0) - (prev?.sum ?? 0),
              buckets: {
                boundaries: v.buckets.boundaries,
                counts: v.buckets.counts.map((c, i) => c - (prev?.counts[i] ?? 0)),
              },
            },
          });
        }
        values.set(name, now);
        if (points.length > 0)
          out.push({ ...metric, aggregationTemporality: AggregationTemporality.DELTA, dataPoints: points });
      } else {
        out.push(metric);
      }
    }
    this.pending = { values, time: endTime };
    return out;
  }

  /** The last `toDelta` result was delivered: it becomes the baseline. */
  commit(): void {
    if (this.pending === undefined) return;
    for (const [name, series] of this.pending.values) this.acked.set(name, series);
    this.ackedTime = this.pending.time;
    this.pending = undefined;
  }
}
