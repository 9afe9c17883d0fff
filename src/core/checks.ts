/**
 * The building blocks of option validation, shared by every component's options module: a check
 * returns undefined for a valid value, else what was expected ("a positive number of seconds"),
 * which the config module turns into a MonitoringConfigError naming the option.
 */

/** undefined when the value is valid, else a description of what was expected. */
export type Check = (value: unknown) => string | undefined;

/** One check per option of an options type: a key the type adds without a check does not compile. */
export type Checks<T> = { readonly [K in keyof Required<T>]: Check };

export const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.trim().length > 0;

export const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;

export const plainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `check` for a value that must be a boolean. */
export const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');

/** A check from a predicate and the description of what it accepts. */
export function expect(accepts: (v: unknown) => boolean, expected: string): Check {
  return (v) => (accepts(v) ? undefined : expected);
}

/**
 * A check for an object option with only `keys` (others are named in the message), each
 * undefined or accepted by its own check.
 */
export function objectOf(fields: Readonly<Record<string, Check>>, expected: string): Check {
  return (v) => {
    if (!plainObject(v)) return expected;
    for (const [key, value] of Object.entries(v)) {
      const check = fields[key];
      if (check === undefined) return `${expected} with only ${Object.keys(fields).join(', ')} (unknown key '${key}')`;
      if (value === undefined) continue;
      const problem = check(value);
      if (problem !== undefined) return `${expected} whose '${key}' is ${problem}`;
    }
    return undefined;
  };
}

/** How a rejected value is shown in a message: strings quoted, objects only by kind. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/**
 * Freezes a plain object or array and every plain object or array inside it; class instances (Buffers) are
 * left as they are, and so are the values of `keep` at the top level (objects the caller owns: a logger, an app).
 */
export function deepFreeze<T>(value: T, keep: ReadonlySet<string> = NONE): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  for (const [key, inner] of Object.entries(value)) if (!keep.has(key)) deepFreeze(inner);
  return Object.freeze(value);
}

const NONE: ReadonlySet<string> = new Set();
