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
  private closed = false;

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

  /** From now on every recording call is refused as `after_shutdown` (`shutdown()` calls it first). */
  close(): void {
    this.closed = true;
  }

  /**
   * After {@link close}: counts the call as `after_shutdown`, warns once per method (throws in strict
   * mode) and returns true, so that the caller returns without recording. `deferred` is for the end of
   * a tracked call that began before `shutdown()`, where no caller could take an exception: counted
   * only, strict mode included.
   */
  refusedAfterShutdown(method: string, deferred = false): boolean {
    if (!this.closed) return false;
    if (deferred && this.strict) this.counter.get2(method, 'after_shutdown').value++;
    else this.reject(method, 'after_shutdown', '', undefined);
    return true;
  }

  /**
   * A call that threw inside the SDK (an input whose getter throws, or a bug of ours): counted as
   * reason `internal_error` and logged once per method; re-thrown only in strict mode. Never throws
   * otherwise, whatever `error` is (a Proxy whose traps throw, an error whose `message` getter throws).
   */
  fault(method: string, error: unknown): void {
    if (isInputError(error)) throw error;
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

  /**
   * A fault where no caller could take an exception (a `pg.Pool` getter read during a scrape):
   * counted as `internal_error` and logged once per method like {@link fault}, but never thrown,
   * strict mode included, so one bad source never fails a collection.
   */
  collectionFault(method: string, error: unknown): void {
    this.counter.get2(method, 'internal_error').value++;
    const key = `${method}\u0000internal_error`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.logger.error(
        `${method}: ${describe('internal_error', '', error)} during a collection; skipped. Further ones are counted in monitoring_invalid_inputs_total{reason="internal_error"}.`,
      );
    }
  }

  /**
   * The argument itself when it is a plain object with no field outside `fields`, else undefined
   * after rejecting it. Not copied: for callers that destructure every field once and use only
   * those locals, which spares an object per call; `read` copies what it returns.
   */
  check(
    method: string,
    field: string,
    value: unknown,
    fields: ReadonlySet<string> | undefined,
    notRecord: 'not_object' | 'wrong_type',
  ): Record<string, unknown> | undefined {
    if (!isPlainObject(value)) {
      if (notRecord === 'wrong_type' && value === undefined) return this.reject(method, 'missing_field', field, value);
      return this.reject(method, notRecord, field, value);
    }
    if (fields !== undefined) {
      for (const key in value)
        if (!fields.has(key))
          return this.reject(method, 'unknown_field', notRecord === 'not_object' ? key : `${field}.${key}`, undefined);
    }
    return value;
  }

  /**
   * The one step by which a method reads an object argument that is not on a hot path: checks that
   * `value` is a plain object ({@link isPlainObject}), rejects a field outside `fields` (when given)
   * as `unknown_field` before reading any value, then copies each enumerable field once into a
   * fresh plain record. The method validates and records that record only, so a getter runs
   * once and what is checked is what is recorded. A getter or proxy trap that throws propagates (the
   * facade counts it as `internal_error`).
   *
   * @param method the public method, for the rejection
   * @param field the argument's name (`update`), or the nested field's (`metrics`)
   * @param value what the caller passed
   * @param fields the known field names; undefined for a map of caller-chosen keys (`reliabilityBins`)
   * @param notRecord `not_object` for a method's argument, `wrong_type` for a nested record; an
   *   unknown field of a nested record is named `<field>.<key>`
   * @returns the record, or undefined after rejecting the call
   */
  read(
    method: string,
    field: string,
    value: unknown,
    fields: ReadonlySet<string> | undefined,
    notRecord: 'not_object' | 'wrong_type',
  ): Record<string, unknown> | undefined {
    const source = this.check(method, field, value, fields, notRecord);
    if (source === undefined) return undefined;
    // A literal, not Object.create(null) (a dictionary-mode object, several times slower to fill and
    // read); a `__proto__` key, possible only in a record of caller-chosen keys, is defined as data.
    const record: Record<string, unknown> = {};
    for (const key in source) {
      const read = source[key];
      if (key === '__proto__') Object.defineProperty(record, key, { value: read, enumerable: true, writable: true });
      else record[key] = read;
    }
    return record;
  }

  /**
   * Reads an iterable field (an array, Set, generator) once into an array: its iterator is taken
   * once and run to the end. A string, or anything that is not an iterable object, is rejected as
   * `wrong_type`. Returns undefined after rejecting the call.
   */
  list(method: string, field: string, value: unknown): unknown[] | undefined {
    if (typeof value !== 'object' || value === null) return this.reject(method, 'wrong_type', field, value);
    const open: unknown = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof open !== 'function') return this.reject(method, 'wrong_type', field, value);
    const iterator = (open as () => Iterator<unknown>).call(value);
    return Array.from({ [Symbol.iterator]: () => iterator });
  }
}

/** Whether `error` is a MonitoringInputError; false, not a throw, for a value whose inspection throws. */
function isInputError(error: unknown): boolean {
  try {
    return error instanceof MonitoringInputError;
  } catch {
    return false;
  }
}

/**
 * The longest label value a recording method accepts, in UTF-16 code units (JavaScript's string
 * `length`): 256. A longer one is rejected as `too_long`: label values are repeated in every sample
 * of every scrape and held in memory per series, so an unbounded one (a 1 MiB symbol) makes every
 * scrape that large.
 */
export const MAX_LABEL_LENGTH = 256;

/**
 * The largest magnitude of an amount of money the trading methods accept (`pnl`, `fees`,
 * `portfolioValue`, `balance`, equity values): 1e15, a quadrillion units of the account currency.
 * A larger one is rejected as `out_of_range`. The SDK sums these (realized PnL, gross profit, the
 * balance behind the realized drawdown) and subtracts them (drawdowns, `pnl - fees`); with every
 * amount within ±1e15, no realistic number of trades can overflow a double to ±Infinity
 * (1e9 trades sum to at most 1e24), so what is published stays finite.
 */
export const MAX_AMOUNT = 1e15;

/**
 * True for a plain object: prototype `Object.prototype` (an object literal, `JSON.parse` output),
 * `null` (`Object.create(null)`), or an object with no prototype of its own (the `Object.prototype`
 * of another realm, such as a `vm` context). Only these are records: a Map, Date, array, boxed
 * primitive or class instance read field by field would look empty or half-filled, so it is
 * rejected (`not_object` as an argument, `wrong_type` as a field) rather than read as nothing. A
 * proxy's `getPrototypeOf` trap may throw: that propagates. Deliberately not a type guard, like
 * {@link isObject}: typed arguments keep their field types.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/** What `value` is, for a message: `null`, `number`, `an array`, `an instance of Map`; never throws. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  try {
    if (Array.isArray(value)) return 'an array';
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) return 'an object';
    const ctor: unknown = (proto as { constructor?: unknown }).constructor;
    const name: unknown = typeof ctor === 'function' ? ctor.name : undefined;
    return typeof name === 'string' && name.length > 0 ? `an instance of ${name}` : 'an object';
  } catch {
    return 'an object that cannot be inspected';
  }
}

/** A thrown value as text, for a log line; never throws (a Proxy, an error whose `message` getter throws). */
function errorText(error: unknown): string {
  try {
    if (error instanceof Error) {
      const message: unknown = error.message;
      return typeof message === 'string' ? message : kindOf(error);
    }
    return typeof error === 'object' && error !== null ? kindOf(error) : String(error);
  } catch {
    return 'an error that cannot be inspected';
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
      return `expected a plain object argument ({ ... }), got ${kindOf(value)}`;
    case 'missing_field':
      return `${field} is required`;
    case 'wrong_type':
      return `${field} has the wrong type (${kindOf(value)})`;
    case 'empty_string':
      return `${field} is an empty string`;
    case 'not_finite':
      return `${field} is ${show(value)}, not a finite number`;
    case 'negative':
      return `${field} is ${show(value)}; it cannot be negative`;
    case 'out_of_range':
      return `${field} is ${show(value)}, out of its range`;
    case 'unknown_direction':
      return `${field} is ${show(value)}; expected "buy" or "sell" (or "long", "short")`;
    case 'unknown_field':
      return `${field} is not a known field`;
    case 'reserved_value':
      return `${field} is ${show(value)}, a name the SDK reserves for its aggregates`;
    case 'too_long':
      return `${field} is ${typeof value === 'string' ? value.length : '?'} characters long, more than the ${MAX_LABEL_LENGTH} a label value may have`;
    case 'too_many':
      return `${field} is one more distinct value than its table holds`;
    case 'internal_error':
      return `reading the input failed (${errorText(value)})`;
    case 'after_shutdown':
      return 'called after shutdown(): the final snapshot, push and state were taken without it';
  }
}

/**
 * undefined when `value` can be a label value: a non-empty string of at most
 * {@link MAX_LABEL_LENGTH} characters; else the reason it cannot (`missing_field`, `wrong_type`,
 * `empty_string`, `too_long`).
 */
export function labelProblem(value: unknown): InvalidReason | undefined {
  if (typeof value !== 'string') return value === undefined ? 'missing_field' : 'wrong_type';
  const length = value.length;
  return length === 0 ? 'empty_string' : length > MAX_LABEL_LENGTH ? 'too_long' : undefined;
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

/** 'buy' or 'sell' for any capitalisation of them or of their aliases 'long' and 'short'; undefined for anything else. */
export function normalizeDirection(value: unknown): 'buy' | 'sell' | undefined {
  if (value === 'buy' || value === 'sell') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'buy' || lower === 'long') return 'buy';
  return lower === 'sell' || lower === 'short' ? 'sell' : undefined;
}

/** True for a non-null object. Deliberately not a type guard: typed arguments keep their field types. */
export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** Narrows an unknown value to a record whose fields are unknown. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
