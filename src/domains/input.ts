import { MonitoringInputError } from '../core/errors.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { SeriesTable } from '../storage/series.ts';
import type { Logger } from '../core/logger.ts';
import type { InvalidReason } from '../contract/invalid-reasons.ts';

export { INVALID_REASONS, type InvalidReason } from '../contract/invalid-reasons.ts';

/**
 * What happens to bad input: in the default mode the call is dropped, counted in
 * `monitoring_invalid_inputs_total{method,reason}` and warned about once per (method, reason);
 * in strict mode a MonitoringInputError is thrown.
 */
export class InputGuard {
  private readonly strict: boolean;
  private readonly logger: Logger;
  private readonly counter: SeriesTable<CounterSeries>;
  private readonly warned = new Set<string>();

  constructor(strict: boolean, logger: Logger, counter: SeriesTable<CounterSeries>) {
    this.strict = strict;
    this.logger = logger;
    this.counter = counter;
  }

  /** Drops the call (or throws in strict mode). Always returns undefined so callers can `return guard.reject(...)`. */
  reject(method: string, reason: InvalidReason, field: string, value: unknown): undefined {
    const detail = describe(reason, field, value);
    if (this.strict) throw new MonitoringInputError(method, reason, field, detail);
    this.counter.get2(method, reason).value++;
    const key = `${method}\u0000${reason}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.logger.warn(
        `${method}: ${detail}; call dropped. Further ${reason} inputs to ${method} are counted in monitoring_invalid_inputs_total without a warning.`,
      );
    }
    return undefined;
  }

  /**
   * A call that threw inside the SDK (an input whose getter throws, or a bug of ours): counted as
   * reason `internal_error` and logged once per method; re-thrown only in strict mode.
   */
  fault(method: string, error: unknown): void {
    if (error instanceof MonitoringInputError) throw error;
    if (this.strict) throw error;
    this.counter.get2(method, 'internal_error').value++;
    const key = `${method}\u0000internal_error`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.logger.error(
        `${method}: ${describe('internal_error', '', error)}; call dropped. Further ones are counted in monitoring_invalid_inputs_total{reason="internal_error"}.`,
      );
    }
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value);
  return typeof value;
}

function describe(reason: InvalidReason, field: string, value: unknown): string {
  switch (reason) {
    case 'not_object':
      return `expected an object argument, got ${value === null ? 'null' : typeof value}`;
    case 'missing_field':
      return `${field} is required`;
    case 'wrong_type':
      return `${field} has the wrong type (${typeof value})`;
    case 'empty_string':
      return `${field} is an empty string`;
    case 'not_finite':
      return `${field} is ${show(value)}, not a finite number`;
    case 'negative':
      return `${field} is ${show(value)}; it cannot be negative`;
    case 'out_of_range':
      return `${field} is ${show(value)}, out of its range`;
    case 'unknown_direction':
      return `${field} is ${show(value)}; expected "buy" or "sell"`;
    case 'unknown_field':
      return `${field} is not a known field`;
    case 'reserved_value':
      return `${field} is ${show(value)}, a name the SDK reserves for its aggregates`;
    case 'too_long':
      return `${field} is longer than the label length limit`;
    case 'too_many':
      return `${field} is one more distinct value than its table holds`;
    case 'internal_error':
      return `reading the input failed (${value instanceof Error ? value.message : String(value)})`;
  }
}

/** undefined when `value` is a non-empty string, else the reason it is not. */
export function labelProblem(value: unknown): InvalidReason | undefined {
  if (typeof value !== 'string') return value === undefined ? 'missing_field' : 'wrong_type';
  return value.length === 0 ? 'empty_string' : undefined;
}

/** undefined when `value` is a finite number in [min, max], else the reason it is not. */
export function numberProblem(
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): InvalidReason | undefined {
  if (typeof value !== 'number') return value === undefined ? 'missing_field' : 'wrong_type';
  if (!Number.isFinite(value)) return 'not_finite';
  if (value < min) return min === 0 ? 'negative' : 'out_of_range';
  if (value > max) return 'out_of_range';
  return undefined;
}

/** 'buy' or 'sell' for any capitalisation of them; undefined for anything else. */
export function normalizeDirection(value: unknown): 'buy' | 'sell' | undefined {
  if (value === 'buy' || value === 'sell') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'buy' || lower === 'sell' ? lower : undefined;
}

/** True for a non-null object. Deliberately not a type guard: typed arguments keep their field types. */
export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** Narrows an unknown value to a record whose fields are unknown. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
