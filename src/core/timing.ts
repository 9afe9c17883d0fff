/** How a tracked call ended. */
export interface CallOutcome {
  readonly seconds: number;
  /** What fn returned or resolved to (undefined when it failed). */
  readonly value: unknown;
  /** What fn threw or rejected with. */
  readonly error: unknown;
  readonly failed: boolean;
}

/**
 * Runs `fn(context)` and reports its duration and outcome to `done`, for a synchronous fn
 * synchronously and for one that returns a thenable when it settles. The caller gets fn's value
 * or error unchanged: a value that is not a thenable as it is, a thenable's result through a native
 * Promise (what the `Tracked` type promises). A thenable's `then` is read once and called once, as
 * `await` would: a lazy thenable (a query builder that runs on `then`) runs once, not once for us
 * and again for the caller. When reading `then` throws, the value is returned as it is and
 * `unreadable` is told (fn's value cannot be classified, so nothing is recorded). `done` and
 * `unreadable` must not throw.
 */
export function runTimed<C, T>(
  context: C,
  fn: (context: C) => T,
  done: (context: C, outcome: CallOutcome) => void,
  unreadable: (error: unknown) => void,
): T {
  const start = performance.now();
  let result: T;
  try {
    result = fn(context);
  } catch (error) {
    done(context, { seconds: (performance.now() - start) / 1000, value: undefined, error, failed: true });
    throw error;
  }
  let then: unknown;
  if ((typeof result === 'object' && result !== null) || typeof result === 'function') {
    try {
      then = (result as { then?: unknown }).then;
    } catch (error) {
      unreadable(error);
      return result;
    }
  }
  if (typeof then !== 'function') {
    done(context, { seconds: (performance.now() - start) / 1000, value: result, error: undefined, failed: false });
    return result;
  }
  // The executor catches a synchronous throw of `then` as a rejection, as the spec's thenable job does.
  return new Promise<unknown>((resolve, reject) => {
    (then as (onFulfilled: (value: unknown) => void, onRejected: (reason: unknown) => void) => unknown).call(
      result,
      resolve,
      reject,
    );
  }).then(
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
