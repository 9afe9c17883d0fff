import type { Attributes } from '@opentelemetry/api';

/** Explicit-bucket histogram state for one label set: per-bucket counts (not cumulative), sum, count, min, max. */
export class HistogramSeries {
  readonly attributes: Attributes;
  readonly bounds: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(attributes: Attributes, bounds: readonly number[]) {
    this.attributes = attributes;
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Bounds are inclusive upper bounds, as Prometheus's `le` and OpenTelemetry's explicit buckets. */
  record(value: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > (bounds[i] as number)) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}
