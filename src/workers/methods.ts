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
] as const;

/** A method a worker's recorder forwards. */
export type ForwardedMethod = (typeof FORWARDED_METHODS)[number];

/**
 * The public members of `MonitoringService` a worker does not forward, and why: lifecycle, HTTP,
 * exporters, and the calls whose answer or callback cannot cross a thread.
 */
export const NOT_FORWARDED: Readonly<Record<string, string>> = Object.freeze({
  constructor: 'not a method',
  start: 'lifecycle',
  shutdown: 'lifecycle',
  metricsUrl: 'HTTP',
  port: 'HTTP',
  dashboardUrl: 'HTTP',
  metricsText: 'exporters',
  metricsHandler: 'HTTP',
  expressMiddleware: 'HTTP',
  fastifyPlugin: 'HTTP',
  httpHandler: 'HTTP',
  exportSnapshot: 'exporters',
  sampleDashboardHistory: 'internal',
  dashboardHistoryUsage: 'internal',
  flushModelMetrics: 'lifecycle: publishes the primary now',
  observePgPool: 'reads a pg.Pool object at each collection: observe the pool in the process that owns it',
  restoreHistory: 'returns what it applied, synchronously: call it in the primary',
  trackApiRequest: 'runs and times the caller function: timed in the worker, see the recorder',
  trackDbQuery: 'runs and times the caller function: timed in the worker, see the recorder',
  replayForwarded: 'internal: how the primary applies forwarded calls',
  unstarted: 'internal: the strict-mode validator of a worker',
});
