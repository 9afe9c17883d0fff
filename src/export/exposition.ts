/**
 * What both exposition formats share: names, values, help text and the negotiation of the format
 * and the compression. Written to give, sample for sample, what OpenTelemetry's `PrometheusSerializer`
 * gives (the metric table of docs/metrics.md and the dashboards rely on those names and values).
 */
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SUM_POINTS } from '../storage/data-model.ts';

/** The Prometheus text format, version 0.0.4, or OpenMetrics 1.0.0 (`# EOF`, counters as families without `_total`). */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Content type of the OpenMetrics text format. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * OpenTelemetry names exposed under another Prometheus name: Prometheus reserves `_count` for
 * histograms and summaries, and `promtool check metrics` flags `system_process_count`. OTLP keeps
 * the semantic-convention name.
 */
export const PROMETHEUS_RENAMES: ReadonlyMap<string, string> = new Map([['system.process.count', 'system.processes']]);

/** An OpenTelemetry name made a valid Prometheus name, as OpenTelemetry's serializer does. */
export function sanitizeName(name: string): string {
  const sanitized = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return sanitized[0] !== undefined && sanitized[0] >= '0' && sanitized[0] <= '9' ? `_${sanitized}` : sanitized;
}

/** The name a metric has on the scrape (and in Grafana): renamed, sanitized, `_total` on monotonic sums, as OpenTelemetry's serializer does. */
export function prometheusName(metric: MetricData): string {
  const name = sanitizeName(PROMETHEUS_RENAMES.get(metric.descriptor.name) ?? metric.descriptor.name);
  const monotonicSum = metric.dataPointType === SUM_POINTS && metric.isMonotonic;
  return monotonicSum && !name.endsWith('_total') ? `${name}_total` : name;
}

function renamed(metric: MetricData): MetricData {
  const name = PROMETHEUS_RENAMES.get(metric.descriptor.name);
  return name === undefined ? metric : { ...metric, descriptor: { ...metric.descriptor, name } };
}

/** The metrics under their Prometheus names (`PROMETHEUS_RENAMES`), without those `keep` refuses. */
export function forPrometheus(
  resourceMetrics: ResourceMetrics,
  keep: (metric: MetricData) => boolean = () => true,
): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((s) => ({
      scope: s.scope,
      metrics: s.metrics.filter(keep).map(renamed),
    })),
  };
}

/** A sample value as OpenTelemetry's serializer writes it (`+Inf`, `-Inf`, `NaN`, else JavaScript's shortest form). */
export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return `${value}`;
}

/** A `# HELP` text: backslash and newline escaped; OpenMetrics escapes the double quote too. */
export function escapeHelp(text: string, format: ExpositionFormat): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

/** A histogram bucket's `le` value, as in the text format (OpenMetrics too, so that both formats store the same series). */
export function formatBound(bound: number | undefined): string {
  return bound === undefined || bound === Infinity ? '+Inf' : String(bound);
}

/**
 * The `# HELP`, `# UNIT` and `# TYPE` lines of a family. `name` is the name of its samples (a
 * counter's ends in `_total`). The text format writes them as OpenTelemetry does, the unit included;
 * OpenMetrics names a counter family without `_total` and writes a unit only where the family name
 * ends with it, as the format requires (Prometheus rejects the whole scrape otherwise).
 */
export function familyHeader(
  name: string,
  type: 'counter' | 'gauge' | 'histogram' | 'untyped',
  help: string,
  unit: string,
  format: ExpositionFormat,
): string {
  const helpText = escapeHelp(help || 'description missing', format);
  if (format === 'text') {
    const unitLine = unit === '' ? '' : `# UNIT ${name} ${escapeHelp(unit, format)}\n`;
    return `# HELP ${name} ${helpText}\n${unitLine}# TYPE ${name} ${type}\n`;
  }
  const family = type === 'counter' ? name.replace(/_total$/, '') : name;
  const unitLine =
    unit !== '' && /^[a-zA-Z0-9_]+$/.test(unit) && family.endsWith(`_${unit}`) ? `# UNIT ${family} ${unit}\n` : '';
  return `# HELP ${family} ${helpText}\n${unitLine}# TYPE ${family} ${type}\n`;
}

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly order: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  header.split(',').forEach((part, order) => {
    const [type = '', ...rest] = part.split(';');
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0)
        params.set(
          p.slice(0, eq).trim().toLowerCase(),
          p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        );
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    if (type.trim() !== '' && q > 0) ranges.push({ type: type.trim().toLowerCase(), params, q, order });
  });
  return ranges.sort((a, b) => b.q - a.q || a.order - b.order);
}

/**
 * The format an `Accept` header asks for: OpenMetrics when it prefers `application/openmetrics-text`
 * (version 1.0.0, 0.0.1 or none; Prometheus asks for it first), else the text format, which is also
 * the answer to anything else (no header, a wildcard, a format we do not write), as Prometheus's own clients do.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'text';
  for (const range of parseAccept(accept)) {
    if (range.type === 'application/openmetrics-text') {
      const version = range.params.get('version');
      if (version === undefined || version === '1.0.0' || version === '0.0.1') return 'openmetrics';
    } else if (range.type === 'text/plain' || range.type === 'text/*' || range.type === '*/*') {
      return 'text';
    }
  }
  return 'text';
}

/** True when an `Accept-Encoding` header accepts gzip (Prometheus sends `gzip`). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...params] = part.split(';');
    const name = coding.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
