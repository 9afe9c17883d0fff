import type { DataPoint, Histogram, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { renderLabels } from '../storage/series.ts';
import { familyHeader, formatBound, formatValue, prometheusName } from './exposition.ts';
import { GAUGE_POINTS, HISTOGRAM_POINTS, SUM_POINTS } from '../storage/data-model.ts';

type FamilyType = 'counter' | 'gauge' | 'histogram';

interface MetricFamily {
  readonly type: FamilyType | 'untyped';
  help: string;
  unit: string;
  readonly metrics: MetricData[];
}

function familyType(metric: MetricData): FamilyType | undefined {
  switch (metric.dataPointType) {
    case SUM_POINTS:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case GAUGE_POINTS:
      return 'gauge';
    case HISTOGRAM_POINTS:
      return 'histogram';
    default:
      return undefined;
  }
}

function sample(name: string, labels: string, value: number): string {
  return labels === '' ? `${name} ${formatValue(value)}\n` : `${name}{${labels}} ${formatValue(value)}\n`;
}

/**
 * A histogram point: its buckets, then `_count` and `_sum` in OpenMetrics (`countFirst` false); in
 * the text format, as OpenTelemetry's Prometheus serializer writes it, `_count` and `_sum` first.
 */
function histogramLines(name: string, point: DataPoint<Histogram>, countFirst: boolean): string {
  const labels = renderLabels(point.attributes);
  const totals =
    (point.value.count != null ? sample(`${name}_count`, labels, point.value.count) : '') +
    (point.value.sum != null ? sample(`${name}_sum`, labels, point.value.sum) : '');
  const { boundaries, counts } = point.value.buckets;
  let out = countFirst ? totals : '';
  let cumulative = 0;
  let infinite = false;
  // As OpenTelemetry's serializer: boundaries may or may not end with Infinity.
  for (let k = 0; k < counts.length; k++) {
    cumulative += counts[k]!;
    const bound = boundaries[k];
    if (bound === undefined && infinite) break;
    if (bound === Infinity) infinite = true;
    const le = `le="${formatBound(bound)}"`;
    out += `${name}_bucket{${labels === '' ? le : `${labels},${le}`}} ${formatValue(cumulative)}\n`;
  }
  return countFirst ? out : out + totals;
}

/**
 * The OpenTelemetry part of a scrape (`target_info`, host metrics, HTTP durations, the bot's own
 * instruments) in the OpenMetrics text format, without `# EOF`, family by family (`target_info`
 * first), so that the caller can yield to the event loop between two: the families OpenTelemetry's
 * Prometheus serializer writes, with the same names, labels and values, grouped the same way
 * (metrics of one name from several meters form one family; a name used with two types is dropped).
 */
export function openMetricsParts(resourceMetrics: ResourceMetrics): Generator<string> {
  return familyParts(resourceMetrics, 'openmetrics');
}

/**
 * The OpenTelemetry part of a scrape in the Prometheus text format, family by family (`target_info`
 * first): what OpenTelemetry's `PrometheusSerializer` (without scope labels and resource constant
 * labels, as the endpoint configured it) writes for the whole collection in one call, the same bytes
 * in the same order, without loading `@opentelemetry/exporter-prometheus` and the SDK it brings. An
 * empty family (an instrument with no point yet) keeps its header, as there; a family of an unknown
 * point type (exponential histograms) is written `untyped`, header only, as there.
 */
export function textParts(resourceMetrics: ResourceMetrics): Generator<string> {
  return familyParts(resourceMetrics, 'text');
}

/** The families of a collection, one string each: see `openMetricsParts` and `textParts`. */
function* familyParts(resourceMetrics: ResourceMetrics, format: 'openmetrics' | 'text'): Generator<string> {
  const text = format === 'text';
  yield (
    familyHeader('target_info', 'gauge', 'Target metadata', '', format) +
    sample('target_info', renderLabels(resourceMetrics.resource.attributes), 1)
  );
  const families = new Map<string, MetricFamily | null>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const name = prometheusName(metric);
      // A point type of no family (exponential histograms): dropped in OpenMetrics, `untyped` with its header only in text.
      const type = familyType(metric) ?? (text ? 'untyped' : undefined);
      const family = families.get(name);
      if (type === undefined || family === null || (family !== undefined && family.type !== type)) {
        families.set(name, null);
        continue;
      }
      if (family === undefined) families.set(name, { type, help: '', unit: '', metrics: [metric] });
      else family.metrics.push(metric);
    }
  }
  for (const [name, family] of families) {
    if (family === null || name === 'target_info') continue;
    for (const { descriptor } of family.metrics) {
      family.help ||= descriptor.description;
      family.unit ||= descriptor.unit;
    }
    let out = familyHeader(name, family.type, family.help, family.unit, format);
    for (const metric of family.metrics) {
      if (metric.dataPointType === HISTOGRAM_POINTS) {
        for (const point of metric.dataPoints) out += histogramLines(name, point, text);
      } else if (metric.dataPointType === SUM_POINTS || metric.dataPointType === GAUGE_POINTS) {
        for (const point of metric.dataPoints) out += sample(name, renderLabels(point.attributes), point.value);
      }
    }
    yield out;
  }
}

/** `openMetricsParts` as one string. */
export function openMetricsOf(resourceMetrics: ResourceMetrics): string {
  let out = '';
  for (const part of openMetricsParts(resourceMetrics)) out += part;
  return out;
}
