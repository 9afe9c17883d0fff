import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { prometheusName } from './prometheus.ts';
import { GAUGE_POINTS, HISTOGRAM_POINTS, SUM_POINTS } from '../storage/data-model.ts';

/** Label values as on the Prometheus scrape: label names sanitized, values strings (non-strings JSON-encoded). */
export type SnapshotLabels = Record<string, string>;

/** One series of a counter or gauge. `value` is null when not finite: JSON has no NaN or Infinity, and pandas reads null as NaN. */
export interface SnapshotPoint {
  /** The series' labels; `{}` for a metric without labels. */
  readonly labels: SnapshotLabels;
  /** The value at the export, in the metric's `unit` (a counter's total since start); null when not finite. */
  readonly value: number | null;
}

/**
 * One bucket of a histogram series, cumulative as in Prometheus: `count` observations were `<= le`.
 * `le` is always a string, exactly the `le` label of the scrape (`"0.1"`, `"1"`, `"+Inf"`), so the
 * column has one type in pandas (`pd.to_numeric(df.le)` makes it numeric, `+Inf` included) and in jq
 * (`select(.le == "+Inf")`). The last bucket is `"+Inf"` and its count equals the series' `count`.
 */
export interface SnapshotBucket {
  /** Upper bound of the bucket, as the scrape's `le` label writes it; `"+Inf"` for the last bucket. */
  readonly le: string;
  /** Observations at or below `le` since start (cumulative over the buckets and over time). */
  readonly count: number;
}

/** One series of a histogram. `sum` is null when the aggregation did not record one. */
export interface SnapshotHistogramPoint {
  /** The series' labels; `{}` for a metric without labels. */
  readonly labels: SnapshotLabels;
  /** Observations since start. */
  readonly count: number;
  /** Sum of the observed values since start, in the metric's `unit`; null when not recorded or not finite. */
  readonly sum: number | null;
  /** The buckets by increasing bound, cumulative; the last is `"+Inf"`. */
  readonly buckets: readonly SnapshotBucket[];
}

interface SnapshotMetricBase {
  /** The Prometheus name, as seen in Grafana (`trading_signals_total`). */
  readonly name: string;
  /** The OpenTelemetry instrument name, as sent over OTLP (`trading_signals`). */
  readonly otelName: string;
  /** UCUM unit of the instrument (`s`, `By`, `{trade}`); `''` when it has none (dimensionless or a currency). */
  readonly unit: string;
  /** What the metric measures: the `# HELP` text of the scrape. */
  readonly description: string;
}

/** A counter (monotonic sum) or gauge (gauge, or non-monotonic sum: a gauge on the scrape too). */
export interface SnapshotScalarMetric extends SnapshotMetricBase {
  /** `'counter'` for a monotonic sum; `'gauge'` for a gauge or a non-monotonic sum. */
  readonly type: 'counter' | 'gauge';
  /** One point per series (label set) recorded so far. */
  readonly points: readonly SnapshotPoint[];
}

/** A histogram with explicit bucket bounds. */
export interface SnapshotHistogramMetric extends SnapshotMetricBase {
  /** Always `'histogram'`: tells this member of {@link SnapshotMetric} apart. */
  readonly type: 'histogram';
  /** One point per series (label set) recorded so far. */
  readonly points: readonly SnapshotHistogramPoint[];
}

/** One metric and all its series. */
export type SnapshotMetric = SnapshotScalarMetric | SnapshotHistogramMetric;

/**
 * What a `metrics-*.json` file and `latest.json` hold: every metric at one instant, cumulative.
 * Flat enough for `pd.json_normalize(data['metrics'], 'points', ['name'])`.
 */
export interface Snapshot {
  /** ISO 8601 UTC time of the export, e.g. `2026-11-26T19:16:43.123Z`. */
  readonly timestamp: string;
  /** The resource attributes (`service.name`, ...), as their OpenTelemetry values. */
  readonly resource: Readonly<Record<string, AttributeValue>>;
  /** Every metric collected, in collection order; exponential histograms are left out. */
  readonly metrics: readonly SnapshotMetric[];
}

/**
 * Converts collected OpenTelemetry metrics into a snapshot, naming each metric as Prometheus does.
 * Every scope's metrics are listed in collection order. Exponential histograms are left out: no
 * reader of this SDK aggregates into them, and Prometheus' text format cannot show them either.
 */
export function toSnapshot(rm: ResourceMetrics, at: Date): Snapshot {
  const metrics: SnapshotMetric[] = [];
  for (const scope of rm.scopeMetrics) {
    for (const metric of scope.metrics) {
      const converted = toSnapshotMetric(metric);
      if (converted !== undefined) metrics.push(converted);
    }
  }
  return { timestamp: at.toISOString(), resource: definedAttributes(rm.resource.attributes), metrics };
}

function toSnapshotMetric(metric: MetricData): SnapshotMetric | undefined {
  const { name: otelName, unit, description } = metric.descriptor;
  const name = prometheusName(metric);
  switch (metric.dataPointType) {
    case SUM_POINTS:
    case GAUGE_POINTS: {
      const type = metric.dataPointType === SUM_POINTS && metric.isMonotonic ? 'counter' : 'gauge';
      const points = metric.dataPoints.map((p) => ({ labels: labelsOf(p.attributes), value: finiteOrNull(p.value) }));
      return { name, otelName, type, unit, description, points };
    }
    case HISTOGRAM_POINTS: {
      const points = metric.dataPoints.map((p): SnapshotHistogramPoint => {
        const { boundaries, counts } = p.value.buckets;
        const buckets: SnapshotBucket[] = [];
        let cumulative = 0;
        for (let i = 0; i < counts.length; i++) {
          cumulative += counts[i] ?? 0;
          const bound = boundaries[i];
          buckets.push({ le: bound === undefined || bound === Infinity ? '+Inf' : String(bound), count: cumulative });
        }
        return { labels: labelsOf(p.attributes), count: p.value.count, sum: finiteOrNull(p.value.sum), buckets };
      });
      return { name, otelName, type: 'histogram', unit, description, points };
    }
    default:
      return undefined;
  }
}

function labelsOf(attributes: Attributes): SnapshotLabels {
  const labels: SnapshotLabels = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    labels[key.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_')] =
      typeof value === 'string' ? value : JSON.stringify(value);
  }
  return labels;
}

function definedAttributes(attributes: Attributes): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
