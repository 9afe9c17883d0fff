import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ResolvedOtlp } from '../options.ts';

/** Label values of `monitoring_export_failures_total{exporter="otlp"}`. */
export type OtlpFailureReason = 'unreachable' | 'timeout' | 'rejected' | 'server_error' | 'other';

/** What the push exporter tells the service. */
export interface PushHooks {
  onFailure(reason: OtlpFailureReason, error: unknown): void;
  /** The batch was delivered; a delta producer moves its baseline. */
  onSuccess(): void;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Sorts an export error into a few stable reasons (HTTP status, gRPC status or socket error code). */
export function otlpFailureReason(error: unknown): OtlpFailureReason {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (typeof code === 'number') {
    // gRPC status codes are small numbers: 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE.
    if (code === 4) return 'timeout';
    if (code === 14) return 'unreachable';
    if (code >= 500) return 'server_error';
    if (code >= 400) return 'rejected';
  }
  const sysCode = typeof code === 'string' ? code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (sysCode !== undefined && UNREACHABLE.has(sysCode)) return 'unreachable';
  if (sysCode === 'ETIMEDOUT' || /timeout|timed out|deadline/i.test(message)) return 'timeout';
  if (/ECONNREFUSED|ENOTFOUND|ECONNRESET|UNAVAILABLE|No connection established/i.test(message)) return 'unreachable';
  return 'other';
}

/**
 * Loads OpenTelemetry's OTLP metric exporter for the protocol and returns a factory for it. Loaded
 * on demand, so a bot that does not push never loads gRPC.
 */
export async function loadOtlpExporter(config: ResolvedOtlp): Promise<() => PushMetricExporter> {
  const temporalityPreference = config.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  const common = { url: config.endpoint, timeoutMillis: config.timeoutMs, temporalityPreference };
  switch (config.protocol) {
    case 'http/json': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      return () => new OTLPMetricExporter({ ...common, headers: { ...config.headers } });
    }
    case 'http/protobuf': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      return () => new OTLPMetricExporter({ ...common, headers: { ...config.headers } });
    }
    case 'grpc': {
      const [{ OTLPMetricExporter }, { Metadata }] = await Promise.all([
        import('@opentelemetry/exporter-metrics-otlp-grpc'),
        import('@grpc/grpc-js'),
      ]);
      return () => {
        const metadata = new Metadata();
        for (const [key, value] of Object.entries(config.headers)) metadata.set(key, value);
        return new OTLPMetricExporter({ ...common, metadata });
      };
    }
  }
}

/**
 * The OTLP exporter behind a thin layer that reports each outcome to the service: failures are
 * counted by reason, successes acknowledge a delta batch. Export never throws.
 */
export class OtlpPushExporter implements PushMetricExporter {
  private readonly inner: PushMetricExporter;
  private readonly hooks: PushHooks;
  private readonly temporality: AggregationTemporality;

  constructor(inner: PushMetricExporter, temporality: 'cumulative' | 'delta', hooks: PushHooks) {
    this.inner = inner;
    this.hooks = hooks;
    this.temporality = temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    let done = false;
    const finish = (result: ExportResult) => {
      if (done) return;
      done = true;
      try {
        if (result.code === ExportResultCode.SUCCESS) this.hooks.onSuccess();
        else this.hooks.onFailure(otlpFailureReason(result.error), result.error);
      } finally {
        resultCallback(result);
      }
    };
    try {
      this.inner.export(metrics, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality?.(instrumentType) ?? this.temporality;
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
