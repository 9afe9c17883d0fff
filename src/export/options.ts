import { expect, isInt, nonEmpty, objectOf, plainObject, positive, type Check, type Checks } from '../core/checks.ts';

/** The OTLP protocols OpenTelemetry defines for metrics. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Aggregation temporality of pushed sums and histograms. */
export type Temporality = 'cumulative' | 'delta';

/** OTLP push to an OpenTelemetry Collector or any OTLP backend; every field optional, `OTEL_EXPORTER_OTLP_*` fill the gaps. */
export interface OtlpOptions {
  /**
   * For HTTP, the metrics URL; a URL without a path gets `/v1/metrics`. For gRPC, `http://host:4317`.
   * @default `OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT`, else localhost 4318 (HTTP) or 4317 (gRPC)
   */
  endpoint?: string;
  /**
   * Encoding and transport of the push: protobuf or JSON over HTTP, or gRPC.
   * @default `OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL`, else `'http/protobuf'`
   */
  protocol?: OtlpProtocol;
  /** Sent with every export (e.g. an API key); overrides the same keys of `OTEL_EXPORTER_OTLP_[METRICS_]HEADERS`. */
  headers?: Record<string, string>;
  /**
   * Seconds between pushes.
   * @default `OTEL_METRIC_EXPORT_INTERVAL`, else 60
   */
  intervalSeconds?: number;
  /**
   * Seconds one push may take, retries included (at most the interval).
   * @default `OTEL_METRIC_EXPORT_TIMEOUT`, else 30
   */
  timeoutSeconds?: number;
  /**
   * Whether pushed sums and histograms carry the total since start (`'cumulative'`) or the change since the last push.
   * @default `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, else `'cumulative'`
   */
  temporality?: Temporality;
}

/** The OTLP settings in force. */
export interface ResolvedOtlp {
  /** Where pushes go: for HTTP the full metrics URL (path included), for gRPC the server's `http://host:port`. */
  readonly endpoint: string;
  /** The protocol in force: the option, else the environment, else `'http/protobuf'`. */
  readonly protocol: OtlpProtocol;
  /** Headers of every push: the environment's, overridden key by key by the option's; empty when neither sets any. */
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds between pushes. */
  readonly intervalMs: number;
  /** Milliseconds one push may take, retries included; never more than `intervalMs`. */
  readonly timeoutMs: number;
  /** The temporality in force: the option, else the environment, else `'cumulative'`. */
  readonly temporality: Temporality;
}

/** Where metrics leave the process besides the scrape: JSON snapshots on disk and OTLP push. */
export interface ExportOptions {
  /**
   * Directory for JSON snapshots (the Python module's `export_directory`); created if missing.
   * @default none
   */
  exportDirectory?: string | false;
  /**
   * Seconds between snapshots.
   * @default 60
   */
  exportIntervalSeconds?: number;
  /**
   * `'snapshot'`: one JSON file per export with Prometheus names; `'otlp'`: OTLP/JSON lines, one file per UTC day,
   * for the Collector's `otlpjsonfile` receiver.
   * @default 'snapshot'
   */
  exportFormat?: 'snapshot' | 'otlp';
  /**
   * Export files kept (snapshots, or OTLP day files and their parts), oldest removed first; `false` keeps all.
   * @default 1440 (a day at the default interval)
   */
  exportMaxFiles?: number | false;
  /**
   * Export files older than this are removed; `false` keeps them.
   * @default false
   */
  exportMaxAgeHours?: number | false;
  /**
   * Total bytes of the export files (`latest.json` aside), oldest removed first, the file being written never.
   * In the `'otlp'` format a day's file is cut into parts of at most a sixteenth of this
   * (`metrics-YYYY-MM-DD_001.jsonl`, ...), so a day alone over the budget loses its oldest parts. `false`: no limit.
   * @default 268435456 (256 MiB)
   */
  exportMaxBytes?: number | false;
  /**
   * OTLP push: `true` for the `OTEL_EXPORTER_OTLP_*` settings, an object to set them here, `false` to keep it off
   * whatever `OTEL_METRICS_EXPORTER` says.
   * @default on only when `OTEL_METRICS_EXPORTER` lists `otlp`
   */
  otlp?: boolean | OtlpOptions;
}

/** The export settings in force. */
export interface ResolvedExport {
  /** Directory of the export files, or `false` when file export is off (the default). */
  readonly exportDirectory: string | false;
  /** Seconds between file exports. */
  readonly exportIntervalSeconds: number;
  /** See {@link ExportOptions.exportFormat}. */
  readonly exportFormat: 'snapshot' | 'otlp';
  /** Export files kept, oldest removed first; `false` keeps all. */
  readonly exportMaxFiles: number | false;
  /** Age in hours past which export files are removed; `false` keeps them. */
  readonly exportMaxAgeHours: number | false;
  /** Total bytes of export files kept, oldest removed first; `false` keeps all. */
  readonly exportMaxBytes: number | false;
  /** The OTLP push settings, or `false` when OTLP push is off. */
  readonly otlp: ResolvedOtlp | false;
}

/** The export settings when no option or variable sets them: no files, no push. */
export const EXPORT_DEFAULTS: ResolvedExport = {
  exportDirectory: false,
  exportIntervalSeconds: 60,
  exportFormat: 'snapshot',
  exportMaxFiles: 1440,
  exportMaxAgeHours: false,
  exportMaxBytes: 256 * 1024 * 1024,
  otlp: false,
};

const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const SECONDS = 'a positive number of seconds';

const httpUrl: Check = (v) => {
  if (typeof v !== 'string') return 'an http:// or https:// URL';
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol) ? undefined : 'an http:// or https:// URL';
  } catch {
    return 'an absolute http:// or https:// URL';
  }
};

const OTLP_CHECKS: Checks<OtlpOptions> = {
  endpoint: httpUrl,
  protocol: expect((v) => PROTOCOLS.includes(v as OtlpProtocol), `one of ${PROTOCOLS.map((p) => `'${p}'`).join(', ')}`),
  headers: expect(
    (v) => plainObject(v) && Object.values(v).every((h) => typeof h === 'string'),
    'an object of string header values',
  ),
  intervalSeconds: expect(positive, SECONDS),
  timeoutSeconds: expect(positive, SECONDS),
  temporality: expect((v) => v === 'cumulative' || v === 'delta', "'cumulative' or 'delta'"),
};

const otlpObject = objectOf(OTLP_CHECKS, 'an object');

/** The validation of each export option, naming what it expects. */
export const EXPORT_CHECKS: Checks<ExportOptions> = {
  exportDirectory: expect((v) => v === false || nonEmpty(v), 'a directory path, or false'),
  exportIntervalSeconds: expect(positive, SECONDS),
  exportFormat: expect((v) => v === 'snapshot' || v === 'otlp', "'snapshot' or 'otlp'"),
  exportMaxFiles: expect((v) => v === false || isInt(v, 1, Number.MAX_SAFE_INTEGER), 'a positive integer, or false'),
  exportMaxAgeHours: expect((v) => v === false || positive(v), 'a positive number of hours, or false'),
  exportMaxBytes: expect(
    (v) => v === false || isInt(v, 1, Number.MAX_SAFE_INTEGER),
    'a positive integer of bytes, or false',
  ),
  otlp: (v) => {
    if (typeof v === 'boolean') return undefined;
    return plainObject(v) ? otlpObject(v) : 'true, false or an object of OTLP settings';
  },
};
