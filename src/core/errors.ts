import type { InvalidReason } from '../contract/invalid-reasons.ts';

// The package ships an ES module build and a CommonJS build; an application that loads both (an
// `import` in one file, a `require` in a dependency) gets two copies of each class, and a plain
// `instanceof` would fail across them. As in undici (lib/core/errors.js), each class therefore
// carries a brand registered with `Symbol.for` (one symbol per process, shared by both copies) on
// its prototype, and its `Symbol.hasInstance` checks the brand instead of the prototype chain.

const INPUT_BRAND = Symbol.for('@evil2root/monitoring.error.input');
const CONFIG_BRAND = Symbol.for('@evil2root/monitoring.error.config');
const STATE_BRAND = Symbol.for('@evil2root/monitoring.error.state');

/** The stable `code` of each error class of the package, to compare `error.code` against. */
export const ERROR_CODES = Object.freeze({
  /** {@link MonitoringInputError}: invalid input to a recording method in `strict` mode. */
  ERR_MONITORING_INPUT: 'ERR_MONITORING_INPUT',
  /** {@link MonitoringConfigError}: invalid options, or an environment that cannot honour them. */
  ERR_MONITORING_CONFIG: 'ERR_MONITORING_CONFIG',
  /** {@link MonitoringStateError}: the service used in a state that does not allow it. */
  ERR_MONITORING_STATE: 'ERR_MONITORING_STATE',
} as const);

/** One of the values of {@link ERROR_CODES}. */
export type MonitoringErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Whether `value` is an object carrying `brand`, whichever copy of the package created it. */
function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * The `instanceof` of a branded class: for the class itself, the brand (so an error of the other
 * build's copy matches); for a subclass someone derives from it, which inherits this static method,
 * the ordinary prototype-chain check, so the subclass does not match every instance of its base.
 */
/** Any class: what `instanceof` and `prototype` need of one. */
type AnyClass = abstract new (...args: never[]) => unknown;

function brandedHasInstance(self: AnyClass, base: AnyClass, brand: symbol, instance: unknown): boolean {
  if (self !== base) return Function.prototype[Symbol.hasInstance].call(self, instance);
  return hasBrand(instance, brand);
}

/** Marks every instance of `cls` (and of its subclasses) with `brand`, without an own property. */
function setBrand(cls: AnyClass, brand: symbol): void {
  Object.defineProperty(cls.prototype, brand, { value: true, enumerable: false, writable: false, configurable: false });
}

/**
 * Thrown by a recording method in `strict` mode when its input is invalid; otherwise the call is
 * dropped and counted in `monitoring_invalid_inputs_total{method,reason}`.
 *
 * `instanceof MonitoringInputError` also holds for one thrown by the other build (ESM or CommonJS)
 * of the package; `code` is always `'ERR_MONITORING_INPUT'`.
 */
export class MonitoringInputError extends Error {
  /** Always `'MonitoringInputError'`. */
  override readonly name = 'MonitoringInputError';
  /** Stable error code, `'ERR_MONITORING_INPUT'`. */
  readonly code = ERROR_CODES.ERR_MONITORING_INPUT;
  /** The public method that rejected the input, e.g. `recordTradingSignal`. */
  readonly method: string;
  /** The value of the `reason` label of `monitoring_invalid_inputs_total`. */
  readonly reason: InvalidReason;
  /** The offending field, e.g. `confidenceLevel`. */
  readonly field: string;

  /**
   * An input error; the message is `<method>: <detail>`.
   * @param method the public method that rejected the input
   * @param reason why, as counted in `monitoring_invalid_inputs_total`
   * @param field the offending field
   * @param detail what was wrong, appended to the message after `method: `
   */
  constructor(method: string, reason: InvalidReason, field: string, detail: string) {
    super(`${method}: ${detail}`);
    this.method = method;
    this.reason = reason;
    this.field = field;
  }

  /** True for a MonitoringInputError of either build of the package (see the class comment). */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return brandedHasInstance(this, MonitoringInputError, INPUT_BRAND, instance);
  }
}
setBrand(MonitoringInputError, INPUT_BRAND);

/**
 * Invalid options, or an environment that cannot honour them (port in use, unwritable directory):
 * `initEnhancedMonitoring` rejects with it.
 *
 * `instanceof MonitoringConfigError` also holds for one thrown by the other build (ESM or CommonJS)
 * of the package; `code` is always `'ERR_MONITORING_CONFIG'`.
 */
export class MonitoringConfigError extends Error {
  /** Always `'MonitoringConfigError'`. */
  override readonly name = 'MonitoringConfigError';
  /** Stable error code, `'ERR_MONITORING_CONFIG'`. */
  readonly code = ERROR_CODES.ERR_MONITORING_CONFIG;
  /** The option at fault (or the environment variable), when one is. */
  readonly option: string | undefined;

  /**
   * A configuration error; `option` names what is at fault.
   * @param message what is wrong
   * @param option the option or environment variable at fault, if any
   * @param options `cause`: the underlying error, e.g. the `EADDRINUSE` of the listen
   */
  constructor(message: string, option?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.option = option;
  }

  /** True for a MonitoringConfigError of either build of the package (see the class comment). */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return brandedHasInstance(this, MonitoringConfigError, CONFIG_BRAND, instance);
  }
}
setBrand(MonitoringConfigError, CONFIG_BRAND);

/**
 * The service is used in a state that does not allow it: before init, or a second init while one
 * runs.
 *
 * `instanceof MonitoringStateError` also holds for one thrown by the other build (ESM or CommonJS)
 * of the package; `code` is always `'ERR_MONITORING_STATE'`.
 */
export class MonitoringStateError extends Error {
  /** Always `'MonitoringStateError'`. */
  override readonly name = 'MonitoringStateError';
  /** Stable error code, `'ERR_MONITORING_STATE'`. */
  readonly code = ERROR_CODES.ERR_MONITORING_STATE;

  /** True for a MonitoringStateError of either build of the package (see the class comment). */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return brandedHasInstance(this, MonitoringStateError, STATE_BRAND, instance);
  }
}
setBrand(MonitoringStateError, STATE_BRAND);
