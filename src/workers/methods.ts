/**
 * The recording methods a worker forwards: the one list `connectMonitoring()` builds its recorder
 * from and the primary replays. A new recording method of `MonitoringService` that takes one
 * argument of plain data needs only its name added here (test/workers/methods.test.ts fails until
 * every public method of the service is either here or in {@link NOT_FORWARDED}). The position in
 * the list is not the wire format: a worker sends its list in its hello, so a worker and a primary
 * of different versions still agree on names.
 */
export const FORWARDED_METHODS = [
  'recordTradingSignal',
  'recordExecutedTrade',
  'updatePortfolioMetrics',
  'updateTradingPerformance',
  'recordClosedTrade',
  'heartbeat',
  'recordPrediction',
  'recordOutcome',
  'recordLearningStep',
  'recordFeature',
  'updateModelPerformance',
  'updateCalibrationMetrics',
  'updateOnlineLearningMetrics',
  'setApiQuotaRemaining',
  'updateDbPool',
  'recordOrder',
  'recordOrderUpdate',
  'recordFill',
  'updatePositions',
  'updateBalances',
  // These two run the caller's function in the worker and forward one record of the finished call
  // (src/workers/tracked.ts), which the primary records through its domain's recordTimed.
  'trackApiRequest',
  'trackDbQuery',
] as const;

/**
 * Forwarded methods whose domain reads no clock: a worker skips taking the time of their calls
 * (`Date.now()` is a third of the cost of a forwarded signal). Every other forwarded call carries
 * the time it was made at, which the primary's domains take as now; a method missing here is only
 * a little slower, one listed wrongly would be recorded at its arrival time.
 */
export const CLOCK_FREE_METHODS: ReadonlySet<string> = new Set([
  'recordTradingSignal',
  'recordExecutedTrade',
  'updateTradingPerformance',
  'recordLearningStep',
  'recordFeature',
  'updateModelPerformance',
  'updateCalibrationMetrics',
  'updateOnlineLearningMetrics',
  'setApiQuotaRemaining',
  'updateDbPool',
  'updatePositions',
  'updateBalances',
  'trackDbQuery',
]);

/** A method a worker's recorder forwards. */
export type ForwardedMethod = (typeof FORWARDED_METHODS)[number];

/**
 * The recording methods of `MonitoringService` a worker does not forward, and why. Every method
 * whose name starts like a recording one (record, update, track, set, restore, observe, heartbeat)
 * is in one of the two lists.
 */
export const NOT_FORWARDED: Readonly<Record<string, string>> = Object.freeze({
  restoreHistory: 'returns what it applied, synchronously: call it in the primary, before the workers record',
  observePgPool: 'reads a pg.Pool at each collection: observe the pool in the process that owns it',
});
