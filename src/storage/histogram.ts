import type { Attributes } from '@opentelemetry/api';
import { renderLabels } from './series.ts';

/** A measurement that stands for its bucket: the labels naming it (`order_id="o-1"`, rendered), its value, when (Unix seconds). */
export interface Exemplar {
  readonly labelText: string;
  readonly value: number;
  readonly timestamp: number;
}

/** Explicit-bucket histogram state for one label set: per-bucket counts (not cumulative), sum, count, min, max. */
export class HistogramSeries {
  readonly attributes: Attributes;
  /** The label pairs as the exposition writes them, rendered once (see `renderLabels`). */
  readonly labelText: string;
  readonly bounds: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** The last exemplar of each bucket, once one was recorded (OpenMetrics only; not kept across restarts). */
  exemplars: (Exemplar | undefined)[] | undefined = undefined;

  constructor(attributes: Attributes, bounds: readonly number[]) {
    this.attributes = attributes;
    this.labelText = renderLabels(attributes);
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Bounds are inclusive upper bounds, as Prometheus's `le` and OpenTelemetry's explicit buckets. Returns the bucket's index. */
  record(value: number): number {
    const bounds = this.bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > (bounds[i] as number)) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    return i;
  }

  /** Records `value` with an exemplar, which replaces its bucket's previous one. */
  recordWithExemplar(value: number, labelText: string, timestamp: number): void {
    const bucket = this.record(value);
    (this.exemplars ??= new Array<Exemplar | undefined>(this.counts.length).fill(undefined))[bucket] = {
      labelText,
      value,
      timestamp,
    };
  }
}
