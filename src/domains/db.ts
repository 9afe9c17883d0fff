import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import { labelProblem, numberProblem, type InputGuard } from './input.ts';
import { METRICS } from '../contract/metrics.ts';
import { exemplarText, isExemplarText, type Tracked } from './api.ts';
import { runTimed, type CallOutcome } from '../core/timing.ts';

/** The state of a connection pool, given to `updateDbPool`; `size`, `active`, `waiting`, at least one. */
export interface DbPoolUpdate {
  /** Pool name; `"default"` when omitted. */
  pool?: string;
  /** Connections in the pool; >= 0. */
  size?: number;
  /** Connections in use; >= 0. */
  active?: number;
  /** Callers waiting for a connection; >= 0. */
  waiting?: number;
}

/** Options of `trackDbQuery`. */
export interface DbQueryOptions {
  /**
   * Labels that name this query for someone reading the latency histogram, such as
   * `{ order_id: 'o-123' }`: the exemplar of its `db_query_duration_seconds` bucket (the last one per
   * bucket), exposed in OpenMetrics only, as `trackApiRequest`'s `call.exemplar`. Label names as
   * Prometheus's, string values, at most 128 characters in all; anything else is counted in
   * `monitoring_invalid_inputs_total` and left out, the query being recorded all the same.
   */
  exemplar?: Readonly<Record<string, string>>;
}

const POOL_FIELDS = new Set(['pool', 'size', 'active', 'waiting']);
const QUERY_OPTION_FIELDS = new Set(['exemplar']);

/** Database queries and connection pools. */
export class DbMetrics {
  private readonly guard: InputGuard;
  private readonly duration: SeriesTable<HistogramSeries>;
  private readonly operations: SeriesTable<CounterSeries>;
  private readonly poolSize: SeriesTable<GaugeSeries>;
  private readonly active: SeriesTable<GaugeSeries>;
  private readonly waiting: SeriesTable<GaugeSeries>;
  private readonly finish = (operation: string, outcome: CallOutcome): void =>
    this.record(operation, outcome, undefined);
  private readonly unreadable = (error: unknown): void => this.guard.fault('trackDbQuery', error);

  constructor(registry: InstrumentRegistry, guard: InputGuard) {
    this.guard = guard;
    this.duration = registry.histogram(METRICS.dbQueryDuration);
    this.operations = registry.counter(METRICS.dbOperations);
    this.poolSize = registry.gauge(METRICS.dbPoolSize).table;
    this.active = registry.gauge(METRICS.dbConnectionsActive).table;
    this.waiting = registry.gauge(METRICS.dbConnectionsWaiting).table;
  }

  /**
   * The series of a pool's three gauges (size, active, waiting), for observePgPool to keep and set at
   * each collection: looked up once, so a pool folded past the series cap is counted once. NaN
   * unpublishes a series.
   */
  poolSeries(pool: string): readonly [size: GaugeSeries, active: GaugeSeries, waiting: GaugeSeries] {
    return [this.poolSize.get1(pool), this.active.get1(pool), this.waiting.get1(pool)];
  }

  trackDbQuery<T>(operation: string, fn: () => T, options?: DbQueryOptions): Tracked<T> {
    const M = 'trackDbQuery';
    if (typeof fn !== 'function')
      return this.guard.reject(M, fn === undefined ? 'missing_field' : 'wrong_type', 'fn', fn) as Tracked<T>;
    const p = labelProblem(operation);
    if (p !== undefined) {
      this.guard.reject(M, p, 'operation', operation);
      return fn() as Tracked<T>;
    }
    const exemplar = options === undefined ? undefined : dbQueryExemplar(this.guard, options);
    if (exemplar === undefined) return runTimed(operation, fn, this.finish, this.unreadable) as Tracked<T>;
    return runTimed(
      operation,
      fn,
      (op: string, outcome: CallOutcome) => this.record(op, outcome, exemplar),
      this.unreadable,
    ) as Tracked<T>;
  }

  private record(operation: string, outcome: CallOutcome, exemplar: string | undefined): void {
    if (this.guard.refusedAfterShutdown('trackDbQuery', true)) return;
    try {
      const duration = this.duration.get1(operation);
      if (exemplar === undefined) duration.record(outcome.seconds);
      else duration.recordWithExemplar(outcome.seconds, exemplar, Date.now() / 1000);
      this.operations.get2(operation, outcome.failed ? 'error' : 'success').value++;
    } catch (error) {
      this.guard.fault('trackDbQuery', error);
    }
  }

  /**
   * Records a query timed elsewhere (a worker's `trackDbQuery`): the same series as one tracked
   * here. The record is checked as input, since it crossed a thread or process boundary.
   */
  recordTimed(record: unknown): void {
    const M = 'trackDbQuery';
    if (this.guard.refusedAfterShutdown(M, true)) return;
    const r = this.guard.check(M, 'query', record, DB_RECORD_FIELDS, 'not_object');
    if (r === undefined) return;
    const { operation, failed, seconds, exemplar } = r;
    const op = labelProblem(operation);
    if (op !== undefined) return this.guard.reject(M, op, 'operation', operation);
    if (typeof failed !== 'boolean') return this.guard.reject(M, 'wrong_type', 'failed', failed);
    const p = numberProblem(seconds, 0);
    if (p !== undefined) return this.guard.reject(M, p, 'seconds', seconds);
    if (exemplar !== undefined && !isExemplarText(exemplar))
      return this.guard.reject(M, 'wrong_type', 'exemplar', exemplar);
    const outcome = { seconds: seconds as number, value: undefined, error: undefined, failed };
    if (exemplar === undefined) this.finish(operation as string, outcome);
    else this.record(operation as string, outcome, exemplar);
  }

  updateDbPool(update: DbPoolUpdate): void {
    const M = 'updateDbPool';
    const record = this.guard.read(M, 'update', update, POOL_FIELDS, 'not_object');
    if (record === undefined) return;
    const { size, active, waiting } = record;
    const pool = record.pool ?? 'default';
    const poolProblem = labelProblem(pool);
    if (poolProblem !== undefined) return this.guard.reject(M, poolProblem, 'pool', pool);
    if (size === undefined && active === undefined && waiting === undefined)
      return this.guard.reject(M, 'missing_field', 'size, active or waiting', undefined);
    for (const [field, value] of [
      ['size', size],
      ['active', active],
      ['waiting', waiting],
    ] as const) {
      if (value === undefined) continue;
      const vp = numberProblem(value, 0);
      if (vp !== undefined) return this.guard.reject(M, vp, field, value);
    }
    const name = pool as string;
    if (size !== undefined) this.poolSize.get1(name).value = size as number;
    if (active !== undefined) this.active.get1(name).value = active as number;
    if (waiting !== undefined) this.waiting.get1(name).value = waiting as number;
  }
}

const DB_RECORD_FIELDS = new Set(['operation', 'failed', 'seconds', 'exemplar']);

/** A finished tracked query, reduced to what it records: what a worker's `trackDbQuery` forwards. */
export interface DbCallRecord {
  readonly operation: string;
  readonly failed: boolean;
  readonly seconds: number;
}

/**
 * `trackDbQuery` up to the record: checks its arguments with `guard`, runs and times `fn`, and hands
 * the operation and the outcome to `finish` (the domain records them; a worker forwards them).
 */
export function trackDbCall<T>(
  guard: InputGuard,
  operation: string,
  fn: () => T,
  finish: (operation: string, outcome: CallOutcome) => void,
  unreadable: (error: unknown) => void,
): Tracked<T> {
  const M = 'trackDbQuery';
  if (typeof fn !== 'function')
    return guard.reject(M, fn === undefined ? 'missing_field' : 'wrong_type', 'fn', fn) as Tracked<T>;
  const p = labelProblem(operation);
  if (p !== undefined) {
    guard.reject(M, p, 'operation', operation);
    return fn() as Tracked<T>;
  }
  return runTimed(operation, fn, finish, unreadable) as Tracked<T>;
}

/**
 * The label text of `trackDbQuery`'s options' exemplar, read once; undefined without one or after
 * rejecting the options (counted; a getter that throws is internal_error, re-thrown in strict mode only).
 */
export function dbQueryExemplar(guard: InputGuard, options: unknown): string | undefined {
  const M = 'trackDbQuery';
  try {
    const record = guard.read(M, 'options', options, QUERY_OPTION_FIELDS, 'not_object');
    if (record === undefined || record['exemplar'] === undefined) return undefined;
    return exemplarText(guard, M, record['exemplar']);
  } catch (error) {
    guard.fault(M, error);
    return undefined;
  }
}
