import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import { renderLabels, type SeriesTable } from '../storage/series.ts';
import { isRecord, labelProblem, numberProblem, type InputGuard } from './input.ts';
import { METRICS } from '../contract/metrics.ts';
import { runTimed, type CallOutcome } from '../core/timing.ts';
import { HTTP_METHODS, OTHER_HTTP_METHOD, type KnownHttpMethod } from '../contract/semconv.ts';

/** Handed to the function given to `trackApiRequest`; set `statusCode` to record the HTTP status. */
export interface ApiCall {
  /** HTTP status of the response (100 to 599); when left unset, the status of the returned or thrown value is used, if it carries one. */
  statusCode?: number;
  /**
   * Labels that name this call for someone reading the latency histogram, such as
   * `{ order_id: 'o-123' }`: the exemplar of its `api_latency_seconds` bucket (the last one per
   * bucket), exposed in OpenMetrics only (Prometheus keeps exemplars with
   * `--enable-feature=exemplar-storage`). Label names as Prometheus's, string values, at most 128
   * characters in all; anything else is counted in `monitoring_invalid_inputs_total` and left out,
   * the call being recorded all the same.
   */
  exemplar?: Readonly<Record<string, string>>;
}

/** The remaining request quota of an API, given to `setApiQuotaRemaining`. */
export interface ApiQuota {
  /** API name, e.g. `binance`. */
  api: string;
  /** Requests left in the current rate-limit window; >= 0. */
  remaining: number;
}

/** The value of a tracked call: a promise of T when fn is async, T itself when fn is synchronous. */
export type Tracked<T> = T extends PromiseLike<infer U> ? Promise<U> : T;

/**
 * An HTTP request method as `trackApiRequest` takes it: one of the methods of RFC 9110, PATCH
 * (RFC 5789) or QUERY, in upper or lower case. It is recorded upper-cased in the `method` label. Following
 * OpenTelemetry's `http.request.method` convention, run time also takes these in any other
 * capitalisation (`'Get'`), and records any other non-empty string as `_OTHER`, so the label's
 * values stay bounded.
 */
export type HttpMethod = KnownHttpMethod | Lowercase<KnownHttpMethod>;

const QUOTA_FIELDS = new Set(['api', 'remaining']);

/** The methods recorded by name; any other is recorded as `_OTHER`. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

const EXEMPLAR_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** OpenMetrics: the label names and values of an exemplar hold at most 128 characters (code points) in all. */
const MAX_EXEMPLAR_CHARS = 128;

/**
 * The label text of an exemplar as the exposition writes it, read once from what the caller set;
 * undefined after rejecting it (counted as invalid input, thrown in strict mode).
 */
export function exemplarText(guard: InputGuard, method: string, value: unknown): string | undefined {
  const record = guard.read(method, 'exemplar', value, undefined, 'wrong_type');
  if (record === undefined) return undefined;
  let chars = 0;
  for (const name in record) {
    const label = record[name];
    if (!EXEMPLAR_LABEL_NAME.test(name) || typeof label !== 'string')
      return guard.reject(method, 'wrong_type', `exemplar.${name}`, label);
    for (const _ of name + label) chars++;
  }
  if (chars > MAX_EXEMPLAR_CHARS) return guard.reject(method, 'too_long', 'exemplar', `${chars} characters`);
  return renderLabels(record);
}

/** Label text as {@link exemplarText} renders it: `name="value"` pairs, escaped, at most 128 characters of names and values. */
const EXEMPLAR_TEXT =
  /^[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*$/;

/**
 * Whether `value` is exemplar label text as {@link exemplarText} renders it: what a worker forwards is
 * checked before it reaches the OpenMetrics output, since it crossed a thread or process boundary.
 */
export function isExemplarText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 4 * MAX_EXEMPLAR_CHARS && EXEMPLAR_TEXT.test(value);
}

/** The call object fn gets: an exemplar is checked once, when fn sets it. */
export class ApiContext implements ApiCall {
  readonly endpoint: string;
  readonly method: string;
  statusCode: number | undefined = undefined;
  /** The exemplar's label text, once a valid one was set. */
  exemplarLabels: string | undefined = undefined;
  private readonly guard: InputGuard;
  private exemplarSet: Readonly<Record<string, string>> | undefined = undefined;

  constructor(endpoint: string, method: string, guard: InputGuard) {
    this.endpoint = endpoint;
    this.method = method;
    this.guard = guard;
  }

  get exemplar(): Readonly<Record<string, string>> | undefined {
    return this.exemplarSet;
  }

  set exemplar(value: unknown) {
    this.exemplarSet = value as Readonly<Record<string, string>> | undefined;
    this.exemplarLabels = undefined;
    if (value === undefined) return;
    try {
      this.exemplarLabels = exemplarText(this.guard, 'trackApiRequest', value);
    } catch (error) {
      // A getter that throws: counted as internal_error (re-thrown in strict mode only).
      this.guard.fault('trackApiRequest', error);
    }
  }
}

function statusOf(value: unknown): number | undefined {
  if (!isRecord(value)) return undefined;
  // Each property is read once (a getter may change between reads).
  const status = value.status;
  const chosen = typeof status === 'number' ? status : value.statusCode;
  if (typeof chosen === 'number' && Number.isInteger(chosen) && chosen >= 100 && chosen <= 599) return chosen;
  return undefined;
}

/** The HTTP status a failed call carries: set by fn, on the error (fetch-style or axios-style), or none. */
function errorStatus(error: unknown): number | undefined {
  return statusOf(error) ?? (isRecord(error) ? statusOf(error.response) : undefined);
}

/** A non-empty string, or undefined. */
function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A thrown error's code (ECONNRESET...), else that of its cause (fetch wraps socket errors in "TypeError: fetch failed"), else its name. */
function errorType(error: unknown): string {
  if (!isRecord(error)) return typeof error === 'string' ? 'string' : 'unknown';
  const code = nonEmpty(error.code);
  if (code !== undefined) return code;
  const cause = error.cause;
  const causeCode = isRecord(cause) ? nonEmpty(cause.code) : undefined;
  return causeCode ?? nonEmpty(error.name) ?? 'unknown';
}

/** Outgoing API calls: requests, latency, errors and quota. */
export class ApiMetrics {
  private readonly guard: InputGuard;
  private readonly requests: SeriesTable<CounterSeries>;
  private readonly latency: SeriesTable<HistogramSeries>;
  private readonly errors: SeriesTable<CounterSeries>;
  private readonly quota: SeriesTable<GaugeSeries>;
  private readonly finish = (call: ApiContext, outcome: CallOutcome): void => {
    if (this.guard.refusedAfterShutdown('trackApiRequest', true)) return;
    try {
      this.record(call, outcome);
    } catch (error) {
      this.guard.fault('trackApiRequest', error);
    }
  };
  private readonly unreadable = (error: unknown): void => this.guard.fault('trackApiRequest', error);

  constructor(registry: InstrumentRegistry, guard: InputGuard) {
    this.guard = guard;
    this.requests = registry.counter(METRICS.apiRequests);
    this.latency = registry.histogram(METRICS.apiLatency);
    this.quota = registry.gauge(METRICS.apiQuotaRemaining).table;
    this.errors = registry.counter(METRICS.apiErrors);
  }

  /**
   * `method` is typed `string` here, not HttpMethod: the facade narrows it, this handles whatever a
   * JavaScript caller passes (a known method in any case is upper-cased, any other string is `_OTHER`).
   */
  trackApiRequest<T>(endpoint: string, method: string, fn: (call: ApiCall) => T): Tracked<T> {
    return trackApiCall(this.guard, endpoint, method, fn, this.finish, this.unreadable);
  }

  /**
   * Records a tracked call that ran elsewhere (a worker's `trackApiRequest`), ended at `at` (Unix
   * ms, the exemplar's time): the same series as a call tracked here. The record is checked as
   * input, since it crossed a thread or process boundary.
   */
  recordTimed(record: unknown, at: number): void {
    const M = 'trackApiRequest';
    if (this.guard.refusedAfterShutdown(M, true)) return;
    const r = this.guard.check(M, 'call', record, API_RECORD_FIELDS, 'not_object');
    if (r === undefined) return;
    const { endpoint, method, status, failed, errorType, seconds, exemplar } = r;
    const endpointProblem = labelProblem(endpoint);
    if (endpointProblem !== undefined) return this.guard.reject(M, endpointProblem, 'endpoint', endpoint);
    const methodProblem = labelProblem(method);
    if (methodProblem !== undefined) return this.guard.reject(M, methodProblem, 'method', method);
    if (status !== undefined && (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599))
      return this.guard.reject(M, 'out_of_range', 'status', status);
    if (typeof failed !== 'boolean') return this.guard.reject(M, 'wrong_type', 'failed', failed);
    // Any string, as a local call records any error code or name.
    if (errorType !== undefined && typeof errorType !== 'string')
      return this.guard.reject(M, 'wrong_type', 'errorType', errorType);
    const p = numberProblem(seconds, 0);
    if (p !== undefined) return this.guard.reject(M, p, 'seconds', seconds);
    if (exemplar !== undefined && !isExemplarText(exemplar))
      return this.guard.reject(M, 'wrong_type', 'exemplar', exemplar);
    const upper = (method as string).toUpperCase();
    this.write(
      {
        endpoint: endpoint as string,
        method: KNOWN_METHODS.has(upper) ? upper : OTHER_HTTP_METHOD,
        status: status as number | undefined,
        failed,
        errorType: errorType as string | undefined,
        seconds: seconds as number,
        exemplar,
      },
      at,
    );
  }

  setApiQuotaRemaining(quota: ApiQuota): void {
    const M = 'setApiQuotaRemaining';
    const record = this.guard.read(M, 'quota', quota, QUOTA_FIELDS, 'not_object');
    if (record === undefined) return;
    const { api, remaining } = record;
    const apiProblem = labelProblem(api);
    if (apiProblem !== undefined) return this.guard.reject(M, apiProblem, 'api', api);
    const p = numberProblem(remaining, 0);
    if (p !== undefined) return this.guard.reject(M, p, 'remaining', remaining);
    this.quota.get1(api as string).value = remaining as number;
  }

  private record(call: ApiContext, outcome: CallOutcome): void {
    this.write(completedApiCall(call, outcome), Date.now());
  }

  private write(call: ApiCallRecord, at: number): void {
    const { endpoint, method, status } = call;
    const latency = this.latency.get2(endpoint, method);
    if (call.exemplar === undefined) latency.record(call.seconds);
    else latency.recordWithExemplar(call.seconds, call.exemplar, at / 1000);
    this.requests.get3(endpoint, method, status === undefined ? (call.failed ? 'error' : 'unknown') : String(status))
      .value++;
    if (status !== undefined && status >= 400) {
      this.errors.get3(endpoint, method, `http_${status}`).value++;
    } else if (call.errorType !== undefined) {
      this.errors.get3(endpoint, method, call.errorType).value++;
    }
  }
}

const API_RECORD_FIELDS = new Set(['endpoint', 'method', 'status', 'failed', 'errorType', 'seconds', 'exemplar']);

/**
 * A finished tracked API call, reduced to what it records: what a worker's `trackApiRequest`
 * forwards to the primary.
 */
export interface ApiCallRecord {
  readonly endpoint: string;
  /** Upper-cased, or `_OTHER`. */
  readonly method: string;
  /** The HTTP status the call carries, if any. */
  readonly status: number | undefined;
  readonly failed: boolean;
  /** For a failed call without an error status: the error's code or name (the `error_type` label). */
  readonly errorType: string | undefined;
  readonly seconds: number;
  /** The exemplar's label text, when fn set a valid one. */
  readonly exemplar: string | undefined;
}

/** What a tracked call records, from its call object and its outcome (reads the outcome's fields). */
export function completedApiCall(call: ApiContext, outcome: CallOutcome): ApiCallRecord {
  const status = statusOf(call) ?? (outcome.failed ? errorStatus(outcome.error) : statusOf(outcome.value));
  return {
    endpoint: call.endpoint,
    method: call.method,
    status,
    failed: outcome.failed,
    errorType: outcome.failed && !(status !== undefined && status >= 400) ? errorType(outcome.error) : undefined,
    seconds: outcome.seconds,
    exemplar: call.exemplarLabels,
  };
}

/**
 * `trackApiRequest` up to the record: checks its arguments with `guard`, runs and times `fn`, and
 * hands the call and its outcome to `finish` (the domain records them; a worker forwards them).
 */
export function trackApiCall<T>(
  guard: InputGuard,
  endpoint: string,
  method: string,
  fn: (call: ApiCall) => T,
  finish: (call: ApiContext, outcome: CallOutcome) => void,
  unreadable: (error: unknown) => void,
): Tracked<T> {
  const M = 'trackApiRequest';
  if (typeof fn !== 'function')
    return guard.reject(M, fn === undefined ? 'missing_field' : 'wrong_type', 'fn', fn) as Tracked<T>;
  const endpointProblem = labelProblem(endpoint);
  const methodProblem = labelProblem(method);
  if (endpointProblem !== undefined || methodProblem !== undefined) {
    if (endpointProblem !== undefined) guard.reject(M, endpointProblem, 'endpoint', endpoint);
    else guard.reject(M, methodProblem!, 'method', method);
    return fn({}) as Tracked<T>;
  }
  const upper = method.toUpperCase();
  const call = new ApiContext(endpoint, KNOWN_METHODS.has(upper) ? upper : OTHER_HTTP_METHOD, guard);
  return runTimed(call, fn, finish, unreadable) as Tracked<T>;
}
