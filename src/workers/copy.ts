import { isPlainObject } from '../domains/input.ts';

/**
 * How a worker writes the argument of a call into its batch, read once at the call (the caller may
 * change its object afterwards; the batch leaves later): a plain object as a shape number and its
 * field values in order, the shape (the list of its keys) being sent once per connection, so a
 * batch is mostly primitives, cheap to clone. A nested plain object, array or Date is copied as a
 * value. Anything that cannot travel as it is (a class instance, a Map, a function) refuses the call,
 * so that the primary counts it as the service would have rejected it, instead of recording a
 * structured-clone rewrite of it (a class instance would arrive as a plain object).
 *
 * An entry is: method number, record time, shape, then the values; shape {@link RAW} is one value
 * as it is (a primitive argument, or an object past {@link MAX_SHAPES}); shape {@link REFUSED} is
 * `[reason, field]`, with the method number stored as -(n + 1).
 */
export const RAW = -1;
export const REFUSED = -2;

/** The shapes one worker defines at most; further objects travel as one copied value. */
export const MAX_SHAPES = 256;

/** How deep plain records nest in a recording argument (`openPositions` is two levels): deeper is refused. */
const MAX_DEPTH = 4;

/** The reasons a worker refuses a call, as the service counts them. */
export type RefusalReason = 'not_object' | 'wrong_type' | 'internal_error';

class RefusedField {
  readonly field: string;
  constructor(field: string) {
    this.field = field;
  }
}

/** The shapes (key lists) of the plain objects a worker sent, and the last one of each method. */
export class ShapeTable {
  readonly keys: string[][] = [];
  private readonly last: number[] = [];

  /**
   * Appends `argument` of `method` to `entries` after its method number and time (already there,
   * at `start`): its shape and values, or a refusal. Every field is read once.
   */
  write(method: number, argument: unknown, entries: unknown[], start: number): void {
    if (typeof argument !== 'object' || argument === null) {
      if (typeof argument === 'function' || typeof argument === 'symbol' || typeof argument === 'bigint')
        return refuse(method, entries, start, 'wrong_type', 'argument');
      entries.push(RAW, argument);
      return;
    }
    try {
      if (argument.constructor !== Object && !isPlainObject(argument))
        return refuse(method, entries, start, 'not_object', 'argument');
      const cachedId = this.last[method];
      const cached = cachedId === undefined ? undefined : this.keys[cachedId];
      let fresh: string[] | undefined;
      let i = 0;
      entries.push(cachedId ?? RAW);
      for (const key in argument) {
        const value: unknown = (argument as Record<string, unknown>)[key];
        if (typeof value === 'object' && value !== null) entries.push(copyNested(value, key, 1));
        else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
          throw new RefusedField(key);
        else entries.push(value);
        if (fresh === undefined && (cached === undefined || cached[i] !== key)) fresh = (cached ?? []).slice(0, i);
        fresh?.push(key);
        i++;
      }
      if (fresh === undefined && cached !== undefined && i === cached.length) return;
      this.reshape(method, entries, start, fresh ?? (cached ?? []).slice(0, i));
    } catch (error) {
      if (error instanceof RefusedField) return refuse(method, entries, start, 'wrong_type', error.field);
      return refuse(method, entries, start, 'internal_error', 'argument');
    }
  }

  /** The values at `start + 3` were written for `keys`: give them that shape, or make them one raw object. */
  private reshape(method: number, entries: unknown[], start: number, keys: string[]): void {
    let id = this.find(keys);
    if (id === undefined && this.keys.length < MAX_SHAPES) {
      id = this.keys.length;
      this.keys.push(keys);
    }
    if (id !== undefined) {
      this.last[method] = id;
      entries[start + 2] = id;
      return;
    }
    const record: Record<string, unknown> = {};
    keys.forEach((key, j) => define(record, key, entries[start + 3 + j]));
    entries.length = start + 2;
    entries.push(RAW, record);
  }

  private find(keys: readonly string[]): number | undefined {
    for (let id = 0; id < this.keys.length; id++) {
      const candidate = this.keys[id] as string[];
      if (candidate.length === keys.length && candidate.every((k, j) => k === keys[j])) return id;
    }
    return undefined;
  }
}

function refuse(method: number, entries: unknown[], start: number, reason: RefusalReason, field: string): void {
  entries.length = start + 2;
  entries[start] = -method - 1;
  entries.push(REFUSED, [reason, field]);
}

/** A field value that is an object: a Date, an array or a plain object, copied; anything else refuses. */
function copyNested(value: object, key: string, depth: number): unknown {
  if (depth >= MAX_DEPTH) throw new RefusedField(key);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value))
    return value.map((item: unknown) =>
      typeof item === 'object' && item !== null ? copyNested(item, key, depth + 1) : item,
    );
  if (!isPlainObject(value)) throw new RefusedField(key);
  const copy: Record<string, unknown> = {};
  for (const field in value) {
    const item: unknown = (value as Record<string, unknown>)[field];
    if (typeof item === 'function' || typeof item === 'symbol' || typeof item === 'bigint')
      throw new RefusedField(field);
    define(copy, field, typeof item === 'object' && item !== null ? copyNested(item, field, depth + 1) : item);
  }
  return copy;
}

/** `record[key] = value`, a `__proto__` key being defined as data. */
export function define(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/**
 * Reads the entry at `i` of a batch: the call's method number, time and argument; returns the
 * index of the next entry, or -1 when the entry names a shape the batch did not define.
 */
export function readEntry(
  entries: readonly unknown[],
  i: number,
  shapes: readonly (readonly string[])[],
  out: Entry,
): number {
  out.code = entries[i] as number;
  out.at = entries[i + 1] as number;
  const shape = entries[i + 2] as number;
  if (shape < 0) {
    out.argument = entries[i + 3];
    return i + 4;
  }
  const keys = shapes[shape];
  if (keys === undefined) return -1;
  const record: Record<string, unknown> = {};
  let j = i + 3;
  for (const key of keys) define(record, key, entries[j++]);
  out.argument = record;
  return j;
}

/** One call read from a batch. */
export interface Entry {
  code: number;
  at: number;
  argument: unknown;
}
