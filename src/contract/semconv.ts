/**
 * OpenTelemetry names of the system metrics this SDK adds to the host-metrics instrumentation.
 * Copied from the incubating semantic conventions (as OpenTelemetry advises, rather than importing
 * unstable names); load average has no semantic convention, so it uses the Collector hostmetrics
 * receiver's names.
 */
export const SYSTEM = Object.freeze({
  filesystemUsage: 'system.filesystem.usage',
  filesystemUtilization: 'system.filesystem.utilization',
  loadAverage1m: 'system.cpu.load_average.1m',
  loadAverage5m: 'system.cpu.load_average.5m',
  loadAverage15m: 'system.cpu.load_average.15m',
  processCount: 'system.process.count',
  systemUptime: 'system.uptime',
  processUptime: 'process.uptime',
});

/**
 * The stable HTTP names of the semantic conventions the SDK's HTTP server metric uses, copied so
 * that a bot does not load `@opentelemetry/semantic-conventions` (thousands of constants) for six;
 * a test holds them equal to the package's.
 */
export const HTTP = Object.freeze({
  serverRequestDuration: 'http.server.request.duration',
  requestMethod: 'http.request.method',
  responseStatusCode: 'http.response.status_code',
  route: 'http.route',
  urlScheme: 'url.scheme',
  errorType: 'error.type',
});

/** Instrumentation scope of the domain metrics. */
export const SCOPE_NAME = '@evil2root/monitoring';

/**
 * HTTP methods recorded by name in a `method` label (`http.request.method`'s known values); any other
 * is recorded as `_OTHER`, as the semantic conventions require, so a caller cannot mint label values.
 */
export const HTTP_METHODS = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
] as const);

/** One of HTTP_METHODS. */
export type KnownHttpMethod = (typeof HTTP_METHODS)[number];

/** The `method` label value of a method outside HTTP_METHODS. */
export const OTHER_HTTP_METHOD = '_OTHER';
