import { isPlainObject } from '../domains/input.ts';

/**
 * How a worker writes its calls into a batch, each argument read once at the call (the caller may
 * change its object afterwards; the batch leaves later). A batch is columns: the numbers in a
 * Float64Array (no boxing, cloned as one block of memory), everything else (strings, booleans,
 * undefined, copied nested values) in an array, and one tag per field value saying which column
 * it is in. A plain object goes as a shape number and its field values in order, the shape (its
 * key list) being sent once per connection. A nested plain object, array or Date is copied as one
 * value. Anything that cannot travel as it is (a class instance, a Map, a function) refuses the call,
 * so that the primary counts it as the service would have rejected it, instead of recording a
 * structured-clone rewrite of it (a class instance would arrive as a plain object).
 *
 * A call is, in `numbers`: method number, record time (NaN for a method that reads no clock),
 * shape; then its values. Shape {@link RAW} is one value as it is, in `others` (a primitive
 * argument, or an object past {@link MAX_SHAPES}); shape {@link REFUSED} is `[reason, field]` in
 * `others`, the method number being stored as -(n + 1).
 */
export const RAW = -1;
export const REFUSED = -2;

/** The shapes one worker defines at most; further objects travel as one copied value. */
export const MAX_SHAPES = 256;

/** How deep plain records nest in a recording argument (`openPositions` is two levels): deeper is refused. */
const MAX_DEPTH = 4;

/** The reasons a worker refuses a call, as the service counts them. */
export type RefusalReason = 'not_object' | 'wrong_type' | 'internal_error';

/** The calls of one batch, as a worker fills it and as it travels (see the module comment). */
export interface Columns {
  readonly numbers: ArrayLike<number>;
  /** The tag of each field value: 0 in `numbers`, 1 in `others`. */
  readonly tags: ArrayLike<number>;
  readonly others: unknown[];
}

class RefusedField {
  readonly field: string;
  constructor(field: string) {
    this.field = field;
  }
}

/** One batch being filled: preallocated columns that grow by doubling. */
export class Chunk {
  numbers: Float64Array;
  tags: Uint8Array;
  others: unknown[] = [];
  n = 0;
  t = 0;
  calls = 0;

  constructor(calls: number) {
    this.numbers = new Float64Array(Math.max(16, calls * 6));
    this.tags = new Uint8Array(Math.max(16, calls * 4));
  }

  number(value: number): void {
    if (this.n === this.numbers.length) this.numbers = grow(this.numbers, this.numbers.length * 2);
    this.numbers[this.n++] = value;
  }

  /** A field value: a number in `numbers`, anything else in `others`. */
  value(value: unknown): void {
    if (this.t === this.tags.length) this.tags = grow(this.tags, this.tags.length * 2);
    if (typeof value === 'number') {
      this.tags[this.t++] = 0;
      this.number(value);
    } else {
      this.tags[this.t++] = 1;
      this.others.push(value);
    }
  }

  /** The columns to send, cut to what was written. */
  columns(): Columns {
    return { numbers: this.numbers.slice(0, this.n), tags: this.tags.slice(0, this.t), others: this.others };
  }
}

function grow<T extends Float64Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}

/** The shapes (key lists) of the plain objects a worker sent, and the last one of each method. */
export class ShapeTable {
  readonly keys: string[][] = [];
  private readonly last: number[] = [];

  /**
   * Writes one call of `method` at `at` into `chunk`: its shape and values, or a refusal. Every
   * field is read once. A refused or reshaped call is rewritten from `mark`.
   */
  write(chunk: Chunk, method: number, at: number, argument: unknown): void {
    const n = chunk.n;
    const t = chunk.t;
    const o = chunk.others.length;
    chunk.number(method);
    chunk.number(at);
    if (typeof argument !== 'object' || argument === null) {
      if (typeof argument === 'function' || typeof argument === 'symbol' || typeof argument === 'bigint')
        return refuse(chunk, n, t, o, method, at, 'wrong_type', 'argument');
      chunk.number(RAW);
      chunk.others.push(argument);
      return;
    }
    try {
      if (argument.constructor !== Object && !isPlainObject(argument))
        return refuse(chunk, n, t, o, method, at, 'not_object', 'argument');
      const cachedId = this.last[method];
      const cached = cachedId === undefined ? undefined : this.keys[cachedId];
      const shapeAt = chunk.n;
      chunk.number(cachedId ?? RAW);
      let fresh: string[] | undefined;
      let i = 0;
      for (const key in argument) {
        const value: unknown = (argument as Record<string, unknown>)[key];
        if (typeof value === 'object' && value !== null) chunk.value(copyNested(value, key, 1));
        else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
          throw new RefusedField(key);
        else chunk.value(value);
        if (fresh === undefined && (cached === undefined || cached[i] !== key)) fresh = (cached ?? []).slice(0, i);
        fresh?.push(key);
        i++;
      }
      if (fresh === undefined && cached !== undefined && i === cached.length) return;
      this.reshape(chunk, method, shapeAt, t, fresh ?? (cached ?? []).slice(0, i));
    } catch (error) {
      const field = error instanceof RefusedField ? error.field : 'argument';
      return refuse(chunk, n, t, o, method, at, error instanceof RefusedField ? 'wrong_type' : 'internal_error', field);
    }
  }

  /** The values after `shapeAt` were written for `keys`: give them that shape, or make them one raw object. */
  private reshape(chunk: Chunk, method: number, shapeAt: number, t: number, keys: string[]): void {
    let id = this.find(keys);
    if (id === undefined && this.keys.length < MAX_SHAPES) {
      id = this.keys.length;
      this.keys.push(keys);
    }
    if (id !== undefined) {
      this.last[method] = id;
      chunk.numbers[shapeAt] = id;
      return;
    }
    // Past MAX_SHAPES: the values just written become one object, in `others`.
    const record: Record<string, unknown> = {};
    let ni = shapeAt + 1;
    const firstOther = chunk.others.length - countOthers(chunk.tags, t, chunk.t);
    let oi = firstOther;
    keys.forEach((key, j) => define(record, key, chunk.tags[t + j] === 0 ? chunk.numbers[ni++] : chunk.others[oi++]));
    chunk.n = shapeAt;
    chunk.t = t;
    chunk.others.length = firstOther;
    chunk.number(RAW);
    chunk.others.push(record);
  }

  private find(keys: readonly string[]): number | undefined {
    for (let id = 0; id < this.keys.length; id++) {
      const candidate = this.keys[id] as string[];
      if (candidate.length === keys.length && candidate.every((k, j) => k === keys[j])) return id;
    }
    return undefined;
  }
}

/** Writes a call of `method` refused in the worker: `[reason, field]` for the primary to count. */
export function writeRefusal(chunk: Chunk, method: number, at: number, reason: string, field: string): void {
  chunk.number(-method - 1);
  chunk.number(at);
  chunk.number(REFUSED);
  chunk.others.push([reason, field]);
}

function countOthers(tags: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) count += tags[i] as number;
  return count;
}

function refuse(
  chunk: Chunk,
  n: number,
  t: number,
  o: number,
  method: number,
  at: number,
  reason: RefusalReason,
  field: string,
): void {
  chunk.n = n;
  chunk.t = t;
  chunk.others.length = o;
  writeRefusal(chunk, method, at, reason, field);
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

/** One call read from a batch. */
export interface Entry {
  code: number;
  at: number;
  argument: unknown;
}

/** Reads the calls of a batch in order; `next` returns false at the end, or on a shape the batch did not define. */
export class EntryReader {
  private readonly columns: Columns;
  private readonly shapes: readonly (readonly string[])[];
  private n = 0;
  private t = 0;
  private o = 0;
  /** True when it stopped on a shape it does not know. */
  unreadable = false;

  constructor(columns: Columns, shapes: readonly (readonly string[])[]) {
    this.columns = columns;
    this.shapes = shapes;
  }

  next(out: Entry): boolean {
    const { numbers, tags, others } = this.columns;
    if (this.n >= numbers.length) return false;
    out.code = numbers[this.n++] as number;
    out.at = numbers[this.n++] as number;
    const shape = numbers[this.n++] as number;
    if (shape < 0) {
      out.argument = others[this.o++];
      return true;
    }
    const keys = this.shapes[shape];
    if (keys === undefined) {
      this.unreadable = true;
      return false;
    }
    const record: Record<string, unknown> = {};
    for (const key of keys) define(record, key, tags[this.t++] === 0 ? numbers[this.n++] : others[this.o++]);
    out.argument = record;
    return true;
  }
}
