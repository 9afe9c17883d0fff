/** How a tracked call ended. */
export interface CallOutcome {
  readonly seconds: number;
  /** What fn returned or resolved to (undefined when it failed). */
  readonly value: unknown;
  /** What fn threw or rejected with. */
  readonly error: unknown;
  readonly failed: boolean;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Runs `fn(context)` and reports its duration and outcome to `done`, for a synchronous fn
 * synchronously and for one that returns a promise when it settles. The caller gets fn's value
 * or error unchanged; `done` must not throw.
 */
export function runTimed<C, T>(context: C, fn: (context: C) => T, done: (context: C, outcome: CallOutcome) => void): T {
  const start = performance.now();
  let result: T;
  try {
    result = fn(context);
  } catch (error) {
    done(context, { seconds: (performance.now() - start) / 1000, value: undefined, error, failed: true });
    throw error;
  }
  if (!isPromiseLike(result)) {
    done(context, { seconds: (performance.now() - start) / 1000, value: result, error: undefined, failed: false });
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      done(context, { seconds: (performance.now() - start) / 1000, value, error: undefined, failed: false });
      return value;
    },
    (error: unknown) => {
      done(context, { seconds: (performance.now() - start) / 1000, value: undefined, error, failed: true });
      throw error;
    },
  ) as T;
}
