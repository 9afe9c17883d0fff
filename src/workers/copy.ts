import { isPlainObject } from '../domains/input.ts';

/**
 * Why the last {@link copyArgument} that returned {@link REFUSED} refused its argument (a class
 * instance, a Map, a function cannot travel as they are): the reason the service gives such a value,
 * `not_object` for the argument itself, `wrong_type` for a field, `internal_error` for a getter that
 * threw. The primary counts the call with it, as it would have rejected the original.
 */
export const refusal: { reason: 'not_object' | 'wrong_type' | 'internal_error'; field: string } = {
  reason: 'not_object',
  field: '',
};

/** Returned by {@link copyArgument} for an argument it refused; see {@link refusal}. */
export const REFUSED: unique symbol = Symbol('refused');

/** How deep plain records nest in a recording argument (`openPositions` is two levels): deeper is refused. */
const MAX_DEPTH = 4;

/**
 * The argument of a forwarded call, copied now: the caller may change its object after the call,
 * and the batch leaves later. Plain objects and arrays are copied field by field (each getter runs
 * once, as the service reads it), a Date as a Date, primitives as they are. Anything else makes the
 * whole call {@link REFUSED}, so that the primary rejects it instead of recording a
 * structured-clone rewrite of it (a class instance would arrive as a plain object).
 */
export function copyArgument(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null)
    return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint'
      ? refuse('wrong_type', name)
      : value;
  try {
    if (!isPlainObject(value)) return refuse('not_object', name);
    return copyRecord(value, 1);
  } catch (error) {
    if (error instanceof RefusedField) return refuse('wrong_type', error.field);
    return refuse('internal_error', name);
  }
}

class RefusedField {
  readonly field: string;
  constructor(field: string) {
    this.field = field;
  }
}

function refuse(reason: (typeof refusal)['reason'], field: string): typeof REFUSED {
  refusal.reason = reason;
  refusal.field = field;
  return REFUSED;
}

function copyRecord(source: Record<string, unknown>, depth: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in source) {
    const field = source[key];
    const copied = typeof field === 'object' && field !== null ? copyNested(field, key, depth) : field;
    if (typeof copied === 'function' || typeof copied === 'symbol' || typeof copied === 'bigint')
      throw new RefusedField(key);
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true });
    else copy[key] = copied;
  }
  return copy;
}

function copyNested(value: object, key: string, depth: number): unknown {
  if (depth >= MAX_DEPTH) throw new RefusedField(key);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value))
    return value.map((item: unknown) =>
      typeof item === 'object' && item !== null ? copyNested(item, key, depth + 1) : item,
    );
  if (!isPlainObject(value)) throw new RefusedField(key);
  return copyRecord(value, depth + 1);
}
