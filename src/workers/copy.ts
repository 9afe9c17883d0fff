import { isPlainObject } from '../domains/input.ts';

/**
 * How a worker writes its calls into a batch, each argument read once at the call (the caller may
 * change its object afterwards; the batch leaves later). A batch is columns: the numbers in a
 * Float64Array (no boxing, cloned as one block of memory), the batch's distinct strings once each
 * (a field value that is a string is its number in that list: a symbol or a direction repeated
 * over 512 calls is cloned once, not 512 times), everything else (booleans, undefined, null,
 * copied nested values) in an array, and one tag per field value saying which column it is in. A plain object goes as a shape number and its field values in order, the shape (its
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
  /** The tag of each field value: {@link NUMBER}, {@link OTHER} or {@link STRING}. */
  readonly tags: ArrayLike<number>;
  readonly others: unknown[];
  /** The distinct strings of the batch's field values; absent from a batch that has none. */
  readonly strings?: readonly string[];
}

class RefusedField {
  readonly field: string;
  constructor(field: string) {
    this.field = field;
  }
}

/** A field value's tag: in `numbers`. */
export const NUMBER = 0;
/** A field value's tag: in `others`. */
export const OTHER = 1;
/** A field value's tag: its number in `numbers` is its index in `strings`. */
export const STRING = 2;

/** How many strings a chunk finds by identity before its map: a bot's few symbols, directions, model names. */
const RECENT = 8;

/**
 * One batch being filled: preallocated columns that grow by doubling, reused once sent (a batch
 * takes copies of the typed columns), so that a worker allocates no large buffer per batch.
 */
export class Chunk {
  numbers: Float64Array;
  tags: Uint8Array;
  others: unknown[] = [];
  strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** The last strings looked up, and their indexes: compared by `===` before the map is asked. */
  private readonly recent: (string | undefined)[] = new Array<string | undefined>(RECENT).fill(undefined);
  private readonly recentIndex = new Int32Array(RECENT);
  private recentNext = 0;
  n = 0;
  t = 0;
  calls = 0;

  constructor(calls: number) {
    this.numbers = new Float64Array(Math.max(16, calls * 8));
    this.tags = new Uint8Array(Math.max(16, calls * 4));
  }

  /** Empties the chunk for the next batch, keeping its memory. */
  reset(): void {
    this.n = this.t = this.calls = 0;
    // New arrays: the sent batch holds the previous ones (a cluster channel may serialize it later).
    this.others = [];
    this.strings = [];
    this.stringIndex.clear();
    this.recent.fill(undefined);
  }

  /** The index of `value` in `strings`, added when new. */
  private string(value: string): number {
    const recent = this.recent;
    for (let i = 0; i < RECENT; i++) if (recent[i] === value) return this.recentIndex[i] as number;
    let index = this.stringIndex.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, index);
    }
    const slot = this.recentNext;
    this.recentNext = (slot + 1) % RECENT;
    recent[slot] = value;
    this.recentIndex[slot] = index;
    return index;
  }

  number(value: number): void {
    if (this.n === this.numbers.length) this.numbers = grow(this.numbers, this.numbers.length * 2);
    this.numbers[this.n++] = value;
  }

  /** A field value: a number in `numbers`, a string as its index in `strings`, anything else in `others`. */
  value(value: unknown): void {
    if (this.t === this.tags.length) this.tags = grow(this.tags, this.tags.length * 2);
    if (typeof value === 'number') {
      this.tags[this.t++] = NUMBER;
      this.number(value);
    } else if (typeof value === 'string') {
      this.tags[this.t++] = STRING;
      this.number(this.string(value));
    } else {
      this.tags[this.t++] = OTHER;
      this.others.push(value);
    }
  }

  /** The columns to send, cut to what was written. */
  columns(): Columns {
    return {
      numbers: this.numbers.slice(0, this.n),
      tags: this.tags.slice(0, this.t),
      others: this.others,
      strings: this.strings,
    };
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
    keys.forEach((key, j) => {
      const tag = chunk.tags[t + j];
      const value = tag === OTHER ? chunk.others[oi++] : chunk.numbers[ni++];
      define(record, key, tag === STRING ? chunk.strings[value as number] : value);
    });
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
  for (let i = from; i < to; i++) if (tags[i] === OTHER) count++;
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
    const strings = this.columns.strings ?? [];
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
    for (const key of keys) {
      const tag = tags[this.t++];
      define(
        record,
        key,
        tag === NUMBER ? numbers[this.n++] : tag === STRING ? strings[numbers[this.n++] as number] : others[this.o++],
      );
    }
    out.argument = record;
    return true;
  }
}
