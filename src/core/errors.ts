import type { InvalidReason } from '../domains/input.ts';

/** Thrown by a recording method in `strict` mode when its input is invalid; otherwise the call is dropped and counted. */
export class MonitoringInputError extends Error {
  override readonly name = 'MonitoringInputError';
  /** The public method that rejected the input, e.g. `recordTradingSignal`. */
  readonly method: string;
  /** The value of the `reason` label of `monitoring_invalid_inputs_total`. */
  readonly reason: InvalidReason;
  /** The offending field, e.g. `confidenceLevel`. */
  readonly field: string;

  constructor(method: string, reason: InvalidReason, field: string, detail: string) {
    super(`${method}: ${detail}`);
    this.method = method;
    this.reason = reason;
    this.field = field;
  }
}

/** Invalid options, or an environment that cannot honour them (port in use, unwritable directory): `initEnhancedMonitoring` rejects with it. */
export class MonitoringConfigError extends Error {
  override readonly name = 'MonitoringConfigError';
  /** The option at fault, when one is. */
  readonly option: string | undefined;

  constructor(message: string, option?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.option = option;
  }
}

/** The service is used in a state that does not allow it: before init, or a second init while one runs. */
export class MonitoringStateError extends Error {
  override readonly name = 'MonitoringStateError';
}
