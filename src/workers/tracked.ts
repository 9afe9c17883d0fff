import { METRICS } from '../contract/metrics.ts';
import type { InvalidReason } from '../contract/invalid-reasons.ts';
import { silentLogger } from '../core/logger.ts';
import type { CallOutcome } from '../core/timing.ts';
import {
  completedApiCall,
  trackApiCall,
  type ApiCall,
  type ApiContext,
  type ApiMetrics,
  type Tracked,
} from '../domains/api.ts';
import { dbQueryExemplar, trackDbCall, type DbMetrics, type DbQueryOptions } from '../domains/db.ts';
import { InputGuard } from '../domains/input.ts';
import { InstrumentRegistry } from '../storage/registry.ts';
import { FORWARDED_METHODS } from './methods.ts';
import type { ForwardingBuffer } from './recorder.ts';

const API = FORWARDED_METHODS.indexOf('trackApiRequest');
const DB = FORWARDED_METHODS.indexOf('trackDbQuery');

/**
 * The input guard of a worker's tracked calls: a rejection or a fault is forwarded, for the primary
 * to count as its own guard would; in strict mode it throws here, at the caller, as the service's
 * strict guard does (the same error and message).
 */
class ForwardingGuard extends InputGuard {
  private readonly buffer: ForwardingBuffer;
  /** Set while strict: a guard of its own that throws. */
  strictGuard: InputGuard | undefined;

  constructor(buffer: ForwardingBuffer, counter: ConstructorParameters<typeof InputGuard>[2]) {
    // Never counts: every rejection is forwarded (or thrown by the strict guard).
    super(false, silentLogger, counter);
    this.buffer = buffer;
  }

  override reject(method: string, reason: InvalidReason, field: string, value: unknown): undefined {
    if (this.strictGuard !== undefined) return this.strictGuard.reject(method, reason, field, value);
    this.buffer.refuse(FORWARDED_METHODS.indexOf(method as 'trackApiRequest'), reason, field);
    return undefined;
  }

  override fault(method: string, error: unknown): void {
    if (this.strictGuard !== undefined) return this.strictGuard.fault(method, error);
    this.buffer.refuse(FORWARDED_METHODS.indexOf(method as 'trackApiRequest'), 'internal_error', '');
  }
}

/** A worker's `trackApiRequest` and `trackDbQuery`. */
export interface TrackedMethods {
  trackApiRequest<T>(endpoint: string, method: string, fn: (call: ApiCall) => T): Tracked<T>;
  trackDbQuery<T>(operation: string, fn: () => T, options?: DbQueryOptions): Tracked<T>;
  /** Strict mode: bad input throws at the caller. */
  setStrict(strict: boolean): void;
}

/**
 * `trackApiRequest` and `trackDbQuery` in a worker: `fn` runs and is timed here, by the code the
 * service's domains run (the same checks, return value, re-throw and status rules); the finished
 * call leaves as one record (see `ApiMetrics.recordTimed`, `DbMetrics.recordTimed`), which the
 * primary records in the same series as a call tracked there.
 */
export function trackedMethods(buffer: ForwardingBuffer): TrackedMethods {
  const counter = new InstrumentRegistry(1, () => {}).counter(METRICS.invalidInputs);
  const guard = new ForwardingGuard(buffer, counter);
  const apiFinish = (call: ApiContext, outcome: CallOutcome): void => {
    try {
      buffer.take(API, completedApiCall(call, outcome));
    } catch (error) {
      guard.fault('trackApiRequest', error);
    }
  };
  const apiUnreadable = (error: unknown): void => guard.fault('trackApiRequest', error);
  const dbFinish = (operation: string, outcome: CallOutcome): void => {
    buffer.take(DB, { operation, failed: outcome.failed, seconds: outcome.seconds });
  };
  const dbUnreadable = (error: unknown): void => guard.fault('trackDbQuery', error);
  return {
    trackApiRequest: (endpoint, method, fn) => trackApiCall(guard, endpoint, method, fn, apiFinish, apiUnreadable),
    trackDbQuery: (operation, fn, options) => {
      const exemplar = options === undefined ? undefined : dbQueryExemplar(guard, options);
      if (exemplar === undefined) return trackDbCall(guard, operation, fn, dbFinish, dbUnreadable);
      const finish = (op: string, outcome: CallOutcome): void => {
        buffer.take(DB, { operation: op, failed: outcome.failed, seconds: outcome.seconds, exemplar });
      };
      return trackDbCall(guard, operation, fn, finish, dbUnreadable);
    },
    setStrict(strict) {
      guard.strictGuard = strict ? (guard.strictGuard ?? new InputGuard(true, silentLogger, counter)) : undefined;
    },
  };
}

/**
 * In the primary: records a forwarded tracked call through its domain's entry point; false for any
 * other method (replayed as a call of the service).
 */
export function replayTracked(
  domains: { readonly api: ApiMetrics; readonly db: DbMetrics },
  method: string,
  at: number,
  argument: unknown,
): boolean {
  if (method === 'trackApiRequest') domains.api.recordTimed(argument, at);
  else if (method === 'trackDbQuery') domains.db.recordTimed(argument);
  else return false;
  return true;
}
