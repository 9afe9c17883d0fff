import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readOtelEnvironment, type OtelEnvironment, type OtlpProtocol, type Temporality } from './env.ts';
import { Adwin, type AdwinOptions } from '../analytics/models/adwin.ts';
import { PageHinkley, type PageHinkleyOptions } from '../analytics/models/page-hinkley.ts';
import { MonitoringConfigError } from '../core/errors.ts';
import { consoleLogger, type Logger } from '../core/logger.ts';
import { APP_EXPECTED, detectFramework } from '../integrations/app.ts';

/** OTLP push to an OpenTelemetry Collector or any OTLP backend; every field optional, `OTEL_EXPORTER_OTLP_*` fill the gaps. */
export interface OtlpOptions {
  /** For HTTP, the metrics URL; a URL without a path gets `/v1/metrics`. For gRPC, `http://host:4317`. Default from `OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT`, else localhost 4318 (HTTP) or 4317 (gRPC). */
  endpoint?: string;
  /** Default from `OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL`, else `'http/protobuf'`. */
  protocol?: OtlpProtocol;
  /** Sent with every export (e.g. an API key); overrides the same keys of `OTEL_EXPORTER_OTLP_[METRICS_]HEADERS`. */
  headers?: Record<string, string>;
  /** Seconds between pushes. Default from `OTEL_METRIC_EXPORT_INTERVAL`, else 60. */
  intervalSeconds?: number;
  /** Seconds one push may take, retries included. Default from `OTEL_METRIC_EXPORT_TIMEOUT`, else 30 (at most the interval). */
  timeoutSeconds?: number;
  /** Default from `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, else `'cumulative'`. */
  temporality?: Temporality;
}

/** The OTLP settings in force. */
export interface ResolvedOtlp {
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly temporality: Temporality;
}

/** A resource attribute value. */
export type ResourceAttributeValue = string | number | boolean;

/** Options of `initEnhancedMonitoring`; every field is optional. */
export interface MonitoringOptions {
  /** Port of the Prometheus endpoint (`/metrics` and `/`); 0 picks a free port; `false` starts no server. Default `OTEL_EXPORTER_PROMETHEUS_PORT`, else 8000; no server when `OTEL_METRICS_EXPORTER` leaves out `prometheus`. */
  port?: number | false;
  /** Address the server binds; loopback unless you ask for more. Default `OTEL_EXPORTER_PROMETHEUS_HOST`, else `'127.0.0.1'`. */
  host?: string;
  /** Directory for JSON snapshots (the Python module's `export_directory`); created if missing. Default: none. */
  exportDirectory?: string | false;
  /** Seconds between snapshots. Default 60. */
  exportIntervalSeconds?: number;
  /** `'snapshot'`: one JSON file per export with Prometheus names; `'otlp'`: OTLP/JSON lines, one file per UTC day, for the Collector's `otlpjsonfile` receiver. Default `'snapshot'`. */
  exportFormat?: 'snapshot' | 'otlp';
  /** Snapshot files kept, oldest removed first; `false` keeps all. Default 1440 (a day at the default interval). */
  exportMaxFiles?: number | false;
  /** Snapshot files older than this are removed; `false` keeps them. Default false. */
  exportMaxAgeHours?: number | false;
  /** OTLP push: `true` for the `OTEL_EXPORTER_OTLP_*` settings, an object to set them here, `false` to keep it off whatever `OTEL_METRICS_EXPORTER` says. Default: on only when `OTEL_METRICS_EXPORTER` lists `otlp`. */
  otlp?: boolean | OtlpOptions;
  /** `service.instance.id` of the resource. Default: `OTEL_RESOURCE_ATTRIBUTES`, else a UUID generated once per process. */
  serviceInstanceId?: string;
  /** Extra resource attributes (e.g. `{ 'deployment.environment.name': 'prod', 'bot.strategy': 'momentum' }`), over those of `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Record<string, ResourceAttributeValue>;
  /** How long `shutdown()` waits for the final snapshot and push before giving up on them. Default 5000. */
  shutdownTimeoutMs?: number;
  /** Flush on SIGTERM and SIGINT, then let the process exit as it would have. Default false. */
  handleSignals?: boolean;
  /** Seconds between computed model-metric publications, as in the Python module. Default 300. */
  modelMetricsInterval?: number;
  /** Closed trades in the rolling window of the trade statistics (`window="rolling"`). Default 100. */
  tradeWindow?: number;
  /** How a break-even trade (net pnl exactly 0) counts in the win rate: `'notWin'` (in the denominator, not a win), `'win'`, or `'exclude'` (left out). Default `'notWin'`. */
  draws?: 'notWin' | 'win' | 'exclude';
  /** Account balance before the first closed trade; enables the realized drawdown (`basis="realized"`). Default: none. */
  startingBalance?: number;
  /** Seconds per return period of the equity curve (Sharpe, Sortino, Calmar); the equity of a period is its last value. Default 86400. */
  returnsIntervalSeconds?: number;
  /** Return periods in the rolling window of the ratios (`window="rolling"`). Default 30. */
  returnsWindow?: number;
  /** Annualization factor of the ratios. Default: the returnsIntervals in a 365-day year (365 for daily). Set it when an interval stands for more time than it lasts (a replay, a demo). */
  periodsPerYear?: number;
  /** Annual risk-free rate for the Sharpe ratio, e.g. 0.04; compounded down to the return period. Default 0. */
  riskFreeRate?: number;
  /** Annual minimum acceptable return for the Sortino ratio; compounded down to the return period. Default 0. */
  requiredReturn?: number;
  /** Resolved predictions in each model's rolling window. Default 500. */
  windowSize?: number;
  /** Predictions awaiting an outcome, over all models; the oldest is evicted and counted past it. Default 10000. */
  maxPending?: number;
  /** Seconds a prediction waits for its outcome before it expires and is counted. Default 86400. */
  outcomeTtlSeconds?: number;
  /** Equal-width probability bins for calibration. Default 5 (bins '0.1' … '0.9'). */
  calibrationBins?: number;
  /** Drift detectors on each model's error stream and on reported features: river's defaults; `false` turns one off. */
  driftDetectors?: { adwin?: AdwinOptions | false; pageHinkley?: PageHinkleyOptions | false };
  /** `service.name` of the resource (`target_info` on the scrape). Default `OTEL_SERVICE_NAME`, else `'evil2root-bot'`. */
  serviceName?: string;
  /** Throw MonitoringInputError on invalid input instead of dropping and counting it. Default false. */
  strict?: boolean;
  /** Label sets kept per metric; further ones fold into one `otel_metric_overflow="true"` series. Default 2000. */
  maxSeriesPerMetric?: number;
  /** Collect host and process metrics (CPU, memory, network, disk, load, processes, uptime). Default true. */
  systemMetrics?: boolean;
  /** Where warnings go. Default: the console, prefixed `[evil2root-monitoring]`. */
  logger?: Logger;
  /** Authentication of the HTTP surface: a bearer token or a basic-auth user and password; `false` for none. Default `MONITORING_AUTH_TOKEN`, else `MONITORING_BASIC_AUTH` (`user:password`), else none. */
  auth?: false | AuthOptions;
  /** Exact paths served without authentication. Default `['/healthz']`. */
  authExemptPaths?: string[];
  /** Serve HTTPS: `key` and `cert` as PEM text or Buffers, or as file paths (a string not starting with `-----BEGIN`); read once at init. Default false. */
  tls?: false | TlsOptions;
  /** Seconds after its last `heartbeat(loop)` before a loop makes `/readyz` fail; a record sets it per loop (others keep 60). Default 60. */
  heartbeatTimeoutSeconds?: number | Record<string, number>;
  /** Seconds an exporter (file, OTLP) may keep failing before `/readyz` fails. Default 300. */
  exportFailureGraceSeconds?: number;
  /** The built-in dashboard (`/dashboard`, `/api/v1/series`) and its in-memory history: sampled every `intervalSeconds` (default 5) for `historyMinutes` (default 360). Default true. */
  dashboard?: boolean | DashboardOptions;
  /** An Express app or a Fastify instance (before it listens): `/metrics` and `http.server.request.duration` are mounted on it. Default: none. */
  app?: unknown;
  /** Metrics of every outgoing HTTP call: `http` (node:http/https, axios…) and `fetch` (undici); `true` for both. Default false. */
  autoInstrument?: boolean | { http?: boolean; fetch?: boolean };
}

/** Bearer token or HTTP basic credentials for the HTTP surface. */
export type AuthOptions = { bearerToken: string } | { username: string; password: string };

/** Certificate and private key of the HTTPS server: PEM text, Buffers, or file paths. */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

/** Settings of the dashboard's history. */
export interface DashboardOptions {
  /** Seconds between samples. Default 5. */
  intervalSeconds?: number;
  /** Minutes of history kept. Default 360. */
  historyMinutes?: number;
}

/** The dashboard settings in force. */
export interface ResolvedDashboard {
  readonly intervalSeconds: number;
  readonly historyMinutes: number;
}

/** Options after defaults and validation; frozen. */
export interface ResolvedOptions {
  readonly port: number | false;
  readonly host: string;
  readonly exportDirectory: string | false;
  readonly exportIntervalSeconds: number;
  readonly exportFormat: 'snapshot' | 'otlp';
  readonly exportMaxFiles: number | false;
  readonly exportMaxAgeHours: number | false;
  readonly otlp: ResolvedOtlp | false;
  readonly serviceInstanceId: string;
  readonly resourceAttributes: Readonly<Record<string, ResourceAttributeValue>>;
  readonly shutdownTimeoutMs: number;
  readonly handleSignals: boolean;
  readonly modelMetricsInterval: number;
  readonly tradeWindow: number;
  readonly draws: 'notWin' | 'win' | 'exclude';
  readonly startingBalance: number | undefined;
  readonly returnsIntervalSeconds: number;
  readonly returnsWindow: number;
  readonly periodsPerYear: number | undefined;
  readonly riskFreeRate: number;
  readonly requiredReturn: number;
  readonly windowSize: number;
  readonly maxPending: number;
  readonly outcomeTtlSeconds: number;
  readonly calibrationBins: number;
  readonly driftDetectors: { readonly adwin: AdwinOptions | false; readonly pageHinkley: PageHinkleyOptions | false };
  readonly serviceName: string;
  readonly strict: boolean;
  readonly maxSeriesPerMetric: number;
  readonly systemMetrics: boolean;
  readonly logger: Logger;
  readonly auth: false | Readonly<AuthOptions>;
  readonly authExemptPaths: readonly string[];
  /** Key and certificate read into Buffers. */
  readonly tls: false | { readonly key: Buffer; readonly cert: Buffer };
  readonly heartbeatTimeoutSeconds: number | Readonly<Record<string, number>>;
  readonly exportFailureGraceSeconds: number;
  readonly dashboard: false | ResolvedDashboard;
  /** The Express or Fastify app given, as is. */
  readonly app: unknown;
  readonly autoInstrument: { readonly http: boolean; readonly fetch: boolean } | false;
}

/** Generated once per process, so a restart of monitoring inside one process keeps its identity. */
const PROCESS_INSTANCE_ID: string = ((globalThis as Record<symbol, string>)[Symbol.for('@evil2root/monitoring.instance-id')] ??= randomUUID());

/** The defaults, one place (before the environment). */
export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  port: 8000,
  host: '127.0.0.1',
  exportDirectory: false,
  exportIntervalSeconds: 60,
  exportFormat: 'snapshot',
  exportMaxFiles: 1440,
  exportMaxAgeHours: false,
  otlp: false,
  serviceInstanceId: PROCESS_INSTANCE_ID,
  resourceAttributes: Object.freeze({}),
  shutdownTimeoutMs: 5000,
  handleSignals: false,
  modelMetricsInterval: 300,
  tradeWindow: 100,
  draws: 'notWin',
  startingBalance: undefined,
  returnsIntervalSeconds: 86_400,
  returnsWindow: 30,
  periodsPerYear: undefined,
  riskFreeRate: 0,
  requiredReturn: 0,
  windowSize: 500,
  maxPending: 10_000,
  outcomeTtlSeconds: 86_400,
  calibrationBins: 5,
  driftDetectors: Object.freeze({ adwin: Object.freeze({}), pageHinkley: Object.freeze({}) }),
  serviceName: 'evil2root-bot',
  strict: false,
  maxSeriesPerMetric: 2000,
  systemMetrics: true,
  logger: consoleLogger,
  auth: false,
  authExemptPaths: Object.freeze(['/healthz']),
  tls: false,
  heartbeatTimeoutSeconds: 60,
  exportFailureGraceSeconds: 300,
  dashboard: Object.freeze({ intervalSeconds: 5, historyMinutes: 360 }),
  app: undefined,
  autoInstrument: false,
});

type Check = (value: unknown) => string | undefined;

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim().length > 0;
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

const OTLP_CHECKS: Record<keyof OtlpOptions, Check> = {
  endpoint: (v) => {
    if (typeof v !== 'string') return 'an http:// or https:// URL';
    try {
      return ['http:', 'https:'].includes(new URL(v).protocol) ? undefined : 'an http:// or https:// URL';
    } catch {
      return 'an absolute http:// or https:// URL';
    }
  },
  protocol: (v) => (PROTOCOLS.includes(v as OtlpProtocol) ? undefined : `one of ${PROTOCOLS.map((p) => `'${p}'`).join(', ')}`),
  headers: (v) => (plainObject(v) && Object.values(v).every((h) => typeof h === 'string') ? undefined : 'an object of string header values'),
  intervalSeconds: (v) => (positive(v) ? undefined : 'a positive number of seconds'),
  timeoutSeconds: (v) => (positive(v) ? undefined : 'a positive number of seconds'),
  temporality: (v) => (v === 'cumulative' || v === 'delta' ? undefined : "'cumulative' or 'delta'"),
};

const CHECKS: Record<keyof MonitoringOptions, Check> = {
  port: (v) => (v === false || isInt(v, 0, 65535) ? undefined : 'an integer from 0 to 65535, or false'),
  host: (v) => (nonEmpty(v) ? undefined : 'a non-empty host name or IP address'),
  exportDirectory: (v) => (v === false || nonEmpty(v) ? undefined : 'a directory path, or false'),
  exportIntervalSeconds: (v) => (positive(v) ? undefined : 'a positive number of seconds'),
  exportFormat: (v) => (v === 'snapshot' || v === 'otlp' ? undefined : "'snapshot' or 'otlp'"),
  exportMaxFiles: (v) => (v === false || isInt(v, 1, Number.MAX_SAFE_INTEGER) ? undefined : 'a positive integer, or false'),
  exportMaxAgeHours: (v) => (v === false || positive(v) ? undefined : 'a positive number of hours, or false'),
  otlp: (v) => {
    if (typeof v === 'boolean') return undefined;
    if (!plainObject(v)) return 'true, false or an object of OTLP settings';
    for (const [key, value] of Object.entries(v)) {
      const check = OTLP_CHECKS[key as keyof OtlpOptions];
      if (check === undefined) return `an object with only ${Object.keys(OTLP_CHECKS).join(', ')} (unknown key '${key}')`;
      const expected = value === undefined ? undefined : check(value);
      if (expected !== undefined) return `an object whose '${key}' is ${expected}`;
    }
    return undefined;
  },
  serviceInstanceId: (v) => (nonEmpty(v) ? undefined : 'a non-empty string'),
  resourceAttributes: (v) =>
    plainObject(v) && Object.values(v).every((a) => ['string', 'number', 'boolean'].includes(typeof a))
      ? undefined
      : 'an object of string, number or boolean values',
  shutdownTimeoutMs: (v) => (isInt(v, 0, 600_000) ? undefined : 'an integer number of milliseconds from 0 to 600000'),
  handleSignals: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  modelMetricsInterval: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a positive number of seconds'),
  tradeWindow: (v) => (isInt(v, 1, 1_000_000) ? undefined : 'an integer from 1 to 1000000'),
  draws: (v) => (v === 'notWin' || v === 'win' || v === 'exclude' ? undefined : "'notWin', 'win' or 'exclude'"),
  startingBalance: (v) => (positive(v) ? undefined : 'a positive amount'),
  returnsIntervalSeconds: (v) => (positive(v) && (v as number) >= 0.001 ? undefined : 'a positive number of seconds (at least 0.001)'),
  returnsWindow: (v) => (isInt(v, 2, 100_000) ? undefined : 'an integer from 2 to 100000'),
  periodsPerYear: (v) => (positive(v) ? undefined : 'a positive number'),
  riskFreeRate: (v) => (typeof v === 'number' && Number.isFinite(v) && v > -1 ? undefined : 'an annual rate above -1, e.g. 0.04'),
  requiredReturn: (v) => (typeof v === 'number' && Number.isFinite(v) && v > -1 ? undefined : 'an annual rate above -1, e.g. 0.04'),
  windowSize: (v) => (isInt(v, 1, 1_000_000) ? undefined : 'an integer from 1 to 1000000'),
  maxPending: (v) => (isInt(v, 1, 10_000_000) ? undefined : 'an integer from 1 to 10000000'),
  outcomeTtlSeconds: (v) => (positive(v) ? undefined : 'a positive number of seconds'),
  calibrationBins: (v) => (isInt(v, 1, 100) ? undefined : 'an integer from 1 to 100'),
  driftDetectors: (v) => {
    if (!plainObject(v)) return 'an object { adwin?, pageHinkley? }';
    for (const [key, value] of Object.entries(v)) {
      if (key !== 'adwin' && key !== 'pageHinkley') return `an object { adwin?, pageHinkley? } (unknown key '${key}')`;
      if (value === false || value === undefined) continue;
      if (!plainObject(value)) return `an object whose '${key}' is false or detector options`;
      try {
        if (key === 'adwin') new Adwin(value as AdwinOptions);
        else new PageHinkley(value as PageHinkleyOptions);
      } catch (error) {
        return `valid detector options (${(error as Error).message})`;
      }
    }
    return undefined;
  },
  serviceName: (v) => (nonEmpty(v) ? undefined : 'a non-empty string'),
  strict: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  maxSeriesPerMetric: (v) => (isInt(v, 1, 1_000_000) ? undefined : 'an integer from 1 to 1000000'),
  systemMetrics: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  logger: (v) =>
    typeof v === 'object' && v !== null && ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function')
      ? undefined
      : 'an object with info, warn and error functions',
  auth: (v) => {
    if (v === false) return undefined;
    const expected = "false, { bearerToken } or { username, password } with non-empty strings";
    if (!plainObject(v)) return expected;
    const keys = Object.keys(v).sort().join();
    if (keys === 'bearerToken') return nonEmpty(v['bearerToken']) ? undefined : expected;
    if (keys === 'password,username') return nonEmpty(v['username']) && nonEmpty(v['password']) && !String(v['username']).includes(':') ? undefined : `${expected} (no ':' in the username)`;
    return expected;
  },
  authExemptPaths: (v) => (Array.isArray(v) && v.every((p) => typeof p === 'string' && p.startsWith('/')) ? undefined : "an array of paths starting with '/'"),
  tls: (v) => {
    if (v === false) return undefined;
    const pem = (x: unknown) => (typeof x === 'string' && x.length > 0) || Buffer.isBuffer(x);
    return plainObject(v) && Object.keys(v).sort().join() === 'cert,key' && pem(v['key']) && pem(v['cert']) ? undefined : 'false or { key, cert }, each PEM text, a Buffer or a file path';
  },
  heartbeatTimeoutSeconds: (v) => (positive(v) || (plainObject(v) && Object.values(v).every(positive)) ? undefined : 'a positive number of seconds, or an object of them per loop'),
  exportFailureGraceSeconds: (v) => (positive(v) ? undefined : 'a positive number of seconds'),
  dashboard: (v) => {
    if (typeof v === 'boolean') return undefined;
    const expected = 'true, false or { intervalSeconds?, historyMinutes? } with positive numbers';
    if (!plainObject(v)) return expected;
    for (const [key, value] of Object.entries(v)) {
      if (key !== 'intervalSeconds' && key !== 'historyMinutes') return `${expected} (unknown key '${key}')`;
      if (value !== undefined && !positive(value)) return expected;
    }
    return undefined;
  },
  app: (v) => (detectFramework(v) !== undefined ? undefined : APP_EXPECTED),
  autoInstrument: (v) => {
    if (typeof v === 'boolean') return undefined;
    const expected = 'true, false or { http?, fetch? } with booleans';
    if (!plainObject(v)) return expected;
    for (const [key, value] of Object.entries(v)) {
      if (key !== 'http' && key !== 'fetch') return `${expected} (unknown key '${key}')`;
      if (value !== undefined && typeof value !== 'boolean') return expected;
    }
    return undefined;
  },
};

/** Key or certificate: a Buffer or PEM text as given, otherwise a file read now. */
function readPem(value: string | Buffer, what: 'key' | 'cert'): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value.trimStart().startsWith('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (error) {
    throw new MonitoringConfigError(`option 'tls' ${what}: cannot read ${JSON.stringify(value)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'tls', { cause: error });
  }
}

/** Explicit option, else MONITORING_AUTH_TOKEN, else MONITORING_BASIC_AUTH (`user:password`). */
function resolveAuth(option: false | AuthOptions | undefined, environment: Readonly<Record<string, string | undefined>>): false | Readonly<AuthOptions> {
  if (option !== undefined) return option === false ? false : Object.freeze({ ...option });
  const token = environment['MONITORING_AUTH_TOKEN'];
  if (token !== undefined && token.trim() !== '') return Object.freeze({ bearerToken: token.trim() });
  const basic = environment['MONITORING_BASIC_AUTH'];
  if (basic !== undefined && basic !== '') {
    const colon = basic.indexOf(':');
    if (colon <= 0 || colon === basic.length - 1) throw new MonitoringConfigError('MONITORING_BASIC_AUTH must be user:password', 'auth');
    return Object.freeze({ username: basic.slice(0, colon), password: basic.slice(colon + 1) });
  }
  return false;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** An HTTP endpoint without a path gets the OTLP metrics path, as the spec does for OTEL_EXPORTER_OTLP_ENDPOINT. */
function metricsUrl(base: string): string {
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') return new URL('/v1/metrics', url).toString();
  return base;
}

function resolveOtlp(option: boolean | OtlpOptions | undefined, env: OtelEnvironment): ResolvedOtlp | false {
  const on = option === undefined ? env.exporters?.has('otlp') === true : option !== false;
  if (!on) return false;
  const given: OtlpOptions = typeof option === 'object' ? option : {};
  const protocol = given.protocol ?? env.otlpProtocol ?? 'http/protobuf';
  const http = protocol !== 'grpc';
  let endpoint: string;
  if (given.endpoint !== undefined) endpoint = http ? metricsUrl(given.endpoint) : given.endpoint;
  else if (env.otlpMetricsEndpoint !== undefined) endpoint = env.otlpMetricsEndpoint;
  else if (env.otlpEndpoint !== undefined) endpoint = http ? new URL('v1/metrics', env.otlpEndpoint.endsWith('/') ? env.otlpEndpoint : `${env.otlpEndpoint}/`).toString() : env.otlpEndpoint;
  else endpoint = http ? 'http://localhost:4318/v1/metrics' : 'http://localhost:4317';
  const intervalMs = given.intervalSeconds !== undefined ? given.intervalSeconds * 1000 : env.exportIntervalMs ?? 60_000;
  const timeoutMs = Math.min(intervalMs, given.timeoutSeconds !== undefined ? given.timeoutSeconds * 1000 : env.exportTimeoutMs ?? 30_000);
  return Object.freeze({
    endpoint,
    protocol,
    headers: Object.freeze({ ...env.otlpHeaders, ...given.headers }),
    intervalMs,
    timeoutMs,
    temporality: given.temporality ?? env.otlpTemporality ?? 'cumulative',
  });
}

/**
 * Validates options once, applies the standard `OTEL_*` variables and the defaults, and freezes the
 * result. Explicit options win over the environment, the environment over the defaults. A bad
 * key or value throws MonitoringConfigError naming the option or the variable.
 */
export function resolveOptions(input: unknown = {}, environment: Readonly<Record<string, string | undefined>> = process.env): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new MonitoringConfigError(`initEnhancedMonitoring expects an options object, got ${show(input)}`);
  }
  const env = readOtelEnvironment(environment);
  const { 'service.name': envServiceName, 'service.instance.id': envInstanceId, ...envAttributes } = env.resourceAttributes;
  const resolved: Record<string, unknown> = {
    ...DEFAULT_OPTIONS,
    host: env.prometheusHost ?? DEFAULT_OPTIONS.host,
    port: env.exporters !== undefined && !env.exporters.has('prometheus') ? false : env.prometheusPort ?? DEFAULT_OPTIONS.port,
    serviceName: env.serviceName ?? envServiceName ?? DEFAULT_OPTIONS.serviceName,
    serviceInstanceId: envInstanceId ?? DEFAULT_OPTIONS.serviceInstanceId,
    resourceAttributes: envAttributes,
  };
  for (const [key, value] of Object.entries(input)) {
    const check = CHECKS[key as keyof MonitoringOptions];
    if (check === undefined) {
      const hint = camelCase(key) in CHECKS ? ` (did you mean '${camelCase(key)}'?)` : '';
      throw new MonitoringConfigError(`unknown option '${key}'${hint}; known options: ${Object.keys(CHECKS).join(', ')}`, key);
    }
    if (value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) throw new MonitoringConfigError(`option '${key}' must be ${expected}, got ${show(value)}`, key);
    resolved[key] = key === 'resourceAttributes' ? { ...envAttributes, ...(value as Record<string, ResourceAttributeValue>) } : value;
  }
  resolved['resourceAttributes'] = Object.freeze(resolved['resourceAttributes'] as object);
  resolved['otlp'] = resolveOtlp((input as MonitoringOptions).otlp, env);
  const given = input as MonitoringOptions;
  resolved['auth'] = resolveAuth(given.auth, environment);
  if (given.authExemptPaths !== undefined) resolved['authExemptPaths'] = Object.freeze([...given.authExemptPaths]);
  if (given.tls !== undefined && given.tls !== false) resolved['tls'] = Object.freeze({ key: readPem(given.tls.key, 'key'), cert: readPem(given.tls.cert, 'cert') });
  if (typeof given.heartbeatTimeoutSeconds === 'object') resolved['heartbeatTimeoutSeconds'] = Object.freeze({ ...given.heartbeatTimeoutSeconds });
  if (given.dashboard !== undefined) {
    const d = given.dashboard === true ? {} : given.dashboard;
    resolved['dashboard'] = d === false ? false : Object.freeze({ intervalSeconds: d.intervalSeconds ?? 5, historyMinutes: d.historyMinutes ?? 360 });
  }
  if (given.autoInstrument !== undefined && given.autoInstrument !== false) {
    const a = given.autoInstrument === true ? {} : given.autoInstrument;
    resolved['autoInstrument'] = Object.freeze({ http: a.http ?? true, fetch: a.fetch ?? true });
  }
  const detectors = (input as MonitoringOptions).driftDetectors;
  if (detectors !== undefined) {
    resolved['driftDetectors'] = Object.freeze({
      adwin: detectors.adwin === false ? false : Object.freeze({ ...detectors.adwin }),
      pageHinkley: detectors.pageHinkley === false ? false : Object.freeze({ ...detectors.pageHinkley }),
    });
  }
  return Object.freeze(resolved) as unknown as ResolvedOptions;
}
