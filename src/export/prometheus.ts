import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { DataPointType, type MetricData, type MetricProducer, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../core/logger.ts';

/**
 * OpenTelemetry names exposed under another Prometheus name: Prometheus reserves `_count` for
 * histograms and summaries, and `promtool check metrics` flags `system_process_count`. OTLP keeps
 * the semantic-convention name.
 */
export const PROMETHEUS_RENAMES: ReadonlyMap<string, string> = new Map([['system.process.count', 'system.processes']]);

/** The name a metric has on the scrape (and in Grafana): renamed, sanitized, `_total` on monotonic sums, as OpenTelemetry's serializer does. */
export function prometheusName(metric: MetricData): string {
  const name = (PROMETHEUS_RENAMES.get(metric.descriptor.name) ?? metric.descriptor.name)
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .replace(/_{2,}/g, '_');
  const monotonicSum = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
  return monotonicSum && !name.endsWith('_total') ? `${name}_total` : name;
}

function renamed(metric: MetricData): MetricData {
  const name = PROMETHEUS_RENAMES.get(metric.descriptor.name);
  return name === undefined ? metric : { ...metric, descriptor: { ...metric.descriptor, name } };
}

function forPrometheus(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((s) => ({ scope: s.scope, metrics: s.metrics.map(renamed) })),
  };
}

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The Prometheus pull reader and its exposition. The exporter is used as a MetricReader only
 * (its own server never starts); our server calls `render()` and OpenTelemetry's serializer.
 */
export class PrometheusEndpoint {
  readonly reader: PrometheusExporter;
  private readonly serializer: PrometheusSerializer;
  private readonly logger: Logger;
  private warnedErrors = false;

  constructor(producers: MetricProducer[], logger: Logger) {
    this.logger = logger;
    // Scope labels (otel_scope_name...) would add two labels to every series of the contract.
    this.reader = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      metricProducers: producers,
    });
    this.serializer = new PrometheusSerializer('', false, undefined, false, true);
  }

  /** Collects every metric now and returns the exposition text. */
  async render(): Promise<string> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0 && !this.warnedErrors) {
      this.warnedErrors = true;
      this.logger.warn(
        `metric collection reported ${errors.length} error(s), first: ${String(errors[0])}; further ones are not logged`,
      );
    }
    return this.serializer.serialize(forPrometheus(resourceMetrics));
  }

  /** Request handler serving the exposition; usable from any node:http-compatible server. */
  readonly handle = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await this.render();
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  };
}
