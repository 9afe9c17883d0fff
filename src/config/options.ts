import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COLLECTOR_CHECKS,
  COLLECTOR_DEFAULTS,
  type CollectorOptions,
  type ResolvedCollectors,
} from '../collectors/options.ts';
import { MonitoringConfigError } from '../core/errors.ts';
import { consoleLogger, type Logger } from '../core/logger.ts';
import {
  DASHBOARD_CHECKS,
  resolveDashboard,
  type DashboardSettings,
  type ResolvedDashboard,
} from '../dashboard/options.ts';
import {
  EXECUTION_CHECKS,
  EXECUTION_DEFAULTS,
  MODEL_ANALYTICS_CHECKS,
  MODEL_ANALYTICS_DEFAULTS,
  resolveDriftDetectors,
  TRADING_ANALYTICS_CHECKS,
  TRADING_ANALYTICS_DEFAULTS,
  type ExecutionOptions,
  type ModelAnalyticsOptions,
  type ResolvedExecution,
  type ResolvedModelAnalytics,
  type ResolvedTradingAnalytics,
  type TradingAnalyticsOptions,
} from '../domains/options.ts';
import {
  EXPORT_CHECKS,
  EXPORT_DEFAULTS,
  type ExportOptions,
  type OtlpOptions,
  type ResolvedExport,
  type ResolvedOtlp,
} from '../export/options.ts';
import {
  HTTP_CHECKS,
  HTTP_DEFAULTS,
  type AuthOptions,
  type HttpOptions,
  type ResolvedHttp,
  type TlsOptions,
} from '../http/options.ts';
import {
  INTEGRATION_CHECKS,
  INTEGRATION_DEFAULTS,
  resolveAutoInstrument,
  type IntegrationOptions,
  type ResolvedIntegrations,
} from '../integrations/options.ts';
import {
  LIFECYCLE_CHECKS,
  LIFECYCLE_DEFAULTS,
  type LifecycleOptions,
  type ResolvedLifecycle,
} from '../lifecycle/options.ts';
import { STATE_CHECKS, STATE_DEFAULTS, type ResolvedState, type StateOptions } from '../state/options.ts';
import { WORKER_CHECKS, WORKER_DEFAULTS, type ResolvedWorkers, type WorkerOptions } from '../workers/options.ts';
import {
  boolean,
  deepFreeze,
  expect,
  isInt,
  nonEmpty,
  plainObject,
  show,
  type Check,
  type Checks,
} from '../core/checks.ts';
import { readOtelEnvironment, type OtelEnvironment } from './env.ts';
import type { ResolvedResource, ResourceAttributeValue, ResourceOptions } from './resource.ts';

export type { AuthOptions, TlsOptions } from '../http/options.ts';
export type { DashboardOptions, ResolvedDashboard } from '../dashboard/options.ts';
export type { OtlpOptions, ResolvedOtlp } from '../export/options.ts';
export type { ResourceAttributeValue } from './resource.ts';

/** How recording behaves: bad input, cardinality, messages. */
export interface RecordingOptions {
  /**
   * Throw MonitoringInputError on invalid input instead of dropping and counting it.
   * @default false
   */
  strict?: boolean;
  /**
   * Label sets kept per metric; further ones fold into one `otel_metric_overflow="true"` series.
   * @default 2000
   */
  maxSeriesPerMetric?: number;
  /**
   * Where warnings go.
   * @default the console, prefixed `[evil2root-monitoring]`
   */
  logger?: Logger;
}

/** The recording settings in force. */
export interface ResolvedRecording {
  /** See {@link RecordingOptions.strict}. */
  readonly strict: boolean;
  /** See {@link RecordingOptions.maxSeriesPerMetric}. */
  readonly maxSeriesPerMetric: number;
  /** The logger given, as is (never frozen), else {@link consoleLogger}. */
  readonly logger: Logger;
}

/**
 * Options of `initEnhancedMonitoring`; every field is optional. Each group is declared, documented and
 * checked by the component it configures.
 */
export interface MonitoringOptions
  extends
    HttpOptions,
    ExportOptions,
    StateOptions,
    ResourceOptions,
    LifecycleOptions,
    ModelAnalyticsOptions,
    TradingAnalyticsOptions,
    ExecutionOptions,
    RecordingOptions,
    CollectorOptions,
    DashboardSettings,
    IntegrationOptions,
    WorkerOptions {}

/** Options after the environment, defaults and validation; deep-frozen. */
export interface ResolvedOptions
  extends
    ResolvedHttp,
    ResolvedExport,
    ResolvedState,
    ResolvedResource,
    ResolvedLifecycle,
    ResolvedModelAnalytics,
    ResolvedTradingAnalytics,
    ResolvedExecution,
    ResolvedRecording,
    ResolvedCollectors,
    ResolvedIntegrations,
    ResolvedWorkers {
  /** The dashboard's history settings, or `false` when the `dashboard` option turned the dashboard off. */
  readonly dashboard: ResolvedDashboard | false;
}

/** Generated once per process, so a restart of monitoring inside one process keeps its identity. */
const PROCESS_INSTANCE_ID: string = ((globalThis as Record<symbol, string>)[
  Symbol.for('@evil2root/monitoring.instance-id')
] ??= randomUUID());

/** Options whose values belong to the caller: kept as given, never frozen. */
const CALLER_OWNED: ReadonlySet<string> = new Set(['logger', 'app']);

/** The defaults, before the environment: each component's, composed here and nowhere else. */
export const DEFAULT_OPTIONS: ResolvedOptions = deepFreeze(
  {
    ...HTTP_DEFAULTS,
    ...EXPORT_DEFAULTS,
    ...STATE_DEFAULTS,
    serviceName: 'evil2root-bot',
    serviceInstanceId: PROCESS_INSTANCE_ID,
    resourceAttributes: {},
    ...LIFECYCLE_DEFAULTS,
    ...MODEL_ANALYTICS_DEFAULTS,
    ...TRADING_ANALYTICS_DEFAULTS,
    ...EXECUTION_DEFAULTS,
    strict: false,
    maxSeriesPerMetric: 2000,
    logger: consoleLogger,
    ...COLLECTOR_DEFAULTS,
    dashboard: resolveDashboard(true),
    ...INTEGRATION_DEFAULTS,
    ...WORKER_DEFAULTS,
  },
  CALLER_OWNED,
);

const RESOURCE_CHECKS: Checks<ResourceOptions> = {
  serviceName: expect(nonEmpty, 'a non-empty string'),
  serviceInstanceId: expect(nonEmpty, 'a non-empty string'),
  resourceAttributes: expect(
    (v) => plainObject(v) && Object.values(v).every((a) => ['string', 'number', 'boolean'].includes(typeof a)),
    'an object of string, number or boolean values',
  ),
};

const RECORDING_CHECKS: Checks<RecordingOptions> = {
  strict: boolean,
  maxSeriesPerMetric: expect((v) => isInt(v, 1, 1_000_000), 'an integer from 1 to 1000000'),
  logger: expect(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    'an object with info, warn and error functions',
  ),
};

/** Every option's check, in the order the "known options" message lists them. */
const CHECKS: Checks<MonitoringOptions> = {
  ...HTTP_CHECKS,
  ...EXPORT_CHECKS,
  ...STATE_CHECKS,
  ...RESOURCE_CHECKS,
  ...LIFECYCLE_CHECKS,
  ...MODEL_ANALYTICS_CHECKS,
  ...TRADING_ANALYTICS_CHECKS,
  ...EXECUTION_CHECKS,
  ...RECORDING_CHECKS,
  ...COLLECTOR_CHECKS,
  ...DASHBOARD_CHECKS,
  ...INTEGRATION_CHECKS,
  ...WORKER_CHECKS,
};

const KNOWN: ReadonlyMap<string, Check> = new Map(Object.entries(CHECKS));

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Throws MonitoringConfigError naming the first unknown option or invalid value. */
function assertOptions(input: object): asserts input is MonitoringOptions {
  for (const [key, value] of Object.entries(input)) {
    const check = KNOWN.get(key);
    if (check === undefined) {
      const hint = KNOWN.has(camelCase(key)) ? ` (did you mean '${camelCase(key)}'?)` : '';
      throw new MonitoringConfigError(
        `unknown option '${key}'${hint}; known options: ${[...KNOWN.keys()].join(', ')}`,
        key,
      );
    }
    if (value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined)
      throw new MonitoringConfigError(`option '${key}' must be ${expected}, got ${show(value)}`, key);
  }
}

/** Key or certificate: a Buffer or PEM text as given, otherwise a file read now. */
function readPem(value: string | Buffer, what: 'key' | 'cert'): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value.trimStart().startsWith('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new MonitoringConfigError(`option 'tls' ${what}: cannot read ${JSON.stringify(value)} (${why})`, 'tls', {
      cause: error,
    });
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Explicit option, else MONITORING_AUTH_TOKEN, else MONITORING_BASIC_AUTH (`user:password`). */
function resolveAuth(option: false | AuthOptions | undefined, environment: Environment): false | AuthOptions {
  if (option !== undefined) return option === false ? false : { ...option };
  const token = environment['MONITORING_AUTH_TOKEN'];
  if (token !== undefined && token.trim() !== '') return { bearerToken: token.trim() };
  const basic = environment['MONITORING_BASIC_AUTH'];
  if (basic !== undefined && basic !== '') {
    const colon = basic.indexOf(':');
    if (colon <= 0 || colon === basic.length - 1) {
      throw new MonitoringConfigError('MONITORING_BASIC_AUTH must be user:password', 'auth');
    }
    return { username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  return false;
}

function resolveTls(tls: false | TlsOptions | undefined): ResolvedHttp['tls'] {
  return tls === undefined || tls === false ? false : { key: readPem(tls.key, 'key'), cert: readPem(tls.cert, 'cert') };
}

/** Explicit option, else MONITORING_STATE_DIR, else `<exportDirectory>/state` when files are exported, else off. */
function resolveStateDirectory(given: MonitoringOptions, environment: Environment): string | false {
  if (given.stateDirectory !== undefined) return given.stateDirectory;
  const fromEnv = environment['MONITORING_STATE_DIR'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  const exportDirectory = given.exportDirectory ?? DEFAULT_OPTIONS.exportDirectory;
  return exportDirectory === false ? false : join(exportDirectory, 'state');
}

/** An HTTP endpoint without a path gets the OTLP metrics path, as the spec does for OTEL_EXPORTER_OTLP_ENDPOINT. */
function metricsUrl(base: string): string {
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') return new URL('/v1/metrics', url).toString();
  return base;
}

function otlpEndpoint(given: OtlpOptions, env: OtelEnvironment, http: boolean): string {
  if (given.endpoint !== undefined) return http ? metricsUrl(given.endpoint) : given.endpoint;
  if (env.otlpMetricsEndpoint !== undefined) return env.otlpMetricsEndpoint;
  if (env.otlpEndpoint !== undefined) {
    if (!http) return env.otlpEndpoint;
    return new URL('v1/metrics', env.otlpEndpoint.endsWith('/') ? env.otlpEndpoint : `${env.otlpEndpoint}/`).toString();
  }
  return http ? 'http://localhost:4318/v1/metrics' : 'http://localhost:4317';
}

function resolveOtlp(option: boolean | OtlpOptions | undefined, env: OtelEnvironment): ResolvedOtlp | false {
  const on = option === undefined ? env.exporters?.has('otlp') === true : option !== false;
  if (!on) return false;
  const given: OtlpOptions = typeof option === 'object' ? option : {};
  const protocol = given.protocol ?? env.otlpProtocol ?? 'http/protobuf';
  const intervalMs =
    given.intervalSeconds !== undefined ? given.intervalSeconds * 1000 : (env.exportIntervalMs ?? 60_000);
  const timeoutMs = given.timeoutSeconds !== undefined ? given.timeoutSeconds * 1000 : (env.exportTimeoutMs ?? 30_000);
  return {
    endpoint: otlpEndpoint(given, env, protocol !== 'grpc'),
    protocol,
    headers: { ...env.otlpHeaders, ...given.headers },
    intervalMs,
    timeoutMs: Math.min(intervalMs, timeoutMs),
    temporality: given.temporality ?? env.otlpTemporality ?? 'cumulative',
  };
}

/**
 * Validates options once, applies the standard `OTEL_*` variables and the defaults, and deep-freezes the
 * result. Explicit options win over the environment, the environment over the defaults. A bad key or
 * value throws MonitoringConfigError naming the option or the variable.
 */
export function resolveOptions(input: unknown = {}, environment: Environment = process.env): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new MonitoringConfigError(`initEnhancedMonitoring expects an options object, got ${show(input)}`);
  }
  const env = readOtelEnvironment(environment);
  assertOptions(input);
  const given = input;
  const { 'service.name': envName, 'service.instance.id': envInstanceId, ...envAttributes } = env.resourceAttributes;
  const d = DEFAULT_OPTIONS;
  const prometheusOff = env.exporters !== undefined && !env.exporters.has('prometheus');
  const resolved: ResolvedOptions = {
    port: given.port ?? (prometheusOff ? false : (env.prometheusPort ?? d.port)),
    host: given.host ?? env.prometheusHost ?? d.host,
    auth: resolveAuth(given.auth, environment),
    authExemptPaths: given.authExemptPaths === undefined ? d.authExemptPaths : [...given.authExemptPaths],
    allowedHosts: Array.isArray(given.allowedHosts) ? [...given.allowedHosts] : (given.allowedHosts ?? d.allowedHosts),
    tls: resolveTls(given.tls),
    heartbeatTimeoutSeconds:
      typeof given.heartbeatTimeoutSeconds === 'object'
        ? { ...given.heartbeatTimeoutSeconds }
        : (given.heartbeatTimeoutSeconds ?? d.heartbeatTimeoutSeconds),
    exportFailureGraceSeconds: given.exportFailureGraceSeconds ?? d.exportFailureGraceSeconds,

    exportDirectory: given.exportDirectory ?? d.exportDirectory,
    exportIntervalSeconds: given.exportIntervalSeconds ?? d.exportIntervalSeconds,
    exportFormat: given.exportFormat ?? d.exportFormat,
    exportMaxFiles: given.exportMaxFiles ?? d.exportMaxFiles,
    exportMaxAgeHours: given.exportMaxAgeHours ?? d.exportMaxAgeHours,
    exportMaxBytes: given.exportMaxBytes ?? d.exportMaxBytes,
    otlp: resolveOtlp(given.otlp, env),
    stateDirectory: resolveStateDirectory(given, environment),
    stateFlushIntervalSeconds: given.stateFlushIntervalSeconds ?? d.stateFlushIntervalSeconds,

    serviceName: given.serviceName ?? env.serviceName ?? envName ?? d.serviceName,
    serviceInstanceId: given.serviceInstanceId ?? envInstanceId ?? d.serviceInstanceId,
    resourceAttributes: { ...envAttributes, ...given.resourceAttributes } satisfies Record<
      string,
      ResourceAttributeValue
    >,

    shutdownTimeoutMs: given.shutdownTimeoutMs ?? d.shutdownTimeoutMs,
    handleSignals: given.handleSignals ?? d.handleSignals,

    modelMetricsInterval: given.modelMetricsInterval ?? d.modelMetricsInterval,
    windowSize: given.windowSize ?? d.windowSize,
    maxPending: given.maxPending ?? d.maxPending,
    outcomeTtlSeconds: given.outcomeTtlSeconds ?? d.outcomeTtlSeconds,
    calibrationBins: given.calibrationBins ?? d.calibrationBins,
    driftDetectors: resolveDriftDetectors(given.driftDetectors),
    maxClassesPerModel: given.maxClassesPerModel ?? d.maxClassesPerModel,
    maxFeatureStreams: given.maxFeatureStreams ?? d.maxFeatureStreams,

    tradeWindow: given.tradeWindow ?? d.tradeWindow,
    draws: given.draws ?? d.draws,
    startingBalance: given.startingBalance ?? d.startingBalance,
    returnsIntervalSeconds: given.returnsIntervalSeconds ?? d.returnsIntervalSeconds,
    returnsWindow: given.returnsWindow ?? d.returnsWindow,
    periodsPerYear: given.periodsPerYear ?? d.periodsPerYear,
    riskFreeRate: given.riskFreeRate ?? d.riskFreeRate,
    requiredReturn: given.requiredReturn ?? d.requiredReturn,
    maxOpenOrders: given.maxOpenOrders ?? d.maxOpenOrders,
    maxStrategies: given.maxStrategies ?? d.maxStrategies,
    minReturnPeriods: given.minReturnPeriods ?? d.minReturnPeriods,
    varConfidence: given.varConfidence ?? d.varConfidence,
    timeZone: given.timeZone ?? d.timeZone,

    strict: given.strict ?? d.strict,
    maxSeriesPerMetric: given.maxSeriesPerMetric ?? d.maxSeriesPerMetric,
    logger: given.logger ?? d.logger,
    systemMetrics: given.systemMetrics ?? d.systemMetrics,
    runtimeMetrics: given.runtimeMetrics ?? d.runtimeMetrics,
    dashboard: resolveDashboard(given.dashboard),
    app: given.app,
    autoInstrument: resolveAutoInstrument(given.autoInstrument),
    allowInWorker: given.allowInWorker ?? d.allowInWorker,
    workerLabel: given.workerLabel ?? d.workerLabel,
  };
  return deepFreeze(resolved, CALLER_OWNED);
}
