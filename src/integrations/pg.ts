import type { DbMetrics } from '../domains/db.ts';
import { isObject, labelProblem, type InputGuard } from '../domains/input.ts';

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

/**
 * `pg.Pool`s observed by name: at each collection their counts become `db_connection_pool_size`
 * (totalCount), `db_connections_active` (totalCount - idleCount) and `db_connections_waiting`
 * (waitingCount).
 */
export class PgPoolObserver {
  private readonly db: DbMetrics;
  private readonly guard: InputGuard;
  private readonly pools = new Map<string, PgPoolLike>();

  constructor(db: DbMetrics, guard: InputGuard) {
    this.db = db;
    this.guard = guard;
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
    if (!isObject(options)) return this.guard.reject(M, 'not_object', 'options', options) ?? none;
    const name = options.name ?? 'default';
    const problem = labelProblem(name);
    if (problem !== undefined) return this.guard.reject(M, problem, 'name', name) ?? none;
    const typed = pool as PgPoolLike;
    this.pools.set(name, typed);
    return () => {
      if (this.pools.get(name) !== typed) return;
      this.pools.delete(name);
      this.db.setPoolState(name, Number.NaN, Number.NaN, Number.NaN);
    };
  }

  /** Reads every observed pool now; run at the start of each collection. */
  collect(): void {
    for (const [name, pool] of this.pools) {
      try {
        const total = pool.totalCount;
        this.db.setPoolState(name, total, Math.max(0, total - pool.idleCount), pool.waitingCount);
      } catch (error) {
        this.guard.fault('observePgPool', error);
      }
    }
  }
}
