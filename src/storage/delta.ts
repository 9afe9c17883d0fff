import type { Attributes, HrTime } from '@opentelemetry/api';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { DELTA, HISTOGRAM_POINTS, SUM_POINTS } from './data-model.ts';

type Previous = number | { count: number; sum: number; counts: readonly number[] };
/** Cumulative values by metric name, then by the series' attributes object (stable per series). */
type Values = Map<string, Map<Attributes, Previous>>;

/**
 * What became of a pushed batch. `delivered`: acknowledged. `not_delivered`: the collector kept
 * nothing, provably (it answered with an error status, or no connection was made). `unknown`: no
 * answer (a timeout, a connection lost after the batch was sent), so the collector may have kept it.
 */
export type Delivery = 'delivered' | 'not_delivered' | 'unknown';

/** One batch of deltas as handed to an exporter; `settle` reports its fate, once. */
export interface DeltaBatch {
  readonly metrics: MetricData[];
  settle(delivery: Delivery): void;
}

/** The cumulative values a batch was computed up to: the start of the next batch. */
interface Baseline {
  readonly values: Values;
  readonly time: HrTime;
  /** While the batch ending here is unsettled: the baseline it was computed from, where a failure rolls back to. */
  base: Baseline | undefined;
  /** The batch computed from this baseline, if one was. */
  next: Baseline | undefined;
  open: boolean;
}

/**
 * Turns the registry's cumulative data into deltas for one push exporter, so that the sum of the
 * deltas a collector keeps never exceeds what was recorded.
 *
 * Each batch covers `[previous batch's end, now]` and the baseline moves to its end as soon as it is
 * handed over. A batch the collector provably did not keep (`not_delivered`) is rolled back: the next
 * batch starts where it started and carries its changes again. A batch whose fate is `unknown` counts
 * as delivered: resending it could count it twice, so if the collector did not keep it, its changes
 * are lost and the collector sees a gap (the next batch starts at its end, not at the last point it
 * kept). State is one entry per series for each batch still in flight, bounded by the series cap.
 */
export class DeltaTracker {
  private sent: Baseline;

  constructor(startTime: HrTime) {
    this.sent = root(new Map(), startTime);
  }

  /** Deltas start from `metrics` at `time` (a restored state: what came before was the previous process's to deliver). */
  seed(metrics: readonly MetricData[], time: HrTime): void {
    this.sent = root(diff(metrics, new Map(), time, time).values, time);
  }

  /**
   * The change since the last batch handed over, series without change left out, gauges passed through.
   * A collection not newer than that batch (collections exported out of order) yields no sums or histograms.
   */
  toDelta(metrics: readonly MetricData[], endTime: HrTime): DeltaBatch {
    const base = this.sent;
    if (!isAfter(endTime, base.time)) {
      const gauges = metrics.filter((m) => m.dataPointType !== SUM_POINTS && m.dataPointType !== HISTOGRAM_POINTS);
      return { metrics: gauges, settle: noop };
    }
    const { values, out } = diff(metrics, base.values, base.time, endTime);
    const node: Baseline = { values, time: endTime, base, next: undefined, open: true };
    base.next = node;
    this.sent = node;
    return { metrics: out, settle: (delivery) => this.settle(node, delivery) };
  }

  private settle(node: Baseline, delivery: Delivery): void {
    if (!node.open) return;
    node.open = false;
    const base = node.base;
    node.base = undefined;
    if (delivery !== 'not_delivered' || base === undefined) return;
    const next = node.next;
    if (this.sent === node) {
      // The newest batch: the next one starts where this one started and carries its changes.
      this.sent = base;
    } else if (next?.open === true) {
      // A later batch, computed from this one, is already out: this one's changes are lost unless
      // that one fails too, in which case the rollback goes past both.
      next.base = base;
      base.next = next;
    }
  }
}

function root(values: Values, time: HrTime): Baseline {
  return { values, time, base: undefined, next: undefined, open: false };
}

/** Deltas of `metrics` against `before`, each point covering `[startTime, endTime]`, and the new values. */
function diff(
  metrics: readonly MetricData[],
  before: Values,
  startTime: HrTime,
  endTime: HrTime,
): { values: Values; out: MetricData[] } {
  const values: Values = new Map();
  const out: MetricData[] = [];
  for (const metric of metrics) {
    const name = metric.descriptor.name;
    const previous = before.get(name);
    if (metric.dataPointType === SUM_POINTS) {
      const now = new Map<Attributes, Previous>();
      const points: DataPoint<number>[] = [];
      for (const p of metric.dataPoints) {
        now.set(p.attributes, p.value);
        const change = p.value - ((previous?.get(p.attributes) as number | undefined) ?? 0);
        if (change !== 0) points.push({ startTime, endTime, attributes: p.attributes, value: change });
      }
      values.set(name, now);
      if (points.length > 0) out.push({ ...metric, aggregationTemporality: DELTA, dataPoints: points });
    } else if (metric.dataPointType === HISTOGRAM_POINTS) {
      const now = new Map<Attributes, Previous>();
      const points: DataPoint<Histogram>[] = [];
      for (const p of metric.dataPoints) {
        const v = p.value;
        now.set(p.attributes, { count: v.count, sum: v.sum ?? 0, counts: v.buckets.counts });
        const prev = previous?.get(p.attributes) as Exclude<Previous, number> | undefined;
        const count = v.count - (prev?.count ?? 0);
        if (count === 0) continue;
        points.push({
          startTime,
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
      if (points.length > 0) out.push({ ...metric, aggregationTemporality: DELTA, dataPoints: points });
    } else {
      out.push(metric);
    }
  }
  return { values, out };
}

function isAfter(a: HrTime, b: HrTime): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

function noop(): void {}
