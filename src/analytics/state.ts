/**
 * Saving and loading the state of the streaming classes, so that a restarted process continues
 * where the last one stopped. A saved state is plain JSON data (`JSON.stringify` round-trips it
 * exactly: doubles print with enough digits to read back the same value); JSON has no NaN or
 * ±Infinity, so those travel as strings.
 */

/** Thrown by `loadState` when a saved state does not fit the instance: a wrong shape, or a state saved under other settings. */
export class StateMismatchError extends Error {
  /** @param message what does not fit, naming the field */
  constructor(message: string) {
    super(message);
    this.name = 'StateMismatchError';
  }
}

/** The `StateMismatchError` of a state saved under other settings (a window size, an interval, a detector option). */
export class StateSettingsError extends StateMismatchError {
  /** @param message which setting differs, with both values */
  constructor(message: string) {
    super(message);
    this.name = 'StateSettingsError';
  }
}

/** A number as saved: finite numbers as themselves, NaN and ±Infinity as strings. */
export type SavedNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** `value` as JSON can hold it. */
export function saveNumber(value: number): SavedNumber {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** The first `length` values of `values` (all by default) as JSON can hold them. */
export function saveNumbers(values: ArrayLike<number>, length = values.length): SavedNumber[] {
  const out = new Array<SavedNumber>(length);
  for (let i = 0; i < length; i++) out[i] = saveNumber(values[i] as number);
  return out;
}

function loadNumber(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new StateMismatchError(`${where} is not a number`);
}

/**
 * Reads the fields of one saved object; every accessor throws `StateMismatchError` naming the
 * field at fault, so `loadState` can check everything before it changes anything.
 */
export class StateReader {
  readonly #value: Record<string, unknown>;
  readonly #where: string;

  /** @param where the path of this object, for messages (`'TradeAnalytics'`, `'models[2].adwin'`) */
  constructor(value: unknown, where: string) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new StateMismatchError(`${where} is not an object`);
    this.#value = value as Record<string, unknown>;
    this.#where = where;
  }

  /** True when the field is present (and not null). */
  has(key: string): boolean {
    return this.#value[key] !== undefined && this.#value[key] !== null;
  }

  /** A field as saved, unchecked (for a nested class's own `loadState`). */
  get(key: string): unknown {
    return this.#value[key];
  }

  /** Any number, NaN and ±Infinity included. */
  number(key: string): number {
    return loadNumber(this.#value[key], this.#at(key));
  }

  /** A finite number. */
  finite(key: string): number {
    const n = this.number(key);
    if (!Number.isFinite(n)) throw new StateMismatchError(`${this.#at(key)} is not finite`);
    return n;
  }

  /** An integer >= `min`. */
  integer(key: string, min = 0): number {
    const n = this.number(key);
    if (!Number.isInteger(n) || n < min) throw new StateMismatchError(`${this.#at(key)} is not an integer >= ${min}`);
    return n;
  }

  /** A boolean. */
  boolean(key: string): boolean {
    const v = this.#value[key];
    if (typeof v !== 'boolean') throw new StateMismatchError(`${this.#at(key)} is not a boolean`);
    return v;
  }

  /** A string. */
  string(key: string): string {
    const v = this.#value[key];
    if (typeof v !== 'string') throw new StateMismatchError(`${this.#at(key)} is not a string`);
    return v;
  }

  /** An array of numbers, of exactly `length` entries when given. */
  numbers(key: string, length?: number): number[] {
    const list = this.array(key);
    if (length !== undefined && list.length !== length)
      throw new StateMismatchError(`${this.#at(key)} has ${list.length} entries, expected ${length}`);
    return list.map((v, i) => loadNumber(v, `${this.#at(key)}[${i}]`));
  }

  /** An array, its entries unchecked. */
  array(key: string): unknown[] {
    const v = this.#value[key];
    if (!Array.isArray(v)) throw new StateMismatchError(`${this.#at(key)} is not an array`);
    return v;
  }

  /** A nested object. */
  object(key: string): StateReader {
    return new StateReader(this.#value[key], this.#at(key));
  }

  /** A nested object at index `i` of an array field. */
  item(list: readonly unknown[], key: string, i: number): StateReader {
    return new StateReader(list[i], `${this.#at(key)}[${i}]`);
  }

  /** Checks that a setting the state was saved under equals the instance's own. */
  same(key: string, expected: number | string | boolean): void {
    const v = this.#value[key];
    const saved = typeof expected === 'number' ? loadNumber(v, this.#at(key)) : v;
    if (!Object.is(saved, expected))
      throw new StateSettingsError(
        `${this.#at(key)} was saved as ${JSON.stringify(v)}, this instance has ${String(expected)}`,
      );
  }

  /** An array of finite numbers, of exactly `length` entries when given. */
  finites(key: string, length?: number): number[] {
    const list = this.numbers(key, length);
    for (let i = 0; i < list.length; i++)
      if (!Number.isFinite(list[i])) throw new StateMismatchError(`${this.#at(key)}[${i}] is not finite`);
    return list;
  }

  /** An array of integers >= `min`, of exactly `length` entries when given. */
  integers(key: string, length?: number, min = 0): number[] {
    const list = this.numbers(key, length);
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!;
      if (!Number.isInteger(n) || n < min)
        throw new StateMismatchError(`${this.#at(key)}[${i}] is not an integer >= ${min}`);
    }
    return list;
  }

  /** An integer in [`min`, `max`]. */
  integerIn(key: string, min: number, max: number): number {
    const n = this.number(key);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new StateMismatchError(`${this.#at(key)} is not an integer in [${min}, ${max}]`);
    return n;
  }

  /** True when the field holds a value, false when it is null; throws when it is missing altogether. */
  present(key: string): boolean {
    const v = this.#value[key];
    if (v === undefined) throw new StateMismatchError(`${this.#at(key)} is missing`);
    return v !== null;
  }

  /** The field as saved, unchecked: a nested state to hand to another class's `loadState` (with `at(key)` as its path). */
  raw(key: string): unknown {
    return this.#value[key];
  }

  /** The path of a field, for messages (`'TradeAnalytics.realized'`). */
  at(key: string): string {
    return this.#at(key);
  }

  #at(key: string): string {
    return `${this.#where}.${key}`;
  }
}

/**
 * Runs the checking half of a `loadState` (the part that reads the saved state without changing
 * the instance) and returns its result. Any error other than `StateMismatchError` (a bug, a
 * throwing getter on a hostile object) becomes a `StateMismatchError`, so `loadState` rejects bad
 * input with nothing else.
 */
export function readState<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof StateMismatchError) throw error;
    throw new StateMismatchError(
      `${where} could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
