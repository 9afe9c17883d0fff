/**
 * The metric contract: every domain metric's Prometheus name, type, labels, unit and meaning,
 * declared once. Domains create their instruments from these definitions; the table of docs/metrics.md and
 * the tests read the same list.
 */

/** Prometheus type of a metric: `counter` (monotonic, name ending in `_total`), `gauge`, or `histogram` (explicit buckets). */
export type MetricType = 'counter' | 'gauge' | 'histogram';
/** Which part of the SDK records a metric: a domain (`trading`, `execution`, `models`, `api`, `db`), or `self` for the SDK's own health. */
export type MetricGroup = 'trading' | 'execution' | 'models' | 'api' | 'db' | 'self';

/** One metric of the contract: how it appears on the scrape, in OTLP and in the table of docs/metrics.md. */
export interface MetricDefinition {
  /** Name as scraped from the Prometheus endpoint (counters end in `_total`). */
  readonly name: string;
  /** The metric's Prometheus type. */
  readonly type: MetricType;
  /** The part of the SDK that records it, and its section of the table in docs/metrics.md. */
  readonly group: MetricGroup;
  /** What it measures: the `# HELP` text of the scrape and the OpenTelemetry description. */
  readonly description: string;
  /** UCUM unit handed to OpenTelemetry ('' when dimensionless or a currency). */
  readonly unit: string;
  /** Label names of its series (empty for a metric without labels); histograms add `le` on the scrape. */
  readonly labels: readonly string[];
  /** Explicit upper bucket bounds, histograms only. */
  readonly buckets?: readonly number[];
  /**
   * Describes this process, not the bot's history: restarts with the process and is not kept in the
   * durable state (`self` metrics always are).
   */
  readonly processScoped?: boolean;
}

/** True for the metrics the durable state keeps across restarts: every metric but the process-scoped ones. */
export function isDurable(def: MetricDefinition): boolean {
  return def.group !== 'self' && def.processScoped !== true;
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
const TRADE_STAT_LABELS = ['symbol', 'window'] as const;

/** Upper bounds in seconds for trade holding times: 1 minute to 30 days. */
export const HOLDING_BUCKETS: readonly number[] = Object.freeze([
  60,
  300,
  900,
  1800,
  3600,
  4 * 3600,
  12 * 3600,
  86400,
  3 * 86400,
  7 * 86400,
  30 * 86400,
]);

/** Upper bounds in seconds for order latencies (signal to submit, submit to ack, to first fill, to complete fill): 1 ms to 5 min. */
export const ORDER_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
]);

/** Upper bounds in basis points for order slippage (positive adverse): -100 to 250 bps, finer near 0. */
export const SLIPPAGE_BUCKETS: readonly number[] = Object.freeze([
  -100, -50, -25, -10, -5, -2.5, -1, 0, 1, 2.5, 5, 10, 25, 50, 100, 250,
]);

/** Upper bounds for the fill ratio of completed orders: 0 (nothing filled) to 1 (filled), above 1 an overfill. */
export const FILL_RATIO_BUCKETS: readonly number[] = Object.freeze([0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]);

const STRATEGY_STAT_LABELS = ['strategy', 'window'] as const;

function def(d: MetricDefinition): MetricDefinition {
  return Object.freeze({ ...d, labels: Object.freeze([...d.labels]) });
}

function gauge(
  group: MetricGroup,
  name: string,
  description: string,
  labels: readonly string[] = [],
  unit = '',
  processScoped = false,
): MetricDefinition {
  return def({ name, type: 'gauge', group, description, unit, labels, ...(processScoped ? { processScoped } : {}) });
}

/** Every domain metric of the contract, by camelCase key (`METRICS.tradingSignals.name` is `'trading_signals_total'`). */
export const METRICS = Object.freeze({
  tradingSignals: def({
    name: 'trading_signals_total',
    type: 'counter',
    group: 'trading',
    unit: '{signal}',
    description: "Trading signals emitted by the bot's models.",
    labels: ['symbol', 'direction', 'model_type'],
  }),
  tradingSignalConfidence: def({
    name: 'trading_signal_confidence',
    type: 'histogram',
    group: 'trading',
    unit: '',
    description: 'Confidence level (0 to 1) of emitted trading signals.',
    labels: ['symbol', 'direction', 'model_type'],
    buckets: CONFIDENCE_BUCKETS,
  }),
  executedTrades: def({
    name: 'executed_trades_total',
    type: 'counter',
    group: 'trading',
    unit: '{trade}',
    description: 'Trades sent for execution, by outcome (status success or failed).',
    labels: ['symbol', 'direction', 'status'],
  }),
  openPositions: gauge(
    'trading',
    'open_positions',
    'Open positions per symbol and direction, from the latest portfolio update.',
    ['symbol', 'direction'],
  ),
  portfolioValue: gauge(
    'trading',
    'portfolio_value',
    'Total portfolio value (mark-to-market equity) in account currency.',
  ),
  balance: gauge('trading', 'balance', 'Free balance in account currency.'),
  winRate: gauge(
    'trading',
    'win_rate',
    'Winning trades divided by closed trades (0 to 1; a break-even trade counts as configured by draws), per symbol ("all" for every trade) and window (lifetime, or the last tradeWindow trades).',
    TRADE_STAT_LABELS,
  ),
  profitFactor: gauge(
    'trading',
    'profit_factor',
    'Gross profit divided by gross loss; absent while there is no losing trade.',
    TRADE_STAT_LABELS,
  ),
  averageWin: gauge(
    'trading',
    'average_win',
    'Average net profit of a winning trade, in account currency.',
    TRADE_STAT_LABELS,
  ),
  averageLoss: gauge(
    'trading',
    'average_loss',
    'Average net loss of a losing trade, as a positive amount in account currency.',
    TRADE_STAT_LABELS,
  ),
  expectancy: gauge(
    'trading',
    'expectancy',
    'Average net profit per closed trade (wins, losses and draws), in account currency.',
    TRADE_STAT_LABELS,
  ),
  realizedPnl: gauge(
    'trading',
    'realized_pnl',
    'Cumulative net profit of closed trades (after fees), in account currency.',
    ['symbol'],
  ),
  tradesClosed: def({
    name: 'trades_closed_total',
    type: 'counter',
    group: 'trading',
    unit: '{trade}',
    description: 'Closed trades by outcome: win (net pnl > 0), loss (< 0) or draw (exactly 0).',
    labels: ['symbol', 'direction', 'outcome'],
  }),
  tradeDuration: def({
    name: 'trade_duration_seconds',
    type: 'histogram',
    group: 'trading',
    unit: 's',
    description: 'Holding time of closed trades, from openedAt to closedAt.',
    labels: ['symbol', 'direction'],
    buckets: HOLDING_BUCKETS,
  }),
  drawdown: gauge(
    'trading',
    'drawdown',
    'Current drawdown as a positive fraction of the running peak, of equity (portfolioValue) or realized (startingBalance + closed-trade pnl).',
    ['basis'],
  ),
  maxDrawdown: gauge(
    'trading',
    'max_drawdown',
    'Maximum drawdown as a positive fraction of the running peak (0.1 = 10 %), by basis equity or realized.',
    ['basis'],
  ),
  maxDrawdownAbs: gauge(
    'trading',
    'max_drawdown_abs',
    'Maximum drawdown in account currency, by basis equity or realized.',
    ['basis'],
  ),
  sharpeRatio: gauge(
    'trading',
    'sharpe_ratio',
    'Annualized Sharpe ratio of equity returns per returnsInterval, lifetime or over the last returnsWindow intervals.',
    ['window'],
  ),
  sortinoRatio: gauge(
    'trading',
    'sortino_ratio',
    'Annualized Sortino ratio of equity returns; absent while no return is below the required return.',
    ['window'],
  ),
  calmarRatio: gauge(
    'trading',
    'calmar_ratio',
    'Calmar ratio: annual return divided by the maximum drawdown of the sampled equity.',
    ['window'],
  ),
  annualReturn: gauge(
    'trading',
    'annual_return',
    'Compound annual return of equity, from returns per returnsInterval.',
    ['window'],
  ),
  annualVolatility: gauge('trading', 'annual_volatility', 'Annualized standard deviation of equity returns.', [
    'window',
  ]),
  maxConsecutiveWins: gauge(
    'trading',
    'max_consecutive_wins',
    'Longest run of consecutive winning trades (a draw or a loss ends it), per symbol and window.',
    TRADE_STAT_LABELS,
  ),
  maxConsecutiveLosses: gauge(
    'trading',
    'max_consecutive_losses',
    'Longest run of consecutive losing trades (a draw or a win ends it), per symbol and window.',
    TRADE_STAT_LABELS,
  ),
  currentStreak: gauge(
    'trading',
    'current_streak',
    'Run of the last closed trades, signed: +3 after three wins in a row, -2 after two losses, 0 after a draw.',
    ['symbol'],
  ),
  largestWin: gauge(
    'trading',
    'largest_win',
    'Largest net profit of a single trade, in account currency.',
    TRADE_STAT_LABELS,
  ),
  largestLoss: gauge(
    'trading',
    'largest_loss',
    'Largest net loss of a single trade, as a positive amount in account currency.',
    TRADE_STAT_LABELS,
  ),
  payoffRatio: gauge(
    'trading',
    'payoff_ratio',
    'Average win divided by average loss; absent without a win or a loss.',
    TRADE_STAT_LABELS,
  ),
  sqn: gauge(
    'trading',
    'sqn',
    "System quality number (freqtrade's): sqrt(trades) * mean / standard deviation of the net trade results.",
    TRADE_STAT_LABELS,
  ),
  grossProfit: gauge(
    'trading',
    'gross_profit',
    'Sum of the net profits of winning trades, in account currency.',
    TRADE_STAT_LABELS,
  ),
  grossLoss: gauge(
    'trading',
    'gross_loss',
    'Sum of the net losses of losing trades, as a positive amount in account currency.',
    TRADE_STAT_LABELS,
  ),
  feesTotal: gauge(
    'trading',
    'trade_fees',
    'Fees paid on closed trades, in account currency (a gauge: not named fees_total, which Prometheus keeps for counters).',
    TRADE_STAT_LABELS,
  ),
  averageHolding: gauge(
    'trading',
    'average_holding_seconds',
    'Average holding time (openedAt to closedAt) of winning or losing trades, by outcome.',
    ['symbol', 'window', 'outcome'],
    's',
  ),
  realizedPnlPeriod: gauge(
    'trading',
    'realized_pnl_period',
    'Net profit of the trades closed in the current day, ISO week (from Monday) or calendar month, by period (UTC, or the timeZone option).',
    ['period'],
  ),
  drawdownDuration: gauge(
    'trading',
    'drawdown_duration_seconds',
    'Time from the running peak to the latest value (0 at a peak): the latest equity update, or the latest closed trade for basis realized.',
    ['basis'],
    's',
  ),
  maxDrawdownDuration: gauge(
    'trading',
    'max_drawdown_duration_seconds',
    'Longest time from a running peak to a value below it or back at it, the current stretch included, by basis equity or realized.',
    ['basis'],
    's',
  ),
  recoveryFactor: gauge(
    'trading',
    'recovery_factor',
    'Net profit divided by the maximum drawdown in currency, by basis equity or realized.',
    ['basis'],
  ),
  valueAtRisk: gauge(
    'trading',
    'value_at_risk',
    'Historical value at risk: the (1 - varConfidence) percentile of the equity returns, usually negative (empyrical).',
    ['window'],
  ),
  conditionalValueAtRisk: gauge(
    'trading',
    'conditional_value_at_risk',
    'Expected shortfall: mean of the returns at or below the value at risk (empyrical).',
    ['window'],
  ),
  tailRatio: gauge(
    'trading',
    'tail_ratio',
    'Absolute 95th percentile of the equity returns divided by the absolute 5th percentile (empyrical).',
    ['window'],
  ),
  omegaRatio: gauge(
    'trading',
    'omega_ratio',
    'Sum of the returns above the required return divided by the sum of the shortfalls below it (empyrical).',
    ['window'],
  ),
  returnSkewness: gauge(
    'trading',
    'return_skewness',
    'Sample skewness (adjusted Fisher-Pearson, as pandas) of the equity returns.',
    ['window'],
  ),
  returnKurtosis: gauge(
    'trading',
    'return_kurtosis',
    'Sample excess kurtosis (adjusted Fisher-Pearson, as pandas; 0 for a normal distribution) of the equity returns.',
    ['window'],
  ),
  heartbeat: gauge(
    'trading',
    'bot_heartbeat_timestamp_seconds',
    "Unix time of the last heartbeat of a bot loop; time() minus it is the loop's silence.",
    ['loop'],
    's',
  ),

  orderEvents: def({
    name: 'order_events_total',
    type: 'counter',
    group: 'execution',
    unit: '{order}',
    description:
      'Orders reaching each stage of their lifecycle (event submitted, accepted, partially_filled, filled, cancelled, rejected, expired), once per order and stage.',
    labels: ['symbol', 'side', 'venue', 'strategy', 'event'],
  }),
  orderRejections: def({
    name: 'order_rejections_total',
    type: 'counter',
    group: 'execution',
    unit: '{order}',
    description: "Rejected orders by venue and the venue's reason (at most 50 reasons; further ones count as other).",
    labels: ['venue', 'reason'],
  }),
  orderLatency: def({
    name: 'order_latency_seconds',
    type: 'histogram',
    group: 'execution',
    unit: 's',
    description:
      'Order latency by stage: signal_to_submit (when signalTime is given), submit_to_ack, submit_to_first_fill, submit_to_fill (complete).',
    labels: ['venue', 'stage'],
    buckets: ORDER_LATENCY_BUCKETS,
  }),
  orderSlippage: def({
    name: 'order_slippage_bps',
    type: 'histogram',
    group: 'execution',
    unit: '',
    description:
      'Slippage of each completed order with fills: (fill VWAP - expectedPrice) / expectedPrice x 10000, positive when adverse (a buy above, a sell below).',
    labels: ['symbol', 'side', 'venue', 'strategy'],
    buckets: SLIPPAGE_BUCKETS,
  }),
  orderFillRatio: def({
    name: 'order_fill_ratio',
    type: 'histogram',
    group: 'execution',
    unit: '',
    description: 'Filled quantity / ordered quantity of each order that ended filled, cancelled or expired.',
    labels: ['symbol', 'venue', 'strategy'],
    buckets: FILL_RATIO_BUCKETS,
  }),
  openOrders: gauge(
    'execution',
    'open_orders',
    'Orders submitted and not yet terminal (filled, cancelled, rejected, expired or evicted past maxOpenOrders).',
    ['symbol', 'venue'],
    '{order}',
    // Derived from the tracked orders, whose own saved state recounts it at a restart.
    true,
  ),
  orderTrackingErrors: def({
    name: 'order_tracking_errors_total',
    type: 'counter',
    group: 'execution',
    unit: '{event}',
    description:
      'Order events the SDK could not join: unknown_order (no such open order), after_terminal (after it was filled, cancelled, rejected or expired), duplicate_order, overfill (fills beyond the ordered quantity), evicted (past maxOpenOrders).',
    labels: ['reason'],
  }),
  tradedNotional: def({
    name: 'traded_notional_total',
    type: 'counter',
    group: 'execution',
    unit: '',
    description: 'Sum of price x quantity of fills, in quote currency.',
    labels: ['symbol', 'side', 'venue'],
  }),
  feesPaid: def({
    name: 'fees_paid_total',
    type: 'counter',
    group: 'execution',
    unit: '',
    description: 'Fees paid on fills (fee > 0), in feeAsset.',
    labels: ['venue', 'asset', 'liquidity'],
  }),
  feeRebates: def({
    name: 'fee_rebates_total',
    type: 'counter',
    group: 'execution',
    unit: '',
    description: 'Fee rebates received on fills (fee < 0), as a positive amount in feeAsset.',
    labels: ['venue', 'asset', 'liquidity'],
  }),
  positionQuantity: gauge(
    'execution',
    'position_quantity',
    'Signed position size (> 0 long, < 0 short) from the latest updatePositions; 0 once a position is gone.',
    ['symbol', 'venue'],
  ),
  positionNotional: gauge(
    'execution',
    'position_notional',
    'Signed position value, quantity x markPrice, from the latest updatePositions.',
    ['symbol', 'venue'],
  ),
  unrealizedPnl: gauge(
    'execution',
    'unrealized_pnl',
    '(markPrice - entryPrice) x quantity of open positions; symbol="all",venue="all" is the sum.',
    ['symbol', 'venue'],
  ),
  exposure: gauge(
    'execution',
    'exposure',
    'Exposure of the open positions at mark: kind gross (sum of |notional|), net (long - short), long, short (positive).',
    ['kind'],
  ),
  leverage: gauge(
    'execution',
    'leverage',
    'Gross exposure / portfolio_value; absent while portfolio_value is not positive.',
  ),
  assetBalance: gauge(
    'execution',
    'asset_balance',
    'Balance per venue and asset from the latest updateBalances: state free, locked, and value (in account currency, where given).',
    ['venue', 'asset', 'state'],
  ),
  strategySignals: def({
    name: 'strategy_signals_total',
    type: 'counter',
    group: 'execution',
    unit: '{signal}',
    description: 'Trading signals that named their strategy, per strategy and direction.',
    labels: ['strategy', 'direction'],
  }),
  strategyExecutedTrades: def({
    name: 'strategy_executed_trades_total',
    type: 'counter',
    group: 'execution',
    unit: '{trade}',
    description: 'Executed trades that named their strategy, per strategy and status (success or failed).',
    labels: ['strategy', 'status'],
  }),
  strategyTradesClosed: def({
    name: 'strategy_trades_closed_total',
    type: 'counter',
    group: 'execution',
    unit: '{trade}',
    description:
      'Closed trades per strategy ("unspecified" without one, "all" for every trade) and outcome (win, loss, draw).',
    labels: ['strategy', 'outcome'],
  }),
  strategyRealizedPnl: gauge(
    'execution',
    'strategy_realized_pnl',
    'Cumulative net profit of closed trades (after fees) per strategy ("all" for every trade), in account currency.',
    ['strategy'],
  ),
  strategyWinRate: gauge(
    'execution',
    'strategy_win_rate',
    'win_rate per strategy, lifetime or over the last tradeWindow trades.',
    STRATEGY_STAT_LABELS,
  ),
  strategyProfitFactor: gauge(
    'execution',
    'strategy_profit_factor',
    'profit_factor per strategy; absent while the strategy has no losing trade.',
    STRATEGY_STAT_LABELS,
  ),
  strategyExpectancy: gauge(
    'execution',
    'strategy_expectancy',
    'Average net profit per closed trade of a strategy, in account currency.',
    STRATEGY_STAT_LABELS,
  ),
  strategyPayoffRatio: gauge(
    'execution',
    'strategy_payoff_ratio',
    'payoff_ratio per strategy: average win divided by average loss; absent without a win or a loss.',
    STRATEGY_STAT_LABELS,
  ),
  strategySqn: gauge(
    'execution',
    'strategy_sqn',
    "sqn per strategy (freqtrade's): sqrt(trades) * mean / standard deviation of the net trade results.",
    STRATEGY_STAT_LABELS,
  ),
  strategyMaxConsecutiveWins: gauge(
    'execution',
    'strategy_max_consecutive_wins',
    'Longest run of consecutive winning trades of a strategy (a draw or a loss ends it).',
    STRATEGY_STAT_LABELS,
  ),
  strategyMaxConsecutiveLosses: gauge(
    'execution',
    'strategy_max_consecutive_losses',
    'Longest run of consecutive losing trades of a strategy (a draw or a win ends it).',
    STRATEGY_STAT_LABELS,
  ),
  strategyCurrentStreak: gauge(
    'execution',
    'strategy_current_streak',
    'Run of the last closed trades of a strategy, signed: +3 after three wins in a row, -2 after two losses, 0 after a draw.',
    ['strategy'],
  ),
  strategyLargestWin: gauge(
    'execution',
    'strategy_largest_win',
    'Largest net profit of a single trade of a strategy, in account currency.',
    STRATEGY_STAT_LABELS,
  ),
  strategyLargestLoss: gauge(
    'execution',
    'strategy_largest_loss',
    'Largest net loss of a single trade of a strategy, positive, in account currency.',
    STRATEGY_STAT_LABELS,
  ),
  strategyGrossProfit: gauge(
    'execution',
    'strategy_gross_profit',
    'Sum of the net profits of the winning trades of a strategy, in account currency.',
    STRATEGY_STAT_LABELS,
  ),
  strategyGrossLoss: gauge(
    'execution',
    'strategy_gross_loss',
    'Sum of the net losses of the losing trades of a strategy, positive, in account currency.',
    STRATEGY_STAT_LABELS,
  ),
  strategyFees: gauge(
    'execution',
    'strategy_trade_fees',
    'Fees paid on the closed trades of a strategy, in account currency.',
    STRATEGY_STAT_LABELS,
  ),

  modelAccuracy: gauge('models', 'model_accuracy', 'Model accuracy (0 to 1).', MODEL_LABELS),
  modelPrecision: gauge('models', 'model_precision', 'Model precision (0 to 1).', MODEL_LABELS),
  modelRecall: gauge('models', 'model_recall', 'Model recall (0 to 1).', MODEL_LABELS),
  modelF1Score: gauge('models', 'model_f1_score', 'Model F1 score (0 to 1).', MODEL_LABELS),
  modelRmse: gauge('models', 'model_rmse', 'Root mean squared error of a regression model.', MODEL_LABELS),
  modelMae: gauge('models', 'model_mae', 'Mean absolute error of a regression model.', MODEL_LABELS),
  calibrationError: gauge('models', 'calibration_error', 'Expected calibration error (ECE, 0 to 1).', MODEL_LABELS),
  calibrationReliability: gauge(
    'models',
    'calibration_reliability',
    'Observed frequency of the positive outcome per confidence bin.',
    [...MODEL_LABELS, 'bin'],
  ),
  driftDetection: gauge(
    'models',
    'drift_detection',
    "Drift score of the model's inputs or errors (1 = detection threshold).",
    MODEL_LABELS,
  ),
  memoryBufferSize: gauge(
    'models',
    'memory_buffer_size',
    "Samples held in the online learner's replay memory.",
    MODEL_LABELS,
  ),
  onlineLearningLoss: gauge(
    'models',
    'online_learning_loss',
    'Latest training loss of the online learner.',
    MODEL_LABELS,
  ),
  modelPredictions: def({
    name: 'model_predictions_total',
    type: 'counter',
    group: 'models',
    unit: '{prediction}',
    description: 'Predictions recorded with recordPrediction.',
    labels: MODEL_LABELS,
  }),
  modelOutcomes: def({
    name: 'model_outcomes_total',
    type: 'counter',
    group: 'models',
    unit: '{prediction}',
    description:
      'Predictions resolved with their actual value: result correct or incorrect for classifiers, scored for regressors.',
    labels: [...MODEL_LABELS, 'result'],
  }),
  modelPending: gauge(
    'models',
    'model_pending_predictions',
    'Predictions waiting for their outcome.',
    MODEL_LABELS,
    '{prediction}',
  ),
  modelJoinFailures: def({
    name: 'model_outcome_join_failures_total',
    type: 'counter',
    group: 'models',
    unit: '{prediction}',
    description:
      'Predictions never joined with an outcome (reason evicted past maxPending, or expired past outcomeTtlSeconds) and outcomes with no pending prediction (unknown_id).',
    labels: [...MODEL_LABELS, 'reason'],
  }),
  modelClassPrecision: gauge(
    'models',
    'model_class_precision',
    'Precision of one class over the last windowSize resolved predictions.',
    [...MODEL_LABELS, 'class'],
  ),
  modelClassRecall: gauge(
    'models',
    'model_class_recall',
    'Recall of one class over the last windowSize resolved predictions.',
    [...MODEL_LABELS, 'class'],
  ),
  modelClassF1Score: gauge(
    'models',
    'model_class_f1_score',
    'F1 score of one class over the last windowSize resolved predictions.',
    [...MODEL_LABELS, 'class'],
  ),
  modelDriftScore: gauge(
    'models',
    'model_drift_score',
    'Statistic of one drift detector on one stream (source error, or feature:<name>), scaled so that 1 is its detection threshold.',
    [...MODEL_LABELS, 'detector', 'source'],
  ),
  modelDriftEvents: def({
    name: 'model_drift_events_total',
    type: 'counter',
    group: 'models',
    unit: '{detection}',
    description:
      "Drifts detected, by detector (adwin, page_hinkley) and source (error: the model's error stream; feature:<name>).",
    labels: [...MODEL_LABELS, 'detector', 'source'],
  }),
  modelLearningSteps: def({
    name: 'model_learning_steps_total',
    type: 'counter',
    group: 'models',
    unit: '{step}',
    description: 'Online learning steps recorded with recordLearningStep.',
    labels: MODEL_LABELS,
  }),

  apiRequests: def({
    name: 'api_requests_total',
    type: 'counter',
    group: 'api',
    unit: '{request}',
    description: 'Outgoing API requests by endpoint, method and HTTP status code ("error" when no response).',
    labels: ['endpoint', 'method', 'status_code'],
  }),
  apiLatency: def({
    name: 'api_latency_seconds',
    type: 'histogram',
    group: 'api',
    unit: 's',
    description: 'Latency of outgoing API requests.',
    labels: ['endpoint', 'method'],
    buckets: LATENCY_BUCKETS,
  }),
  apiQuotaRemaining: gauge('api', 'api_quota_remaining', 'Requests left in the current rate-limit window of an API.', [
    'api',
  ]),
  apiErrors: def({
    name: 'api_errors_total',
    type: 'counter',
    group: 'api',
    unit: '{error}',
    description:
      'Failed API requests: a thrown error (its code or name) or an HTTP status >= 400 (error_type http_NNN).',
    labels: ['endpoint', 'method', 'error_type'],
  }),

  dbQueryDuration: def({
    name: 'db_query_duration_seconds',
    type: 'histogram',
    group: 'db',
    unit: 's',
    description: 'Duration of database queries.',
    labels: ['operation'],
    buckets: LATENCY_BUCKETS,
  }),
  dbOperations: def({
    name: 'db_operations_total',
    type: 'counter',
    group: 'db',
    unit: '{operation}',
    description: 'Database operations by outcome (status success or error).',
    labels: ['operation', 'status'],
  }),
  dbPoolSize: gauge(
    'db',
    'db_connection_pool_size',
    'Connections in the database pool.',
    ['pool'],
    '{connection}',
    true,
  ),
  dbConnectionsActive: gauge(
    'db',
    'db_connections_active',
    'Connections of the pool in use.',
    ['pool'],
    '{connection}',
    true,
  ),
  dbConnectionsWaiting: gauge(
    'db',
    'db_connections_waiting',
    'Clients waiting for a connection of the pool (observePgPool).',
    ['pool'],
    '{client}',
    true,
  ),

  invalidInputs: def({
    name: 'monitoring_invalid_inputs_total',
    type: 'counter',
    group: 'self',
    unit: '{call}',
    description: 'Recording calls dropped because of invalid input, by method and reason.',
    labels: ['method', 'reason'],
  }),
  seriesOverflow: def({
    name: 'monitoring_series_overflow_total',
    type: 'counter',
    group: 'self',
    unit: '{measurement}',
    description:
      'Measurements folded into the otel_metric_overflow="true" series because a metric reached maxSeriesPerMetric label sets.',
    labels: ['metric'],
  }),
  exportFailures: def({
    name: 'monitoring_export_failures_total',
    type: 'counter',
    group: 'self',
    unit: '{export}',
    description:
      'Exports that failed, by exporter (file, otlp, or state for the durable state) and reason; the next interval retries.',
    labels: ['exporter', 'reason'],
  }),
  stateRestoreFailures: def({
    name: 'monitoring_state_restore_failures_total',
    type: 'counter',
    group: 'self',
    unit: '{file}',
    description:
      'State files (or parts of one) not restored at startup, by reason; those figures started fresh (stateDirectory).',
    labels: ['reason'],
  }),
  forwardedDropped: def({
    name: 'monitoring_forwarded_dropped_total',
    type: 'counter',
    group: 'self',
    unit: '{call}',
    description:
      'Recording calls of worker threads and cluster workers (connectMonitoring) dropped before being recorded here: the worker held maxBufferedCalls already, or the method is one this version does not know.',
    labels: [],
  }),
  forwardedCalls: def({
    name: 'monitoring_forwarded_calls_total',
    type: 'counter',
    group: 'self',
    unit: '{call}',
    description:
      'Recording calls of worker threads and cluster workers (connectMonitoring) recorded by this process, by worker: "all" unless workerLabel is set.',
    labels: ['worker'],
  }),
  processStartTime: def({
    name: 'process_start_time_seconds',
    type: 'gauge',
    group: 'self',
    unit: 's',
    description: 'Start time of the process since the Unix epoch, in seconds (the Prometheus client convention).',
    labels: [],
  }),
} satisfies Record<string, MetricDefinition>);

export type MetricKey = keyof typeof METRICS;

/** Every domain metric of the contract, in table order. */
export const METRIC_LIST: readonly MetricDefinition[] = Object.freeze(Object.values(METRICS));
