import { boolean, isInt, type Checks } from '../core/checks.ts';

/** Options of `connectMonitoring()`, in a worker thread or a cluster worker; every field is optional. */
export interface ConnectOptions {
  /**
   * Throw MonitoringInputError in the worker on invalid input (each call is checked there before
   * it is forwarded) instead of dropping it and counting it in the primary.
   * @default the primary's `strict`, once it answered
   */
  strict?: boolean;
  /**
   * Calls per batch: a full batch is sent at once.
   * @default 512
   */
  batchSize?: number;
  /**
   * Milliseconds after its first call that a batch that is not full is sent: the most a worker
   * that ends abruptly (process.exit, a kill) loses.
   * @default 20
   */
  flushIntervalMs?: number;
  /**
   * Calls held in the worker, waiting for the primary; further ones are dropped and counted in the
   * primary's `monitoring_forwarded_dropped_total`.
   * @default 100000
   */
  maxBufferedCalls?: number;
  /**
   * Batches sent and not yet acknowledged by the primary; past it, calls wait in the worker. Bounds
   * what a stalled primary can make pile up in transit.
   * @default 8
   */
  maxBatchesInFlight?: number;
}

export const CONNECT_DEFAULTS = {
  batchSize: 512,
  flushIntervalMs: 20,
  maxBufferedCalls: 100_000,
  maxBatchesInFlight: 8,
} as const;

export const CONNECT_CHECKS: Checks<ConnectOptions> = {
  strict: boolean,
  batchSize: (v) => (isInt(v, 1, 100_000) ? undefined : 'an integer from 1 to 100000'),
  flushIntervalMs: (v) => (isInt(v, 1, 60_000) ? undefined : 'an integer number of milliseconds from 1 to 60000'),
  maxBufferedCalls: (v) => (isInt(v, 1, 10_000_000) ? undefined : 'an integer from 1 to 10000000'),
  maxBatchesInFlight: (v) => (isInt(v, 1, 1000) ? undefined : 'an integer from 1 to 1000'),
};

/** How `initEnhancedMonitoring` treats worker threads and cluster workers. */
export interface WorkerOptions {
  /**
   * Start a monitoring of its own in a worker thread or a cluster worker (a PM2 cluster-mode
   * instance is one). Without it, `initEnhancedMonitoring` there fails with MonitoringConfigError:
   * such a process should `connectMonitoring()` to the one that runs monitoring.
   * @default false
   */
  allowInWorker?: boolean;
  /**
   * Count the calls each worker forwards in `monitoring_forwarded_calls_total{worker}` (a thread's
   * `threadId`, `cluster:<id>` for a cluster worker), for per-worker rates; at most
   * {@link MAX_WORKER_LABELS} workers, further ones folded into the overflow series. Off, every
   * worker counts as `worker="all"`.
   * @default false
   */
  workerLabel?: boolean;
}

/** The `worker` label values `monitoring_forwarded_calls_total` holds with `workerLabel`. */
export const MAX_WORKER_LABELS = 64;

/** The worker settings in force. */
export interface ResolvedWorkers {
  /** See {@link WorkerOptions.allowInWorker}. */
  readonly allowInWorker: boolean;
  /** See {@link WorkerOptions.workerLabel}. */
  readonly workerLabel: boolean;
}

export const WORKER_DEFAULTS: ResolvedWorkers = { allowInWorker: false, workerLabel: false };

export const WORKER_CHECKS: Checks<WorkerOptions> = { allowInWorker: boolean, workerLabel: boolean };
