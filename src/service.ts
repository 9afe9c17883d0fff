import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { AdmittingGuard } from './workers/guard.ts';
import { toSnapshot, type Snapshot } from './export/snapshot.ts';
import type { ResolvedOptions } from './config/options.ts';
import type { ApiCall, ApiQuota, HttpMethod, Tracked } from './domains/api.ts';
import type { DbPoolUpdate, DbQueryOptions } from './domains/db.ts';
import type { CalibrationUpdate, ModelPerformanceUpdate, OnlineLearningUpdate } from './domains/models.ts';
import type { FillInput, OrderInput, OrderUpdate } from './domains/execution.ts';
import type { ClosedTrade, EquityPoint, HistoryRestored } from './domains/performance.ts';
import type { BalancesUpdate, PositionsUpdate } from './domains/positions.ts';
import type { FeatureValue, LearningStep, Outcome, Prediction } from './domains/predictions.ts';
import type { ExecutedTrade, PortfolioUpdate, TradingPerformance, TradingSignal } from './domains/trading.ts';
import type { SurfaceHandler } from './http/surface.ts';
import type { MetricsHandler } from './integrations/app.ts';
import type { ExpressMiddleware } from './integrations/express.ts';
import type { FastifyMetricsPlugin } from './integrations/fastify.ts';
import type { PgPoolLike, PgPoolObserveOptions } from './integrations/pg.ts';
import { buildPipeline, loadOptionalParts, type Domains, type OptionalParts, type Pipeline } from './pipeline.ts';
import { WorkerReceiver } from './workers/receiver.ts';
import { replayTracked } from './workers/tracked.ts';

/** The bot's own history for `restoreHistory`; either list may be left out. */
export interface HistoryInput {
  /** Closed trades as `recordClosedTrade` takes them, each with its `closedAt`; any order. */
  closedTrades?: Iterable<ClosedTrade>;
  /** The equity curve: `{ time, value }` with `time` a Date or Unix milliseconds; any order. */
  equity?: Iterable<EquityPoint>;
}

/**
 * The running monitoring of one bot: the recording facade and the lifecycle. Every recording method
 * delegates to its domain inside a try/catch: this is where "never throws into the bot" is kept (outside
 * `strict`, a fault is counted as `internal_error`). The parts are built by `buildPipeline`. Create it
 * with `initEnhancedMonitoring`.
 */
export class MonitoringService {
  /** The options in force, after defaults. */
  readonly options: ResolvedOptions;
  private readonly pipeline: Pipeline;
  private readonly guard: AdmittingGuard;
  private readonly domains: Domains;
  private readonly onShutdown: ((service: MonitoringService) => void) | undefined;
  private url: string | undefined;
  private stopping: Promise<void> | undefined;
  /** Records what worker threads and cluster workers forward (`connectMonitoring`). */
  private receiver: WorkerReceiver | undefined;
  /** Between the cut of `shutdown()` and the end of the workers' drain: their calls are still recorded. */
  private draining = false;

  private constructor(
    options: ResolvedOptions,
    parts: OptionalParts,
    onShutdown: ((service: MonitoringService) => void) | undefined,
  ) {
    this.options = options;
    this.onShutdown = onShutdown;
    this.pipeline = buildPipeline(options, {
      parts,
      listening: (address) => {
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        this.url = `${options.tls === false ? 'http' : 'https'}://${host}:${address.port}/metrics`;
      },
      shutdown: () => this.shutdown(),
    });
    this.guard = this.pipeline.guard;
    this.domains = this.pipeline.domains;
  }

  /**
   * The OpenTelemetry MeterProvider; add your own instruments with `meterProvider.getMeter(...)`:
   * they are scraped, charted and pushed with the rest. One runs from the start when OTLP, snapshot
   * files or auto-instrumentation are on; otherwise the first read of this property makes it
   * (loading OpenTelemetry's SDK then, not at start).
   */
  get meterProvider(): MeterProvider {
    return this.pipeline.meterProvider();
  }

  /**
   * Loads the optional parts (preparing the snapshot directory and the OTLP exporter), builds the parts and starts them in order;
   * when one fails, everything is stopped again and the error rethrown. `onShutdown` runs when `shutdown()`
   * is first called. @internal Use initEnhancedMonitoring.
   */
  static async start(
    options: ResolvedOptions,
    onShutdown?: (service: MonitoringService) => void,
  ): Promise<MonitoringService> {
    const parts = await loadOptionalParts(options);
    const service = new MonitoringService(options, parts, onShutdown);
    try {
      for (const component of service.pipeline.components) await component.start?.();
    } catch (error) {
      await service.shutdown();
      throw error;
    }
    service.receiver = new WorkerReceiver(service, options.strict, options.logger);
    service.receiver.start();
    options.logger.info(service.startupLine());
    return service;
  }

  /**
   * A service that is built and never started (no server, timers or state): a worker's strict-mode
   * validator. @internal
   */
  static unstarted(options: ResolvedOptions): MonitoringService {
    const nothing: OptionalParts = {
      otlp: undefined,
      file: undefined,
      state: undefined,
      system: undefined,
      runtime: undefined,
      dashboard: undefined,
      sdk: undefined,
    };
    return new MonitoringService(options, nothing, undefined);
  }

  /**
   * Records a call forwarded by a worker (`connectMonitoring`) as if made here at `at` (Unix ms,
   * NaN for none): the domains take `at` as now. Throws only in strict mode. @internal
   */
  replayForwarded(method: string, at: number, argument: unknown): void {
    const clock = this.pipeline.clock;
    // NaN: a method whose domain reads no clock (the worker took no time).
    clock.at = Number.isNaN(at) ? undefined : at;
    this.guard.admitting = this.draining;
    try {
      if (!replayTracked(this.domains, method, at, argument))
        (this[method as keyof this] as (argument: unknown) => void)(argument);
    } finally {
      clock.at = undefined;
      this.guard.admitting = false;
    }
  }

  /** Counts a forwarded call the worker could not copy, as the method would have. @internal */
  rejectForwarded(method: string, reason: 'not_object' | 'wrong_type' | 'internal_error', field: string): void {
    if (this.guard.refusedAfterShutdown(method)) return;
    this.guard.reject(method, reason, field, undefined);
  }

  /** Counts `calls` calls recorded from `worker`. @internal */
  countForwarded(worker: string, calls: number): void {
    this.pipeline.forwardedCalls.get1(this.options.workerLabel ? worker : 'all').value += calls;
  }

  /** Counts calls a worker dropped with its buffer full. @internal */
  countDropped(calls: number): void {
    this.pipeline.forwardedDropped.value += calls;
  }

  /** One line saying where the metrics are and what durable state came back. */
  private startupLine(): string {
    const where = this.url === undefined ? 'no server (port: false)' : `metrics at ${this.url}`;
    const dashboard = this.dashboardUrl === undefined ? '' : `, dashboard at ${this.dashboardUrl}`;
    const { state, restored } = this.pipeline;
    if (state === undefined || restored === undefined)
      return `monitoring started: ${where}${dashboard}; durable state off (set stateDirectory to keep the figures across restarts)`;
    const parts = restored.files.map(
      (f) => `${f.restored.join(', ') || 'nothing'} from ${f.file} (written ${f.writtenAt})`,
    );
    const failed = restored.failures.map((f) => `${f.file}: ${f.reason}`);
    const what = parts.length === 0 ? 'nothing to restore, a fresh start' : `restored ${parts.join('; ')}`;
    return `monitoring started: ${where}${dashboard}; state in ${state.directory}: ${what}${failed.length > 0 ? `; not restored: ${failed.join(', ')}` : ''}`;
  }

  /** URL of the Prometheus endpoint, e.g. `http://127.0.0.1:8000/metrics`; undefined with `port: false`. */
  get metricsUrl(): string | undefined {
    return this.url;
  }

  /** The port actually bound (useful with `port: 0`); undefined with `port: false`. */
  get port(): number | undefined {
    return this.url === undefined ? undefined : Number(new URL(this.url).port);
  }

  /** Counts a signal and observes its confidence: `trading_signals_total`, `trading_signal_confidence`. */
  recordTradingSignal(signal: TradingSignal): void {
    try {
      if (this.guard.refusedAfterShutdown('recordTradingSignal')) return;
      this.domains.trading.recordTradingSignal(signal);
    } catch (error) {
      this.guard.fault('recordTradingSignal', error);
    }
  }

  /** Counts a trade sent for execution: `executed_trades_total{status="success"|"failed"}`. */
  recordExecutedTrade(trade: ExecutedTrade): void {
    try {
      if (this.guard.refusedAfterShutdown('recordExecutedTrade')) return;
      this.domains.trading.recordExecutedTrade(trade);
    } catch (error) {
      this.guard.fault('recordExecutedTrade', error);
    }
  }

  /** Sets `portfolio_value`, `balance` and (replacing the whole set) `open_positions`. */
  updatePortfolioMetrics(update: PortfolioUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updatePortfolioMetrics')) return;
      this.domains.trading.updatePortfolioMetrics(update);
    } catch (error) {
      this.guard.fault('updatePortfolioMetrics', error);
    }
  }

  /**
   * Figures a bot computed itself, any subset of win rate, profit factor, averages, max drawdown and
   * the ratios: they fill `symbol="all",window="lifetime"` (and `basis="equity"`) until the SDK has
   * data of its own for that figure from `recordClosedTrade` or `updatePortfolioMetrics`.
   */
  updateTradingPerformance(performance: TradingPerformance): void {
    try {
      if (this.guard.refusedAfterShutdown('updateTradingPerformance')) return;
      this.domains.performance.updateTradingPerformance(performance);
    } catch (error) {
      this.guard.fault('updateTradingPerformance', error);
    }
  }

  /**
   * A closed trade: counts `trades_closed_total{outcome}` and feeds win rate, profit factor,
   * averages, expectancy and realized PnL (lifetime and rolling, per symbol and all), the realized
   * drawdown and `trade_duration_seconds`. O(1).
   */
  recordClosedTrade(trade: ClosedTrade): void {
    try {
      if (this.guard.refusedAfterShutdown('recordClosedTrade')) return;
      this.domains.performance.recordClosedTrade(trade);
    } catch (error) {
      this.guard.fault('recordClosedTrade', error);
    }
  }

  /**
   * An order submitted: `order_events_total{event="submitted"}`, `open_orders`, and with `signalTime`
   * `order_latency_seconds{stage="signal_to_submit"}`. Tracked until it ends (at most `maxOpenOrders`). O(1).
   */
  recordOrder(order: OrderInput): void {
    try {
      if (this.guard.refusedAfterShutdown('recordOrder')) return;
      this.domains.execution.recordOrder(order);
    } catch (error) {
      this.guard.fault('recordOrder', error);
    }
  }

  /**
   * A status change of an order: its event (once per order and status), the ack latency, and when it
   * ends (filled, cancelled, expired) its fill ratio, slippage and fill latency; a rejection counts in
   * `order_rejections_total{venue,reason}`. An id not tracked counts in `order_tracking_errors_total`. O(1).
   */
  recordOrderUpdate(update: OrderUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('recordOrderUpdate')) return;
      this.domains.execution.recordOrderUpdate(update);
    } catch (error) {
      this.guard.fault('recordOrderUpdate', error);
    }
  }

  /**
   * A fill of an order: `traded_notional_total`, `fees_paid_total` or (fee < 0) `fee_rebates_total`, the
   * first-fill latency; the fill that completes the ordered quantity ends the order as filled. O(1).
   */
  recordFill(fill: FillInput): void {
    try {
      if (this.guard.refusedAfterShutdown('recordFill')) return;
      this.domains.execution.recordFill(fill);
    } catch (error) {
      this.guard.fault('recordFill', error);
    }
  }

  /**
   * Replaces the set of open positions: `position_quantity`, `position_notional`, `unrealized_pnl`
   * (and their sum under `symbol="all",venue="all"`), `exposure{kind}` and `leverage`. A position absent
   * from the set reads 0.
   */
  updatePositions(update: PositionsUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updatePositions')) return;
      this.domains.positions.updatePositions(update);
    } catch (error) {
      this.guard.fault('updatePositions', error);
    }
  }

  /** Replaces the set of balances: `asset_balance{venue,asset,state="free"|"locked"|"value"}`. */
  updateBalances(update: BalancesUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updateBalances')) return;
      this.domains.positions.updateBalances(update);
    } catch (error) {
      this.guard.fault('updateBalances', error);
    }
  }

  /**
   * Rebuilds every computed trading figure from the bot's own history, as if each event had been
   * recorded live at its time: closed trades (the `recordClosedTrade` input, `closedAt` required)
   * and equity values (`{ time, value }`), in any order. For bots whose database is the source of
   * truth, or that start on a new machine. Only events newer than the newest one the SDK already
   * holds (from durable state or live recording) are applied, so passing the whole history at every
   * start never counts anything twice. Call it right after `initEnhancedMonitoring`, before recording.
   */
  restoreHistory(history: HistoryInput): HistoryRestored {
    try {
      if (this.guard.refusedAfterShutdown('restoreHistory'))
        return { trades: 0, skippedTrades: 0, equity: 0, skippedEquity: 0 };
      const result = this.domains.performance.restoreHistory(history);
      if (result.lastEquity !== undefined) this.domains.trading.restorePortfolioValue(result.lastEquity);
      return result;
    } catch (error) {
      this.guard.fault('restoreHistory', error);
      return { trades: 0, skippedTrades: 0, equity: 0, skippedEquity: 0 };
    }
  }

  /** Sets `bot_heartbeat_timestamp_seconds{loop}` to now: call it once per pass of a loop, so a stalled loop shows. */
  heartbeat(loop = 'main'): void {
    try {
      if (this.guard.refusedAfterShutdown('heartbeat')) return;
      this.domains.heartbeats.heartbeat(loop);
    } catch (error) {
      this.guard.fault('heartbeat', error);
    }
  }

  /** A model's prediction; with `actual` it is scored at once, with `predictionId` it waits for `recordOutcome`. */
  recordPrediction(prediction: Prediction): void {
    try {
      if (this.guard.refusedAfterShutdown('recordPrediction')) return;
      this.domains.predictions.recordPrediction(prediction);
    } catch (error) {
      this.guard.fault('recordPrediction', error);
    }
  }

  /** The truth of an earlier prediction, joined by `predictionId`. */
  recordOutcome(outcome: Outcome): void {
    try {
      if (this.guard.refusedAfterShutdown('recordOutcome')) return;
      this.domains.predictions.recordOutcome(outcome);
    } catch (error) {
      this.guard.fault('recordOutcome', error);
    }
  }

  /** One online-learning step: `online_learning_loss`, `memory_buffer_size`, `model_learning_steps_total`. */
  recordLearningStep(step: LearningStep): void {
    try {
      if (this.guard.refusedAfterShutdown('recordLearningStep')) return;
      this.domains.predictions.recordLearningStep(step);
    } catch (error) {
      this.guard.fault('recordLearningStep', error);
    }
  }

  /** A numeric input feature of a model, watched for drift by ADWIN and Page-Hinkley. */
  recordFeature(feature: FeatureValue): void {
    try {
      if (this.guard.refusedAfterShutdown('recordFeature')) return;
      this.domains.predictions.recordFeature(feature);
    } catch (error) {
      this.guard.fault('recordFeature', error);
    }
  }

  /** Publishes the computed model metrics now rather than at the next `modelMetricsInterval`. */
  async flushModelMetrics(): Promise<void> {
    this.pipeline.publishModels();
  }

  /** Sets any subset of `model_accuracy`, `model_precision`, `model_recall`, `model_f1_score`, `model_rmse`, `model_mae`. */
  updateModelPerformance(update: ModelPerformanceUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updateModelPerformance')) return;
      this.domains.models.updateModelPerformance(update);
    } catch (error) {
      this.guard.fault('updateModelPerformance', error);
    }
  }

  /** Sets `calibration_error` and the `calibration_reliability` bins of a model. */
  updateCalibrationMetrics(update: CalibrationUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updateCalibrationMetrics')) return;
      this.domains.models.updateCalibrationMetrics(update);
    } catch (error) {
      this.guard.fault('updateCalibrationMetrics', error);
    }
  }

  /** Sets `drift_detection`, `memory_buffer_size` and `online_learning_loss` of a model. */
  updateOnlineLearningMetrics(update: OnlineLearningUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updateOnlineLearningMetrics')) return;
      this.domains.models.updateOnlineLearningMetrics(update);
    } catch (error) {
      this.guard.fault('updateOnlineLearningMetrics', error);
    }
  }

  /**
   * Runs `fn` and records `api_requests_total`, `api_latency_seconds` and, when it throws or the
   * status is >= 400, `api_errors_total`. `method` is recorded upper-cased; a method other than the
   * standard ones (possible from JavaScript) is recorded as `_OTHER`. Returns fn's value (a promise
   * when fn is async) and re-throws what fn threw, unchanged.
   */
  trackApiRequest<T>(endpoint: string, method: HttpMethod, fn: (call: ApiCall) => T): Tracked<T> {
    if (this.guard.refusedAfterShutdown('trackApiRequest')) return fn({}) as Tracked<T>;
    return this.domains.api.trackApiRequest(endpoint, method, fn);
  }

  /** Sets `api_quota_remaining{api}`. */
  setApiQuotaRemaining(quota: ApiQuota): void {
    try {
      if (this.guard.refusedAfterShutdown('setApiQuotaRemaining')) return;
      this.domains.api.setApiQuotaRemaining(quota);
    } catch (error) {
      this.guard.fault('setApiQuotaRemaining', error);
    }
  }

  /**
   * Runs `fn` (sync or async) and records `db_query_duration_seconds` and `db_operations_total`;
   * `options.exemplar` names the query in its latency bucket (OpenMetrics).
   */
  trackDbQuery<T>(operation: string, fn: () => T, options?: DbQueryOptions): Tracked<T> {
    if (this.guard.refusedAfterShutdown('trackDbQuery')) return fn() as Tracked<T>;
    return this.domains.db.trackDbQuery(operation, fn, options);
  }

  /** Sets `db_connection_pool_size` and `db_connections_active` of a pool. */
  updateDbPool(update: DbPoolUpdate): void {
    try {
      if (this.guard.refusedAfterShutdown('updateDbPool')) return;
      this.domains.db.updateDbPool(update);
    } catch (error) {
      this.guard.fault('updateDbPool', error);
    }
  }

  /** The Prometheus exposition of every metric, collected now. */
  metricsText(): Promise<string> {
    return this.pipeline.prometheus.render();
  }

  /**
   * The exposition handler of the SDK's own server, for mounting on the bot's: a node:http
   * `(req, res)` handler (plain node:http, Express) that also takes Fastify's `(request, reply)`,
   * so `app.get('/metrics', monitoring.metricsHandler())` works on all three.
   */
  metricsHandler(): MetricsHandler {
    return this.pipeline.web.metricsHandler();
  }

  /**
   * Express middleware recording `http.server.request.duration` (method, status, route template,
   * scheme) of every request it sees: `app.use(monitoring.expressMiddleware())` before the routes.
   */
  expressMiddleware(): ExpressMiddleware {
    return this.pipeline.web.expressMiddleware();
  }

  /** Fastify plugin recording `http.server.request.duration` for the whole app: `app.register(monitoring.fastifyPlugin)`. */
  get fastifyPlugin(): FastifyMetricsPlugin {
    return this.pipeline.web.fastifyPlugin();
  }

  /**
   * Reports a `pg.Pool`'s `totalCount`, in-use and `waitingCount` as `db_connection_pool_size`,
   * `db_connections_active` and `db_connections_waiting{pool=name}`, read at each collection.
   * Returns a function that stops observing it.
   */
  observePgPool(pool: PgPoolLike, options?: PgPoolObserveOptions): () => void {
    try {
      return this.domains.pgPools.observe(pool, options);
    } catch (error) {
      this.guard.fault('observePgPool', error);
      return () => {};
    }
  }

  /**
   * A node:http request handler for the whole surface (`/metrics`, `/healthz`, `/readyz`,
   * `/dashboard` and its assets, `/api/v1/series`) with the same authentication and hardening as
   * the SDK's server, for mounting on the bot's own server (at its root: paths are matched exactly);
   * its `paths` lists what it serves.
   */
  httpHandler(): SurfaceHandler {
    return this.pipeline.surface;
  }

  /** URL of the dashboard, e.g. `http://127.0.0.1:8000/dashboard`; undefined with `port: false` or `dashboard: false`. */
  get dashboardUrl(): string | undefined {
    return this.url === undefined || this.pipeline.dashboard === undefined
      ? undefined
      : this.url.replace(/\/metrics$/, '/dashboard');
  }

  /** Takes a dashboard history sample now (normally every `dashboard.intervalSeconds`). @internal for tests and benches */
  sampleDashboardHistory(): Promise<void> {
    return this.pipeline.dashboard?.sample() ?? Promise.resolve();
  }

  /** Bytes and series held by the dashboard history. @internal for the README's memory figure */
  dashboardHistoryUsage(): { bytes: number; series: number } | undefined {
    return this.pipeline.dashboard === undefined
      ? undefined
      : { bytes: this.pipeline.dashboard.history.bytes, series: this.pipeline.dashboard.history.size };
  }

  /**
   * Collects every metric now and returns it as a snapshot object; with `exportDirectory` it is also
   * written (atomically, `latest.json` updated) before the promise resolves, and a write error rejects.
   */
  async exportSnapshot(): Promise<Snapshot> {
    const { file } = this.pipeline;
    if (file !== undefined) {
      const { resourceMetrics } = await file.reader.collect();
      return file.exporter.write(resourceMetrics);
    }
    const { resourceMetrics } = await this.pipeline.prometheus.collect();
    return toSnapshot(resourceMetrics, new Date());
  }

  /**
   * Flushes every reader (a final snapshot, a final OTLP push), closes the server and stops system
   * metrics. Resolves within `shutdownTimeoutMs` even when an exporter hangs. Safe to call twice.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      // The cut: every record accepted so far is in the final snapshot, push and state; later ones are refused.
      this.guard.close();
      // Except what the workers held or had in flight: asked for now, recorded as it arrives.
      this.draining = true;
      await this.receiver?.drain(Math.min(1000, this.options.shutdownTimeoutMs));
      this.draining = false;
      this.receiver?.stop();
      this.onShutdown?.(this);
      const pending: Promise<void>[] = [];
      for (const component of [...this.pipeline.components].reverse()) {
        try {
          const stopped = component.stop?.();
          if (stopped !== undefined) pending.push(stopped);
        } catch (error) {
          this.options.logger.warn(`stopping ${component.name} failed: ${(error as Error)?.message ?? String(error)}`);
        }
      }
      await Promise.all(pending);
    })();
    return this.stopping;
  }
}
