import { MonitoringConfigError } from '../core/errors.ts';
import type { OtlpProtocol, Temporality } from '../export/options.ts';

/** What the standard `OTEL_*` variables ask for; each field undefined when its variable is unset. */
export interface OtelEnvironment {
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** From OTEL_METRICS_EXPORTER: the exporters listed (`none` gives an empty set). */
  readonly exporters: ReadonlySet<'prometheus' | 'otlp'> | undefined;
  readonly prometheusHost: string | undefined;
  readonly prometheusPort: number | undefined;
  /** OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, used as given. */
  readonly otlpMetricsEndpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT, a base URL to which HTTP protocols append `v1/metrics`. */
  readonly otlpEndpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_HEADERS overlaid with OTEL_EXPORTER_OTLP_METRICS_HEADERS. */
  readonly otlpHeaders: Readonly<Record<string, string>>;
  readonly otlpProtocol: OtlpProtocol | undefined;
  readonly otlpTemporality: Temporality | undefined;
  readonly exportIntervalMs: number | undefined;
  readonly exportTimeoutMs: number | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function fail(variable: string, value: string, expected: string): never {
  throw new MonitoringConfigError(
    `environment variable ${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`,
    variable,
  );
}

function get(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** `key1=value1,key2=value2` with percent-encoded values (W3C Baggage octets), as the spec defines for OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS. */
function keyValueList(env: Env, name: string): Record<string, string> {
  const raw = get(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    if (key === '') fail(name, raw, 'comma-separated key=value pairs');
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      fail(name, raw, `a percent-encoded value for '${key}'`);
    }
  }
  return out;
}

function url(env: Env, name: string): string | undefined {
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    fail(name, raw, 'an absolute http:// or https:// URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail(name, raw, 'an http:// or https:// URL');
  return raw;
}

function millis(env: Env, name: string): number | undefined {
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) fail(name, raw, 'a positive integer number of milliseconds');
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  const value = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) fail(name, raw, `one of ${allowed.join(', ')}`);
  return value as T;
}

function exporters(env: Env): Set<'prometheus' | 'otlp'> | undefined {
  const name = 'OTEL_METRICS_EXPORTER';
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  const out = new Set<'prometheus' | 'otlp'>();
  const items = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const item of items) {
    if (item === 'prometheus' || item === 'otlp') out.add(item);
    else if (item !== 'none')
      fail(name, raw, 'a comma-separated list of prometheus, otlp or none (console is not supported)');
  }
  if (items.includes('none') && out.size > 0) fail(name, raw, "'none' alone, or a list of prometheus and otlp");
  return out;
}

/** Reads and validates the standard variables; an invalid value throws MonitoringConfigError naming the variable. */
export function readOtelEnvironment(env: Env = process.env): OtelEnvironment {
  const port = get(env, 'OTEL_EXPORTER_PROMETHEUS_PORT');
  if (port !== undefined && !/^\d+$/.test(port))
    fail('OTEL_EXPORTER_PROMETHEUS_PORT', port, 'a port number from 0 to 65535');
  if (port !== undefined && Number(port) > 65535)
    fail('OTEL_EXPORTER_PROMETHEUS_PORT', port, 'a port number from 0 to 65535');
  const temporality = oneOf(env, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', [
    'cumulative',
    'delta',
    'lowmemory',
  ]);
  return Object.freeze({
    serviceName: get(env, 'OTEL_SERVICE_NAME'),
    resourceAttributes: Object.freeze(keyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES')),
    exporters: exporters(env),
    prometheusHost: get(env, 'OTEL_EXPORTER_PROMETHEUS_HOST'),
    prometheusPort: port === undefined ? undefined : Number(port),
    otlpMetricsEndpoint: url(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'),
    otlpEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    otlpHeaders: Object.freeze({
      ...keyValueList(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...keyValueList(env, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'),
    }),
    otlpProtocol:
      oneOf<OtlpProtocol>(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', ['http/protobuf', 'http/json', 'grpc']) ??
      oneOf<OtlpProtocol>(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json', 'grpc']),
    // Our domain instruments are all synchronous counters and histograms, so lowmemory means delta for them.
    otlpTemporality: temporality === undefined ? undefined : temporality === 'cumulative' ? 'cumulative' : 'delta',
    exportIntervalMs: millis(env, 'OTEL_METRIC_EXPORT_INTERVAL'),
    exportTimeoutMs: millis(env, 'OTEL_METRIC_EXPORT_TIMEOUT'),
  });
}
