import { isPlainObject } from '../domains/input.ts';

/**
 * How a worker writes its calls into a batch, each argument read once at the call (the caller may
 * change its object afterwards; the batch leaves later). A batch is columns, so that it is cloned
 * as a few blocks of memory rather than as objects: `ints` (an Int32Array) holds, per call, a head
 * and a shape, then one code per field value; `numbers` (a Float64Array) holds the number field
 * values and the record times; `strings` holds the batch's distinct strings once each (a symbol or
 * a direction repeated over 512 calls is cloned once, not 512 times); `others` holds everything
 * else (copied nested values; booleans, undefined and null are codes of their own). A batch's size is what its clone costs:
 * about 32 bytes for a signal.
 *
 * A plain object goes as a shape number and its field values in order, the shape (its key list)
 * being sent once per connection. A nested plain object, array or Date is copied as one value.
 * Anything that cannot travel as it is (a class instance, a Map, a function) refuses the call, so
 * that the primary counts it as the service would have rejected it, instead of recording a
 * structured-clone rewrite of it (a class instance would arrive as a plain object).
 *
 * A call's head is `method << 2 | refused << 1 | timed`: a timed call's record time is the next
 * value of `numbers` (a method that reads no clock takes none). Shape {@link RAW} is one value as
 * it is, in `others` (a primitive argument, or an object past {@link MAX_SHAPES}); shape
 * {@link REFUSED} is `[reason, field]` in `others`. A field value's code is its kind in the low two
 * bits ({@link NUMBER}: the next of `numbers`, {@link OTHER}: the next of `others`, {@link STRING}:
 * `strings[code >> 2]`, {@link CONSTANT}: a boolean, undefined or null).
 */
export const RAW = -1;
export const REFUSED = -2;

/** A field value's kind: the next value of `numbers`. */
export const NUMBER = 0;
/** A field value's kind: the next value of `others`. */
export const OTHER = 1;
/** A field value's kind: `strings[code >> 2]`. */
export const STRING = 2;
/** A field value's kind: `CONSTANTS[code >> 2]` (false, true, undefined, null: no clone of an object). */
export const CONSTANT = 3;
const CONSTANTS: readonly unknown[] = [false, true, undefined, null];
const FALSE = (0 << 2) | CONSTANT;
const TRUE = (1 << 2) | CONSTANT;
const UNDEFINED = (2 << 2) | CONSTANT;
const NULL = (3 << 2) | CONSTANT;

/** The shapes one worker defines at most; further objects travel as one copied value. */
export const MAX_SHAPES = 256;

/** How deep plain records nest in a recording argument (`openPositions` is two levels): deeper is refused. */
const MAX_DEPTH = 4;

/** The reasons a worker refuses a call, as the service counts them. */
export type RefusalReason = 'not_object' | 'wrong_type' | 'internal_error';

/** The calls of one batch, as a worker fills it and as it travels (see the module comment). */
export interface Columns {
  readonly ints: ArrayLike<number>;
  readonly numbers: ArrayLike<number>;
  readonly others: unknown[];
  readonly strings: readonly string[];
}

class RefusedField {
  readonly field: string;
  constructor(field: string) {
    this.field = field;
  }
}

/**
 * One batch being filled: preallocated columns that grow by doubling, reused once sent, so that a
 * worker allocates no large buffer per batch.
 */
export class Chunk {
  ints: Int32Array;
  numbers: Float64Array;
  others: unknown[] = [];
  strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  i = 0;
  n = 0;
  calls = 0;

  /** Whether the columns are SharedArrayBuffers, sent by reference. */
  readonly shared: boolean;

  constructor(calls: number, shared = false) {
    this.shared = shared;
    this.ints = allocate(Int32Array, Math.max(16, calls * 8), shared);
    this.numbers = allocate(Float64Array, Math.max(16, calls * 2), shared);
  }

  /** Empties the chunk for the next batch, keeping its memory. */
  reset(): void {
    this.i = this.n = this.calls = 0;
    // New arrays: the batch sent holds the previous ones (a cluster channel may serialize it later).
    this.others = [];
    this.strings = [];
    this.stringIndex.clear();
  }

  int(value: number): void {
    if (this.i === this.ints.length) this.ints = grow(this.ints, this.ints.length * 2);
    this.ints[this.i++] = value;
  }

  number(value: number): void {
    if (this.n === this.numbers.length) this.numbers = grow(this.numbers, this.numbers.length * 2);
    this.numbers[this.n++] = value;
  }

  /** Makes room for `fields` more ints and numbers, so that a writer may store into the columns unchecked. */
  reserve(fields: number): void {
    if (this.i + fields > this.ints.length)
      this.ints = grow(this.ints, Math.max(this.ints.length * 2, this.i + fields));
    if (this.n + fields > this.numbers.length)
      this.numbers = grow(this.numbers, Math.max(this.numbers.length * 2, this.n + fields));
  }

  /** A call's head: its method, its record time (NaN: none), and whether the call is refused. */
  head(method: number, at: number, refused: boolean): void {
    const timed = !Number.isNaN(at);
    this.int((method << 2) | (refused ? 2 : 0) | (timed ? 1 : 0));
    if (timed) this.number(at);
  }

  /** The code of a string value: its index in `strings`, added when new. */
  lookup(value: string): number {
    let index = this.stringIndex.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, index);
    }
    return (index << 2) | STRING;
  }

  /**
   * The columns to send, cut to what was written. `view`: views of the chunk's own memory, for a
   * channel that copies a message before `send` returns or shares the chunk's memory; else copies.
   * A view that would clone more than a quarter of unused memory is a copy all the same, unless
   * the memory is shared (a view of it is sent by reference).
   */
  columns(view = false): Columns {
    const { ints, numbers, i, n, shared } = this;
    return {
      ints: view && (shared || i * 4 >= ints.length * 3) ? ints.subarray(0, i) : ints.slice(0, i),
      numbers: view && (shared || n * 4 >= numbers.length * 3) ? numbers.subarray(0, n) : numbers.slice(0, n),
      others: this.others,
      strings: this.strings,
    };
  }
}

type Column = new (buffer: ArrayBufferLike | number) => Int32Array | Float64Array;

function allocate<T extends Int32Array | Float64Array>(
  type: new (buffer: ArrayBufferLike | number) => T,
  length: number,
  shared: boolean,
): T {
  const bytes = (type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return shared ? new type(new SharedArrayBuffer(length * bytes)) : new type(length);
}

function grow<T extends Float64Array | Int32Array>(array: T, length: number): T {
  const next = allocate(array.constructor as Column, length, array.buffer instanceof SharedArrayBuffer) as T;
  next.set(array);
  return next;
}

/** The shapes (key lists) of the plain objects a worker sent, and the last one of each method. */
export class ShapeTable {
  readonly keys: string[][] = [];
  private readonly last: number[] = [];

  /**
   * Writes one call of `method` at `at` into `chunk`: its shape and values, or a refusal. Every
   * field is read once. A refused or reshaped call is rewritten from where it began.
   */
  write(chunk: Chunk, method: number, at: number, argument: unknown): void {
    if (typeof argument !== 'object' || argument === null) return this.writeRaw(chunk, method, at, argument);
    const i0 = chunk.i;
    const n0 = chunk.n;
    const o0 = chunk.others.length;
    try {
      if (argument.constructor !== Object && !isPlainObject(argument))
        return refuse(chunk, i0, n0, o0, method, at, 'not_object', 'argument');
      const cachedId = this.last[method];
      const cached = cachedId === undefined ? undefined : this.keys[cachedId];
      // Room for the head, the time, the shape and each field expected (one int and at most one
      // number each): the loop writes into the columns directly, reserving more past them.
      let room = cached === undefined ? 8 : cached.length;
      chunk.reserve(room + 2);
      let ints = chunk.ints;
      let numbers = chunk.numbers;
      let i = i0;
      let n = n0;
      const timed = !Number.isNaN(at);
      ints[i++] = (method << 2) | (timed ? 1 : 0);
      if (timed) numbers[n++] = at;
      const shapeAt = i;
      ints[i++] = cachedId ?? RAW;
      let fresh: string[] | undefined;
      let k = 0;
      for (const key in argument) {
        if (k === room) {
          chunk.i = i;
          chunk.n = n;
          room += 8;
          chunk.reserve(8);
          ints = chunk.ints;
          numbers = chunk.numbers;
        }
        const value: unknown = (argument as Record<string, unknown>)[key];
        if (typeof value === 'number') {
          ints[i++] = NUMBER;
          numbers[n++] = value;
        } else if (typeof value === 'string') {
          ints[i++] = chunk.lookup(value);
        } else if (typeof value === 'boolean') {
          ints[i++] = value ? TRUE : FALSE;
        } else if (value === undefined) {
          ints[i++] = UNDEFINED;
        } else if (value === null) {
          ints[i++] = NULL;
        } else if (typeof value === 'object') {
          ints[i++] = OTHER;
          chunk.others.push(copyNested(value, key, 1));
        } else throw new RefusedField(key);
        if (fresh === undefined && (cached === undefined || cached[k] !== key)) fresh = (cached ?? []).slice(0, k);
        fresh?.push(key);
        k++;
      }
      chunk.i = i;
      chunk.n = n;
      if (fresh === undefined && cached !== undefined && k === cached.length) return;
      this.reshape(chunk, method, shapeAt, n0 + (timed ? 1 : 0), o0, fresh ?? (cached ?? []).slice(0, k));
    } catch (error) {
      const field = error instanceof RefusedField ? error.field : 'argument';
      return refuse(
        chunk,
        i0,
        n0,
        o0,
        method,
        at,
        error instanceof RefusedField ? 'wrong_type' : 'internal_error',
        field,
      );
    }
  }

  /** A call whose argument is no object: as it is, or refused when it cannot travel. */
  private writeRaw(chunk: Chunk, method: number, at: number, argument: unknown): void {
    if (typeof argument === 'function' || typeof argument === 'symbol' || typeof argument === 'bigint')
      return writeRefusal(chunk, method, at, 'wrong_type', 'argument');
    chunk.head(method, at, false);
    chunk.int(RAW);
    chunk.others.push(argument);
  }

  /** The values after `shapeAt` were written for `keys`: give them that shape, or make them one raw object. */
  private reshape(
    chunk: Chunk,
    method: number,
    shapeAt: number,
    valuesAt: number,
    othersAt: number,
    keys: string[],
  ): void {
    let id = this.find(keys);
    if (id === undefined && this.keys.length < MAX_SHAPES) {
      id = this.keys.length;
      this.keys.push(keys);
    }
    if (id !== undefined) {
      this.last[method] = id;
      chunk.ints[shapeAt] = id;
      return;
    }
    // Past MAX_SHAPES: the values just written become one object, in `others`.
    const record: Record<string, unknown> = {};
    let ni = valuesAt;
    let oi = othersAt;
    keys.forEach((key, j) => {
      const code = chunk.ints[shapeAt + 1 + j] as number;
      const kind = code & 3;
      define(
        record,
        key,
        kind === NUMBER
          ? chunk.numbers[ni++]
          : kind === STRING
            ? chunk.strings[code >> 2]
            : kind === CONSTANT
              ? CONSTANTS[code >> 2]
              : chunk.others[oi++],
      );
    });
    chunk.i = shapeAt;
    chunk.n = valuesAt;
    chunk.others.length = othersAt;
    chunk.int(RAW);
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
  chunk.head(method, at, true);
  chunk.int(REFUSED);
  chunk.others.push([reason, field]);
}

function refuse(
  chunk: Chunk,
  i: number,
  n: number,
  o: number,
  method: number,
  at: number,
  reason: RefusalReason,
  field: string,
): void {
  chunk.i = i;
  chunk.n = n;
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
  private i = 0;
  private n = 0;
  private o = 0;
  /** True when it stopped on a shape it does not know. */
  unreadable = false;

  constructor(columns: Columns, shapes: readonly (readonly string[])[]) {
    this.columns = columns;
    this.shapes = shapes;
  }

  next(out: Entry): boolean {
    const { ints, numbers, others, strings } = this.columns;
    if (this.i >= ints.length) return false;
    const head = ints[this.i++] as number;
    const method = head >> 2;
    out.code = (head & 2) === 0 ? method : -method - 1;
    out.at = (head & 1) === 0 ? Number.NaN : (numbers[this.n++] as number);
    const shape = ints[this.i++] as number;
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
    for (const key of keys) {
      const code = ints[this.i++] as number;
      const kind = code & 3;
      define(
        record,
        key,
        kind === NUMBER
          ? numbers[this.n++]
          : kind === STRING
            ? strings[code >> 2]
            : kind === CONSTANT
              ? CONSTANTS[code >> 2]
              : others[this.o++],
      );
    }
    out.argument = record;
    return true;
  }
}
