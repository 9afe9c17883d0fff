import type { DbMetrics } from '../domains/db.ts';
import { isObject, isPlainObject, labelProblem, type InputGuard } from '../domains/input.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import { OVERFLOW_ATTRIBUTES } from '../storage/series.ts';

/** The counters every `pg.Pool` (pg-pool) keeps; read as they are, nothing wrapped or polled. */
export interface PgPoolLike {
  /** Connections open, idle or checked out: `db_connection_pool_size`. */
  readonly totalCount: number;
  /** Open connections not checked out; `db_connections_active` is `totalCount - idleCount`. */
  readonly idleCount: number;
  /** Callers queued for a connection: `db_connections_waiting`. */
  readonly waitingCount: number;
}

/** Options of `observePgPool`. */
export interface PgPoolObserveOptions {
  /** The `pool` label. Default `"default"`. */
  name?: string;
}

const COUNTS = ['totalCount', 'idleCount', 'waitingCount'] as const;

/** One observed pool: held weakly, with the series it sets, looked up once when it was observed. */
interface Observed {
  readonly name: string;
  readonly pool: WeakRef<PgPoolLike>;
  readonly series: readonly [size: GaugeSeries, active: GaugeSeries, waiting: GaugeSeries];
}

/**
 * `pg.Pool`s observed by name: at each collection their counts become `db_connection_pool_size`
 * (totalCount), `db_connections_active` (totalCount - idleCount) and `db_connections_waiting`
 * (waitingCount).
 *
 * What it holds is bounded: a pool is forgotten when its stop function is called or when the bot
 * drops it and it is garbage-collected (it is held weakly), and at most `maxPools` are observed at
 * once; past that `observePgPool` drops the call as `too_many`. A pool's series are looked up once,
 * when it is observed, so one folded past the series cap is counted once in
 * `monitoring_series_overflow_total`, not at every collection. A getter that throws during a
 * collection is counted as `internal_error` and never fails the scrape, in strict mode too.
 */
export class PgPoolObserver {
  private readonly db: DbMetrics;
  private readonly guard: InputGuard;
  private readonly maxPools: number;
  private readonly pools = new Map<string, Observed>();
  private readonly finalizer = new FinalizationRegistry<Observed>((observed) => this.forget(observed));

  /** @param maxPools pools observed at once (the pool gauges' series cap: more could not each have their own series) */
  constructor(db: DbMetrics, guard: InputGuard, maxPools: number) {
    this.db = db;
    this.guard = guard;
    this.maxPools = maxPools;
  }

  /** Pools observed now. */
  get size(): number {
    return this.pools.size;
  }

  /** Starts observing; returns a function that stops it (the pool's series are then no longer published). Never throws outside strict mode. */
  observe(pool: unknown, options: PgPoolObserveOptions = {}): () => void {
    const M = 'observePgPool';
    const none = () => {};
    if (!isObject(pool)) return this.guard.reject(M, 'not_object', 'pool', pool) ?? none;
    for (const key of COUNTS) {
      if (typeof (pool as Record<string, unknown>)[key] !== 'number')
        return this.guard.reject(M, 'wrong_type', `pool.${key}`, (pool as Record<string, unknown>)[key]) ?? none;
    }
    if (!isPlainObject(options)) return this.guard.reject(M, 'not_object', 'options', options) ?? none;
    for (const key in options)
      if (key !== 'name') return this.guard.reject(M, 'unknown_field', `options.${key}`, undefined) ?? none;
    const name: unknown = options['name'] ?? 'default';
    const problem = labelProblem(name);
    if (problem !== undefined || typeof name !== 'string')
      return this.guard.reject(M, problem ?? 'wrong_type', 'name', name) ?? none;
    const previous = this.pools.get(name);
    if (previous === undefined && this.pools.size >= this.maxPools)
      return this.guard.reject(M, 'too_many', `name (more than ${this.maxPools} pools observed at once)`, name) ?? none;
    if (previous !== undefined) this.finalizer.unregister(previous);
    const observed: Observed = {
      name,
      pool: new WeakRef(pool as PgPoolLike),
      series: this.db.poolSeries(name),
    };
    this.pools.set(name, observed);
    this.finalizer.register(pool as PgPoolLike, observed, observed);
    return () => {
      if (this.pools.get(name) !== observed) return;
      this.finalizer.unregister(observed);
      this.forget(observed);
    };
  }

  /** Reads every observed pool now; run at the start of each collection. */
  collect(): void {
    for (const observed of this.pools.values()) {
      const pool = observed.pool.deref();
      if (pool === undefined) {
        this.forget(observed);
        continue;
      }
      const [size, active, waiting] = observed.series;
      try {
        const total = pool.totalCount;
        const idle = pool.idleCount;
        const queued = pool.waitingCount;
        size.value = total;
        active.value = Math.max(0, total - idle);
        waiting.value = queued;
      } catch (error) {
        // Not published rather than stale.
        size.value = active.value = waiting.value = Number.NaN;
        this.guard.collectionFault('observePgPool', error);
      }
    }
  }

  /** Stops publishing a pool and forgets it. */
  private forget(observed: Observed): void {
    if (this.pools.get(observed.name) !== observed) return;
    this.pools.delete(observed.name);
    // The overflow series is shared with other folded pools: the next collection rewrites it.
    for (const series of observed.series) if (series.attributes !== OVERFLOW_ATTRIBUTES) series.value = Number.NaN;
  }
}
