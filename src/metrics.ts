/**
 * The metric contract: every domain metric's Prometheus name, type, labels, unit and meaning,
 * declared once. Domains create their instruments from these definitions; the README table and
 * the tests read the same list.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type MetricGroup = 'trading' | 'models' | 'api' | 'db' | 'self';

export interface MetricDefinition {
  /** Name as scraped from the Prometheus endpoint (counters end in `_total`). */
  readonly name: string;
  readonly type: MetricType;
  readonly group: MetricGroup;
  readonly description: string;
  /** UCUM unit handed to OpenTelemetry ('' when dimensionless or a currency). */
  readonly unit: string;
  readonly labels: readonly string[];
  /** Explicit upper bucket bounds, histograms only. */
  readonly buckets?: readonly number[];
}

/** The OpenTelemetry instrument name: the Prometheus name without the `_total` the exporter appends. */
export function otelName(def: MetricDefinition): string {
  return def.type === 'counter' ? def.name.replace(/_total$/, '') : def.name;
}

/** Upper bounds for signal confidence, 0.1 to 1.0 as in the Python module. */
export const CONFIDENCE_BUCKETS: readonly number[] = Object.freeze([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);

/** Upper bounds in seconds for API and database latency: 1 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const MODEL_LABELS = ['model_name', 'timeframe', 'symbol'] as const;

function def(d: MetricDefinition): MetricDefinition {
  return Object.freeze({ ...d, labels: Object.freeze([...d.labels]) });
}

function gauge(group: MetricGroup, name: string, description: string, labels: readonly string[] = [], unit = ''): MetricDefinition {
  return def({ name, type: 'gauge', group, description, unit, labels });
}

export const METRICS = Object.freeze({
  tradingSignals: def({
    name: 'trading_signals_total', type: 'counter', group: 'trading', unit: '{signal}',
    description: 'Trading signals emitted by the bot\'s models.',
    labels: ['symbol', 'direction', 'model_type'],
  }),
  tradingSignalConfidence: def({
    name: 'trading_signal_confidence', type: 'histogram', group: 'trading', unit: '',
    description: 'Confidence level (0 to 1) of emitted trading signals.',
    labels: ['symbol', 'direction', 'model_type'], buckets: CONFIDENCE_BUCKETS,
  }),
  executedTrades: def({
    name: 'executed_trades_total', type: 'counter', group: 'trading', unit: '{trade}',
    description: 'Trades sent for execution, by outcome (status success or failed).',
    labels: ['symbol', 'direction', 'status'],
  }),
  openPositions: gauge('trading', 'open_positions', 'Open positions per symbol and direction, from the latest portfolio update.', ['symbol', 'direction']),
  portfolioValue: gauge('trading', 'portfolio_value', 'Total portfolio value (mark-to-market equity) in account currency.'),
  balance: gauge('trading', 'balance', 'Free balance in account currency.'),
  winRate: gauge('trading', 'win_rate', 'Winning trades divided by closed trades (0 to 1).'),
  profitFactor: gauge('trading', 'profit_factor', 'Gross profit divided by gross loss.'),
  averageWin: gauge('trading', 'average_win', 'Average profit of a winning trade, in account currency.'),
  averageLoss: gauge('trading', 'average_loss', 'Average loss of a losing trade, as a positive amount in account currency.'),
  maxDrawdown: gauge('trading', 'max_drawdown', 'Maximum drawdown as a positive fraction of the running peak (0.1 = 10 %).'),
  sharpeRatio: gauge('trading', 'sharpe_ratio', 'Annualized Sharpe ratio.'),
  sortinoRatio: gauge('trading', 'sortino_ratio', 'Annualized Sortino ratio.'),
  calmarRatio: gauge('trading', 'calmar_ratio', 'Calmar ratio: annual return divided by maximum drawdown.'),

  modelAccuracy: gauge('models', 'model_accuracy', 'Model accuracy (0 to 1).', MODEL_LABELS),
  modelPrecision: gauge('models', 'model_precision', 'Model precision (0 to 1).', MODEL_LABELS),
  modelRecall: gauge('models', 'model_recall', 'Model recall (0 to 1).', MODEL_LABELS),
  modelF1Score: gauge('models', 'model_f1_score', 'Model F1 score (0 to 1).', MODEL_LABELS),
  modelRmse: gauge('models', 'model_rmse', 'Root mean squared error of a regression model.', MODEL_LABELS),
  modelMae: gauge('models', 'model_mae', 'Mean absolute error of a regression model.', MODEL_LABELS),
  calibrationError: gauge('models', 'calibration_error', 'Expected calibration error (ECE, 0 to 1).', MODEL_LABELS),
  calibrationReliability: gauge('models', 'calibration_reliability', 'Observed frequency of the positive outcome per confidence bin.', [...MODEL_LABELS, 'bin']),
  driftDetection: gauge('models', 'drift_detection', 'Drift score of the model\'s inputs or errors (1 = detection threshold).', MODEL_LABELS),
  memoryBufferSize: gauge('models', 'memory_buffer_size', 'Samples held in the online learner\'s replay memory.', MODEL_LABELS),
  onlineLearningLoss: gauge('models', 'online_learning_loss', 'Latest training loss of the online learner.', MODEL_LABELS),

  apiRequests: def({
    name: 'api_requests_total', type: 'counter', group: 'api', unit: '{request}',
    description: 'Outgoing API requests by endpoint, method and HTTP status code ("error" when no response).',
    labels: ['endpoint', 'method', 'status_code'],
  }),
  apiLatency: def({
    name: 'api_latency_seconds', type: 'histogram', group: 'api', unit: 's',
    description: 'Latency of outgoing API requests.', labels: ['endpoint', 'method'], buckets: LATENCY_BUCKETS,
  }),
  apiQuotaRemaining: gauge('api', 'api_quota_remaining', 'Requests left in the current rate-limit window of an API.', ['api']),
  apiErrors: def({
    name: 'api_errors_total', type: 'counter', group: 'api', unit: '{error}',
    description: 'Failed API requests: a thrown error (its code or name) or an HTTP status >= 400 (error_type http_NNN).',
    labels: ['endpoint', 'method', 'error_type'],
  }),

  dbQueryDuration: def({
    name: 'db_query_duration_seconds', type: 'histogram', group: 'db', unit: 's',
    description: 'Duration of database queries.', labels: ['operation'], buckets: LATENCY_BUCKETS,
  }),
  dbOperations: def({
    name: 'db_operations_total', type: 'counter', group: 'db', unit: '{operation}',
    description: 'Database operations by outcome (status success or error).', labels: ['operation', 'status'],
  }),
  dbPoolSize: gauge('db', 'db_connection_pool_size', 'Connections in the database pool.', ['pool'], '{connection}'),
  dbConnectionsActive: gauge('db', 'db_connections_active', 'Connections of the pool in use.', ['pool'], '{connection}'),

  invalidInputs: def({
    name: 'monitoring_invalid_inputs_total', type: 'counter', group: 'self', unit: '{call}',
    description: 'Recording calls dropped because of invalid input, by method and reason.', labels: ['method', 'reason'],
  }),
  seriesOverflow: def({
    name: 'monitoring_series_overflow_total', type: 'counter', group: 'self', unit: '{measurement}',
    description: 'Measurements folded into the otel_metric_overflow="true" series because a metric reached maxSeriesPerMetric label sets.',
    labels: ['metric'],
  }),
  exportFailures: def({
    name: 'monitoring_export_failures_total', type: 'counter', group: 'self', unit: '{export}',
    description: 'Exports that failed, by exporter (file or otlp) and reason; the next interval retries with cumulative data.',
    labels: ['exporter', 'reason'],
  }),
} satisfies Record<string, MetricDefinition>);

export type MetricKey = keyof typeof METRICS;

/** Every domain metric of the contract, in table order. */
export const METRIC_LIST: readonly MetricDefinition[] = Object.freeze(Object.values(METRICS));
