/**
 * `@evil2root/monitoring/analytics`: the pure analytics behind the SDK's computed metrics, for
 * backtests and notebooks. No OpenTelemetry, no I/O. Return statistics follow empyrical
 * (`periodsPerYear` defaults to 252 here, as there; VaR, CVaR, tail and Omega ratios too),
 * skewness and kurtosis pandas (as quantstats), the SQN freqtrade; calibration follows sklearn;
 * the drift detectors follow river. Execution: VWAP, slippage (basis points, positive adverse),
 * fill ratio, exposure and unrealized PnL of positions.
 */
export * from './trading/index.ts';
export * from './models/index.ts';
export * from './execution/index.ts';
export {
  StateMismatchError,
  StateReader,
  StateSettingsError,
  saveNumber,
  saveNumbers,
  type SavedNumber,
} from './state.ts';
