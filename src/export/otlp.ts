import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import {
  AggregationTemporality,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { MonitoringConfigError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import type { Delivery } from '../storage/delta.ts';
import type { PreparedExport } from '../storage/producer.ts';
import type { ResolvedOtlp } from './options.ts';

/**
 * Label values of `monitoring_export_failures_total{exporter="otlp"}`. The batch was not kept, and
 * a delta push carries it again next time: `unreachable` (no connection: refused, DNS, no route),
 * `throttled` (HTTP 429, gRPC RESOURCE_EXHAUSTED), `rejected` (any other HTTP 3xx/4xx, gRPC
 * INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, ...), `server_error` (HTTP 5xx, gRPC
 * UNAVAILABLE or INTERNAL from the server). The Collector may have kept it, and a delta push does
 * not send it again: `timeout` (no answer within `timeoutSeconds`), `connection_lost` (the
 * connection closed after the batch was sent). `other`: anything else (counted as maybe kept).
 */
export type OtlpFailureReason =
  'unreachable' | 'timeout' | 'connection_lost' | 'throttled' | 'rejected' | 'server_error' | 'other';

/** What the push exporter tells the service. */
export interface PushHooks {
  /** A push failed: counted by reason, warned about once per reason. */
  onFailure(reason: OtlpFailureReason, error: unknown): void;
  /** A push was acknowledged (readiness resets the exporter's failing-since time). */
  onSuccess(): void;
}

/**
 * A failed OTLP/HTTP push, as our transport saw it: the Collector's answer (`status`) or the socket
 * error (`code`), why it failed (`reason`) and whether the Collector may have kept the batch (`delivery`).
 */
export class OtlpHttpError extends Error {
  /** The HTTP status the Collector answered with; undefined when it did not answer. */
  readonly status: number | undefined;
  /** The socket error code (`ECONNREFUSED`, `ECONNRESET`, ...), `ETIMEDOUT` at the deadline; undefined for an answer. */
  readonly code: string | undefined;
  /** The `reason` label this failure is counted under. */
  readonly reason: OtlpFailureReason;
  /** `not_delivered` when the Collector provably kept nothing, `unknown` when it may have kept the batch. */
  readonly delivery: Exclude<Delivery, 'delivered'>;
  /** Whether another attempt may succeed (HTTP 429, 502, 503, 504 and network errors). */
  readonly retryable: boolean;
  /** The Collector's `Retry-After`, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: Pick<OtlpHttpError, 'status' | 'code' | 'reason' | 'delivery' | 'retryable' | 'retryAfterMs'>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OtlpHttpError';
    this.status = details.status;
    this.code = details.code;
    this.reason = details.reason;
    this.delivery = details.delivery;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;

/** Socket errors raised before a connection exists: nothing was sent. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
/** Socket errors worth another attempt, as OpenTelemetry's own HTTP transport retries them. */
const RETRYABLE_CODES = new Set([...NOT_CONNECTED, 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** grpc-js details of a call that failed after its message may have left: the server may have kept it. */
const GRPC_LOST_AFTER_SEND = /Connection dropped|Write (?:error|failed)|ECONNRESET|EPIPE|ETIMEDOUT|RST_STREAM/i;
/** OpenTelemetry's export delegate fails these before sending anything. */
const NEVER_SENT = /Concurrent export limit reached|Nothing to send/;

/**
 * Sorts an export error into a few stable reasons: our HTTP transport's `OtlpHttpError` says it
 * itself; gRPC errors carry a status code, and HTTP ones from elsewhere an `OTLPExporterError` code.
 */
export function otlpFailureReason(error: unknown): OtlpFailureReason {
  if (error instanceof OtlpHttpError) return error.reason;
  const { code, message } = errorParts(error);
  if (typeof code === 'number') {
    if (code >= 100) return code === 429 ? 'throttled' : code >= 500 ? 'server_error' : 'rejected';
    switch (code) {
      case GRPC.DEADLINE_EXCEEDED:
        return 'timeout';
      case GRPC.UNAVAILABLE:
        if (GRPC_LOST_AFTER_SEND.test(message)) return 'connection_lost';
        return /No connection established|Name resolution|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|UNREACH|Channel closed before call/i.test(
          message,
        )
          ? 'unreachable'
          : 'server_error';
      case GRPC.RESOURCE_EXHAUSTED:
        return 'throttled';
      case GRPC.CANCELLED:
        return 'connection_lost';
      case GRPC.UNKNOWN:
      case GRPC.INTERNAL:
      case GRPC.DATA_LOSS:
        return 'server_error';
      default:
        return 'rejected';
    }
  }
  const sysCode = typeof code === 'string' ? code : undefined;
  if (sysCode !== undefined && NOT_CONNECTED.has(sysCode)) return 'unreachable';
  if (sysCode === 'ECONNRESET' || sysCode === 'EPIPE') return 'connection_lost';
  if (sysCode === 'ETIMEDOUT' || /timeout|timed out|deadline/i.test(message)) return 'timeout';
  return 'other';
}

/**
 * Whether the Collector may have kept the batch of a failed export. `not_delivered` only when that
 * is certain (it answered with an error, or no connection was made); `unknown` otherwise.
 */
export function otlpDelivery(error: unknown): Exclude<Delivery, 'delivered'> {
  if (error instanceof OtlpHttpError) return error.delivery;
  const { code, message } = errorParts(error);
  if (typeof code === 'number') {
    if (code >= 100) return 'not_delivered';
    switch (code) {
      case GRPC.DEADLINE_EXCEEDED:
        // grpc-js names the peer (remote_addr=) only once a call was placed on a connection.
        return message.includes('remote_addr=') ? 'unknown' : 'not_delivered';
      case GRPC.UNAVAILABLE:
        return GRPC_LOST_AFTER_SEND.test(message) ? 'unknown' : 'not_delivered';
      case GRPC.CANCELLED:
      case GRPC.UNKNOWN:
      case GRPC.INTERNAL:
      case GRPC.DATA_LOSS:
        return 'unknown';
      default:
        return 'not_delivered';
    }
  }
  if (NEVER_SENT.test(message)) return 'not_delivered';
  if (typeof code === 'string' && NOT_CONNECTED.has(code)) return 'not_delivered';
  return 'unknown';
}

function errorParts(error: unknown): { code: unknown; message: string } {
  const e = error as { code?: unknown; message?: unknown; details?: unknown; cause?: { code?: unknown } } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const details = typeof e?.details === 'string' ? e.details : '';
  return { code: e?.code ?? e?.cause?.code, message: `${message} ${details}` };
}

/** The optional peer dependency that OTLP over gRPC needs, with the versions this SDK is built against. */
export const OTLP_GRPC_PACKAGE = { name: '@opentelemetry/exporter-metrics-otlp-grpc', version: '0.301' } as const;
/** What OTLP over gRPC imports itself; the exporter above brings it along with npm. */
export const GRPC_PACKAGE = { name: '@grpc/grpc-js', version: '1' } as const;

/**
 * Imports an optional peer dependency. When the package is not installed, the init fails with a
 * `MonitoringConfigError` on `otlp.protocol` that names the package to install; any other error
 * (a broken install) is the cause of the same error.
 */
export async function importOptional<T>(load: () => Promise<T>, pkg: { name: string; version: string }): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = isModuleNotFound(error);
    throw new MonitoringConfigError(
      missing
        ? `otlp.protocol 'grpc' needs the optional package ${pkg.name}, which is not installed: npm install ${pkg.name}@${pkg.version}`
        : `otlp.protocol 'grpc': ${pkg.name} could not be loaded (${(error as Error).message}); reinstall it: npm install ${pkg.name}@${pkg.version}`,
      'otlp.protocol',
      { cause: error },
    );
  }
}

/** Node's "cannot find" error, of `import()` (ERR_MODULE_NOT_FOUND) or of `require()` (MODULE_NOT_FOUND, the CommonJS build). */
function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Creates an OTLP exporter whose exports, retries included, end within `timeoutMs`. */
export type OtlpExporterFactory = (timeoutMs: number) => PushMetricExporter;

/**
 * Loads the OTLP metric exporter for the protocol and returns a factory for it, loaded on demand so
 * a bot that does not push never loads gRPC. gRPC is OpenTelemetry's exporter as it is (it never
 * retries), an optional peer dependency: a bot that asks for it without installing it fails here,
 * at init, with a `MonitoringConfigError` naming the package. The HTTP protocols are OpenTelemetry's exporter (configuration, serializers, export
 * delegate) with the transport replaced by {@link AtMostOnceHttpTransport}: OpenTelemetry's own
 * transport sends a batch again after a timeout or a lost connection, which a delta push must not do.
 */
export async function loadOtlpExporter(config: ResolvedOtlp): Promise<OtlpExporterFactory> {
  const temporalityPreference =
    config.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  if (config.protocol === 'grpc') {
    const { OTLPMetricExporter } = await importOptional(
      () => import('@opentelemetry/exporter-metrics-otlp-grpc'),
      OTLP_GRPC_PACKAGE,
    );
    const { Metadata } = await importOptional(() => import('@grpc/grpc-js'), GRPC_PACKAGE);
    return (timeoutMs) => {
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(config.headers)) metadata.set(key, value);
      return new OTLPMetricExporter({
        url: config.endpoint,
        timeoutMillis: timeoutMs,
        temporalityPreference,
        metadata,
      });
    };
  }
  const [{ OTLPMetricExporterBase }, { createOtlpNetworkExportDelegate }, nodeHttp, transformer] = await Promise.all([
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/otlp-exporter-base'),
    import('@opentelemetry/otlp-exporter-base/node-http'),
    import('@opentelemetry/otlp-transformer'),
  ]);
  const json = config.protocol === 'http/json';
  const serializer = json ? transformer.JsonMetricsSerializer : transformer.ProtobufMetricsSerializer;
  const contentType = json ? 'application/json' : 'application/x-protobuf';
  return (timeoutMs) => {
    const options = {
      url: config.endpoint,
      timeoutMillis: timeoutMs,
      temporalityPreference,
      headers: { ...config.headers },
    };
    // OpenTelemetry's own resolution: OTEL_EXPORTER_OTLP_* compression, certificates and headers, its agent.
    const http = nodeHttp.convertLegacyHttpOptions(options, 'METRICS', 'v1/metrics', { 'Content-Type': contentType });
    const metrics = nodeHttp.createOtlpHttpExporterMetrics(
      'otlp_http_metric_exporter',
      transformer.MetricsExporterMetricsHelper,
      http.url,
      undefined,
    );
    const transport = new AtMostOnceHttpTransport(http, config.temporality === 'cumulative');
    return new OTLPMetricExporterBase(createOtlpNetworkExportDelegate(http, serializer, metrics, transport), options);
  };
}

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const gzipAsync = promisify(gzip);

/** OpenTelemetry's resolved OTLP/HTTP settings (URL, headers, compression, agent); its type is not exported by name. */
type OtlpNodeHttpConfiguration = ReturnType<typeof convertLegacyHttpOptions>;

/**
 * OTLP/HTTP transport that sends a batch at most once unless the Collector provably did not keep it.
 * Within the export's deadline it retries what was not delivered (HTTP 429, 502, 503, 504, honouring
 * `Retry-After`; a connection refused), with OpenTelemetry's backoff (1 s, x1.5, at most 5 s, +-20 %).
 * After a timeout or a connection lost once the request was sent, it retries only when
 * `retryUnknown` (cumulative data, which a second copy cannot inflate). Each request opens its own
 * connection (`Connection: close`): a reset on a stale keep-alive socket would look like a Collector
 * that dropped the connection after reading the batch, and the two must not be confused.
 */
export class AtMostOnceHttpTransport implements IExporterTransport {
  private readonly config: OtlpNodeHttpConfiguration;
  private readonly retryUnknown: boolean;
  private agent: Promise<HttpAgent | HttpsAgent> | undefined;

  constructor(config: OtlpNodeHttpConfiguration, retryUnknown: boolean) {
    this.config = config;
    this.retryUnknown = retryUnknown;
  }

  /** Sends one serialized batch, retrying as the class says, and settles within `timeoutMillis`. */
  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const deadline = Date.now() + timeoutMillis;
    let backoff = INITIAL_BACKOFF_MS;
    for (;;) {
      const response = await this.attempt(data, deadline);
      if (response.status === 'success') return response;
      const error = response.error;
      const again = error.retryable && (error.delivery === 'not_delivered' || this.retryUnknown);
      const wait = error.retryAfterMs ?? backoff * (0.8 + Math.random() * 0.4);
      if (!again || Date.now() + wait >= deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      backoff = Math.min(backoff * 1.5, MAX_BACKOFF_MS);
    }
  }

  /** Nothing to release: each request has its own connection. */
  shutdown(): void {}

  private async attempt(data: Uint8Array, deadline: number): Promise<Attempt> {
    const url = new URL(this.config.url);
    let body = data;
    let agent: HttpAgent | HttpsAgent;
    const headers: Record<string, string | number> = {};
    try {
      agent = await (this.agent ??= Promise.resolve(this.config.agentFactory(url.protocol)));
      Object.assign(headers, await this.config.headers());
      if (this.config.compression === 'gzip') {
        body = await gzipAsync(data);
        headers['Content-Encoding'] = 'gzip';
      }
    } catch (error) {
      return { status: 'failure', error: notSent(error) };
    }
    headers['Content-Length'] = body.byteLength;
    headers['Connection'] = 'close';
    headers['User-Agent'] =
      `${this.config.userAgent === undefined ? '' : `${this.config.userAgent} `}evil2root-monitoring/${VERSION}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const startedAt = Date.now();
      let connected = false;
      let status: number | undefined;
      let answered: IncomingHttpHeaders = {};
      let settled = false;
      const done = (result: Attempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = send(url, { method: 'POST', headers, agent }, (res) => {
        const code = (status = res.statusCode ?? 0);
        answered = res.headers;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
          else {
            res.destroy();
            done(fromStatus(code, answered, undefined));
          }
        });
        res.on('end', () => done(fromStatus(code, answered, Buffer.concat(chunks))));
        // The status line is the Collector's answer; a body cut short changes nothing.
        res.on('error', () => done(fromStatus(code, answered, undefined)));
      });
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (status !== undefined) return done(fromStatus(status, answered, undefined));
        const code = error.code;
        const reached = connected && !(code !== undefined && NOT_CONNECTED.has(code));
        const details = {
          status: undefined,
          code,
          reason: reached ? ('connection_lost' as const) : ('unreachable' as const),
          delivery: reached ? ('unknown' as const) : ('not_delivered' as const),
          retryable: code !== undefined && RETRYABLE_CODES.has(code),
          retryAfterMs: undefined,
        };
        const message = `OTLP export to ${url.host} failed: ${error.message}`;
        done({ status: 'failure', error: new OtlpHttpError(message, details, { cause: error }) });
      });
      const timer = setTimeout(
        () => {
          req.destroy();
          if (status !== undefined) return done(fromStatus(status, answered, undefined));
          const details = {
            status: undefined,
            code: 'ETIMEDOUT',
            reason: connected ? ('timeout' as const) : ('unreachable' as const),
            delivery: connected ? ('unknown' as const) : ('not_delivered' as const),
            retryable: true,
            retryAfterMs: undefined,
          };
          const message = `OTLP export to ${url.host} timed out after ${Date.now() - startedAt} ms`;
          done({ status: 'failure', error: new OtlpHttpError(message, details) });
        },
        Math.max(0, deadline - startedAt),
      );
      req.end(body);
    });
  }
}

type Attempt = { status: 'success'; data?: Uint8Array } | { status: 'failure'; error: OtlpHttpError };

function fromStatus(status: number, headers: IncomingHttpHeaders, body: Uint8Array | undefined): Attempt {
  if (status >= 200 && status <= 299)
    return body === undefined ? { status: 'success' } : { status: 'success', data: body };
  return {
    status: 'failure',
    error: new OtlpHttpError(`the OTLP endpoint answered HTTP ${status}`, {
      status,
      code: undefined,
      reason: status === 429 ? 'throttled' : status >= 500 ? 'server_error' : 'rejected',
      delivery: 'not_delivered',
      retryable: RETRYABLE_STATUS.has(status),
      retryAfterMs: retryAfterMs(headers['retry-after']),
    }),
  };
}

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function notSent(error: unknown): OtlpHttpError {
  return new OtlpHttpError(
    `OTLP export could not be prepared: ${error instanceof Error ? error.message : String(error)}`,
    {
      status: undefined,
      code: undefined,
      reason: 'other',
      delivery: 'not_delivered',
      retryable: false,
      retryAfterMs: undefined,
    },
    { cause: error },
  );
}

/**
 * The OTLP exporter behind a thin layer that reports each outcome: failures are counted by reason,
 * and each batch's fate (delivered, not delivered, unknown) settles a delta producer's baseline.
 * Export never throws.
 */
export class OtlpPushExporter implements PushMetricExporter {
  private inner: PushMetricExporter;
  private readonly create: OtlpExporterFactory;
  private readonly hooks: PushHooks;
  private readonly temporality: AggregationTemporality;
  private readonly prepare: ((metrics: ResourceMetrics) => PreparedExport) | undefined;
  private previous: PushMetricExporter | undefined;

  /** @param prepare turns a collection into the batch to send (a delta producer's `prepareExport`) */
  constructor(
    create: OtlpExporterFactory,
    timeoutMs: number,
    temporality: 'cumulative' | 'delta',
    hooks: PushHooks,
    prepare?: (metrics: ResourceMetrics) => PreparedExport,
  ) {
    this.create = create;
    this.inner = create(timeoutMs);
    this.hooks = hooks;
    this.prepare = prepare;
    this.temporality = temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  }

  /**
   * The final push at shutdown goes through a fresh exporter whose attempts end within `timeoutMs`,
   * so that an export still waiting on a slow Collector does not hold the final push back.
   */
  beginShutdown(timeoutMs: number): void {
    this.previous = this.inner;
    this.inner = this.create(Math.max(1, timeoutMs));
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    let done = false;
    let settle: PreparedExport['settle'] = noop;
    const finish = (result: ExportResult, sent = true) => {
      if (done) return;
      done = true;
      try {
        const ok = result.code === ExportResultCode.SUCCESS;
        settle(ok ? 'delivered' : sent ? otlpDelivery(result.error) : 'not_delivered');
        if (ok) this.hooks.onSuccess();
        else this.hooks.onFailure(otlpFailureReason(result.error), result.error);
      } finally {
        resultCallback(result);
      }
    };
    try {
      const prepared = this.prepare?.(metrics);
      settle = prepared?.settle ?? noop;
      this.inner.export(prepared?.metrics ?? metrics, finish);
    } catch (error) {
      finish(
        { code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) },
        false,
      );
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

function noop(): void {}
