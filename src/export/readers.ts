import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type * as MetricsModule from '@opentelemetry/sdk-metrics';
import type { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../core/logger.ts';
import { RegistryProducer } from '../storage/producer.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { FileMetricExporter } from './file-exporter.ts';
import type { ExportHealth } from './health.ts';
import type { OtlpExporterFactory, OtlpFailureReason, OtlpPushExporter } from './otlp.ts';
import type { ResolvedExport, ResolvedOtlp } from './options.ts';

/** A push exporter on a periodic reader of its own. */
export interface PushExport<E> {
  readonly exporter: E;
  readonly reader: PeriodicExportingMetricReader;
}

/** What every reader pulls from: the pre-aggregated registry, under one resource and scope. */
export interface ReaderSource {
  /** OpenTelemetry's metrics SDK, loaded for the push readers. */
  readonly metrics: typeof MetricsModule;
  readonly registry: InstrumentRegistry;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  /** Awaited after each collection before its data leaves: the durable state's write. */
  readonly beforeExport?: () => Promise<void>;
}

/**
 * JSON snapshots on a periodic reader of their own, cumulative like the scrape; undefined without
 * `exportDirectory`. The exporter class comes from the caller, which loads it only when it is used.
 */
export function createFileExport(
  Exporter: typeof FileMetricExporter,
  options: ResolvedExport,
  source: ReaderSource,
  health: ExportHealth,
  logger: Logger,
): PushExport<FileMetricExporter> | undefined {
  if (options.exportDirectory === false) return undefined;
  const exporter = new Exporter(
    {
      directory: options.exportDirectory,
      format: options.exportFormat,
      maxFiles: options.exportMaxFiles === false ? undefined : options.exportMaxFiles,
      maxAgeHours: options.exportMaxAgeHours === false ? undefined : options.exportMaxAgeHours,
      maxBytes: options.exportMaxBytes === false ? undefined : options.exportMaxBytes,
    },
    {
      logger,
      onFailure: (reason) => health.failed('file', reason),
      onSuccess: () => health.succeeded('file'),
    },
  );
  const intervalMs = options.exportIntervalSeconds * 1000;
  const reader = new source.metrics.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: intervalMs,
    exportTimeoutMillis: Math.min(intervalMs, 30_000),
    metricProducers: [
      new RegistryProducer(source.registry, source.resource, source.scope, 'cumulative', source.beforeExport),
    ],
  });
  return { exporter, reader };
}

/**
 * OTLP push. A delta producer keeps its own baseline: it moves as each batch is sent and moves back
 * when the Collector provably did not keep the batch (see `DeltaTracker`). The exporter class comes
 * from the caller, which loads it only when OTLP is on.
 */
export function createOtlpExport(
  Exporter: typeof OtlpPushExporter,
  create: OtlpExporterFactory,
  config: ResolvedOtlp,
  source: ReaderSource,
  health: ExportHealth,
): PushExport<OtlpPushExporter> {
  const producer = new RegistryProducer(
    source.registry,
    source.resource,
    source.scope,
    config.temporality,
    source.beforeExport,
  );
  const hooks = {
    onSuccess: () => health.succeeded('otlp'),
    onFailure: (reason: OtlpFailureReason, error: unknown) => {
      health.failed('otlp', reason);
      health.warnOnce(`otlp:${reason}`, () => {
        const why = (error as Error | undefined)?.message ?? String(error);
        return `OTLP export to ${config.endpoint} failed (${reason}: ${why}); ${consequence(reason, config.temporality)}; retried every ${config.intervalMs / 1000} s, counted in monitoring_export_failures_total; further ${reason} failures are not logged`;
      });
    },
  };
  const exporter = new Exporter(create, config.timeoutMs, config.temporality, hooks, (metrics) =>
    producer.prepareExport(metrics),
  );
  const reader = new source.metrics.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: config.intervalMs,
    exportTimeoutMillis: config.timeoutMs,
    metricProducers: [producer],
  });
  return { exporter, reader };
}

/** What a failure means for the data, in the warning: whether the next push carries it again. */
function consequence(reason: OtlpFailureReason, temporality: 'cumulative' | 'delta'): string {
  if (temporality === 'cumulative') return 'the next push carries the totals';
  if (reason === 'timeout' || reason === 'connection_lost' || reason === 'other')
    return 'the Collector may have kept the batch, so it is not sent again (lost if it did not)';
  return 'the Collector kept nothing, the next push carries these changes';
}
