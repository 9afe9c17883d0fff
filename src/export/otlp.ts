import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ResolvedOtlp } from './options.ts';

/** Label values of `monitoring_export_failures_total{exporter="otlp"}`. */
export type OtlpFailureReason = 'unreachable' | 'timeout' | 'rejected' | 'server_error' | 'other';

/** What the push exporter tells the service. */
export interface PushHooks {
  onFailure(reason: OtlpFailureReason, error: unknown): void;
  /** The batch was delivered; a delta producer moves its baseline. */
  onSuccess(): void;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

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

/** Creates an OTLP exporter whose exports, retries included, end within `timeoutMs`. */
export type OtlpExporterFactory = (timeoutMs: number) => PushMetricExporter;

/**
 * Loads OpenTelemetry's OTLP metric exporter for the protocol and returns a factory for it. Loaded
 * on demand, so a bot that does not push never loads gRPC.
 */
export async function loadOtlpExporter(config: ResolvedOtlp): Promise<OtlpExporterFactory> {
  const temporalityPreference =
    config.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  const options = (timeoutMs: number) => ({ url: config.endpoint, timeoutMillis: timeoutMs, temporalityPreference });
  switch (config.protocol) {
    case 'http/json': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      return (timeoutMs) => new OTLPMetricExporter({ ...options(timeoutMs), headers: { ...config.headers } });
    }
    case 'http/protobuf': {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
      return (timeoutMs) => new OTLPMetricExporter({ ...options(timeoutMs), headers: { ...config.headers } });
    }
    case 'grpc': {
      const [{ OTLPMetricExporter }, { Metadata }] = await Promise.all([
        import('@opentelemetry/exporter-metrics-otlp-grpc'),
        import('@grpc/grpc-js'),
      ]);
      return (timeoutMs) => {
        const metadata = new Metadata();
        for (const [key, value] of Object.entries(config.headers)) metadata.set(key, value);
        return new OTLPMetricExporter({ ...options(timeoutMs), metadata });
      };
    }
  }
}

/**
 * The OTLP exporter behind a thin layer that reports each outcome to the service: failures are
 * counted by reason, successes acknowledge a delta batch. Export never throws.
 */
export class OtlpPushExporter implements PushMetricExporter {
  private inner: PushMetricExporter;
  private readonly create: OtlpExporterFactory;
  private readonly hooks: PushHooks;
  private readonly temporality: AggregationTemporality;
  private previous: PushMetricExporter | undefined;

  constructor(create: OtlpExporterFactory, timeoutMs: number, temporality: 'cumulative' | 'delta', hooks: PushHooks) {
    this.create = create;
    this.inner = create(timeoutMs);
    this.hooks = hooks;
    this.temporality = temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  }

  /**
   * The final push at shutdown goes through a fresh exporter whose retries end within `timeoutMs`:
   * OpenTelemetry's retry timers are not unref'd, so an export still retrying against an unreachable
   * Collector would keep the process alive (about 13 s) after shutdown gave up on it.
   */
  beginShutdown(timeoutMs: number): void {
    this.previous = this.inner;
    this.inner = this.create(Math.max(1, timeoutMs));
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

  async shutdown(): Promise<void> {
    await Promise.all([this.inner.shutdown(), this.previous?.shutdown()]);
  }
}
