import { MonitoringConfigError } from './errors.ts';
import { consoleLogger, type Logger } from './logger.ts';

/** Options of `initEnhancedMonitoring`; every field is optional. */
export interface MonitoringOptions {
  /** Port of the Prometheus endpoint (`/metrics` and `/`); 0 picks a free port; `false` starts no server. Default 8000. */
  port?: number | false;
  /** Address the server binds; loopback unless you ask for more. Default `'127.0.0.1'`. */
  host?: string;
  /** Directory for JSON snapshots (the Python module's `export_directory`). Accepted and validated; snapshot writing arrives with the file exporter. Default: none. */
  exportDirectory?: string | false;
  /** Seconds between computed model-metric publications, as in the Python module. Default 300. */
  modelMetricsInterval?: number;
  /** `service.name` of the resource (`target_info` on the scrape). Default `'evil2root-bot'`. */
  serviceName?: string;
  /** Throw MonitoringInputError on invalid input instead of dropping and counting it. Default false. */
  strict?: boolean;
  /** Label sets kept per metric; further ones fold into one `otel_metric_overflow="true"` series. Default 2000. */
  maxSeriesPerMetric?: number;
  /** Collect host and process metrics (CPU, memory, network, disk, load, processes, uptime). Default true. */
  systemMetrics?: boolean;
  /** Where warnings go. Default: the console, prefixed `[evil2root-monitoring]`. */
  logger?: Logger;
}

/** Options after defaults and validation; frozen. */
export interface ResolvedOptions {
  readonly port: number | false;
  readonly host: string;
  readonly exportDirectory: string | false;
  readonly modelMetricsInterval: number;
  readonly serviceName: string;
  readonly strict: boolean;
  readonly maxSeriesPerMetric: number;
  readonly systemMetrics: boolean;
  readonly logger: Logger;
}

/** The defaults, one place. */
export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  port: 8000,
  host: '127.0.0.1',
  exportDirectory: false,
  modelMetricsInterval: 300,
  serviceName: 'evil2root-bot',
  strict: false,
  maxSeriesPerMetric: 2000,
  systemMetrics: true,
  logger: consoleLogger,
});

type Check = (value: unknown) => string | undefined;

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim().length > 0;

const CHECKS: Record<keyof MonitoringOptions, Check> = {
  port: (v) => (v === false || isInt(v, 0, 65535) ? undefined : 'an integer from 0 to 65535, or false'),
  host: (v) => (nonEmpty(v) ? undefined : 'a non-empty host name or IP address'),
  exportDirectory: (v) => (v === false || nonEmpty(v) ? undefined : 'a directory path, or false'),
  modelMetricsInterval: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a positive number of seconds'),
  serviceName: (v) => (nonEmpty(v) ? undefined : 'a non-empty string'),
  strict: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  maxSeriesPerMetric: (v) => (isInt(v, 1, 1_000_000) ? undefined : 'an integer from 1 to 1000000'),
  systemMetrics: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  logger: (v) =>
    typeof v === 'object' && v !== null && ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function')
      ? undefined
      : 'an object with info, warn and error functions',
};

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Validates options once, applies defaults and freezes the result; a bad key or value throws MonitoringConfigError naming it. */
export function resolveOptions(input: unknown = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new MonitoringConfigError(`initEnhancedMonitoring expects an options object, got ${show(input)}`);
  }
  const resolved: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(input)) {
    const check = CHECKS[key as keyof MonitoringOptions];
    if (check === undefined) {
      const hint = camelCase(key) in CHECKS ? ` (did you mean '${camelCase(key)}'?)` : '';
      throw new MonitoringConfigError(`unknown option '${key}'${hint}; known options: ${Object.keys(CHECKS).join(', ')}`, key);
    }
    if (value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) throw new MonitoringConfigError(`option '${key}' must be ${expected}, got ${show(value)}`, key);
    resolved[key] = value;
  }
  return Object.freeze(resolved) as unknown as ResolvedOptions;
}
