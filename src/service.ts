import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { ApiMetrics, type ApiCall, type ApiQuota, type Tracked } from './domains/api.ts';
import { DbMetrics, type DbPoolUpdate } from './domains/db.ts';
import { FileMetricExporter, prepareExportDirectory } from './export/file-exporter.ts';
import { loadOtlpExporter, OtlpPushExporter, type OtlpExporterFactory } from './export/otlp.ts';
import { toSnapshot, type Snapshot } from './export/snapshot.ts';
import { InputGuard } from './domains/input.ts';
import type { CounterSeries } from './storage/counter.ts';
import type { SeriesTable } from './storage/series.ts';
import { RegistryProducer } from './storage/producer.ts';
import { InstrumentRegistry } from './storage/registry.ts';
import { flushOnSignals } from './lifecycle/signals.ts';
import type { Logger } from './core/logger.ts';
import { METRICS } from './contract/metrics.ts';
import { ModelMetrics, type CalibrationUpdate, type ModelPerformanceUpdate, type OnlineLearningUpdate } from './domains/models.ts';
import type { ResolvedOptions, ResolvedOtlp } from './config/options.ts';
import { PrometheusEndpoint } from './export/prometheus.ts';
import { buildResource } from './config/resource.ts';
import { SCOPE_NAME } from './contract/semconv.ts';
import { MonitoringServer, type RouteHandler } from './http/server.ts';
import { Dashboard } from './dashboard/dashboard.ts';
import { livenessHandler, readinessHandler } from './http/health.ts';
import { createSurfaceHandler } from './http/surface.ts';
import { SystemMetrics } from './collectors/system.ts';
import { PerformanceMetrics, type ClosedTrade } from './domains/performance.ts';
import { PredictionMetrics, type FeatureValue, type LearningStep, type Outcome, type Prediction } from './domains/predictions.ts';
import { TradingMetrics, type ExecutedTrade, type PortfolioUpdate, type TradingPerformance, type TradingSignal } from './domains/trading.ts';
import { VERSION } from './core/version.ts';
import { attachApp, createMetricsHandler, type MetricsHandler } from './integrations/app.ts';
import { attachInstrumentations, detachInstrumentations, loadInstrumentations, registeredSelection } from './integrations/auto-instrument.ts';
import { createExpressMiddleware, type ExpressMiddleware } from './integrations/express.ts';
import { createFastifyPlugin, type FastifyMetricsPlugin } from './integrations/fastify.ts';
import { HttpServerMetrics } from './integrations/http-server.ts';
import { PgPoolObserver, type PgPoolLike, type PgPoolObserveOptions } from './integrations/pg.ts';

const SCOPE = { name: SCOPE_NAME, version: VERSION };

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./.test(host);
}

/**
 * The running monitoring of one bot: the recording methods, the MeterProvider with its readers,
 * system metrics and the HTTP server. Create it with `initEnhancedMonitoring`.
 */
export class MonitoringService {
  /** The options in force, after defaults. */
  readonly options: ResolvedOptions;
  /** The OpenTelemetry MeterProvider every reader hangs off; add your own instruments with `meterProvider.getMeter(...)`. */
  readonly meterProvider: MeterProvider;
  private readonly logger: Logger;
  private readonly guard: InputGuard;
  private readonly trading: TradingMetrics;
  private readonly performance: PerformanceMetrics;
  private readonly models: ModelMetrics;
  private readonly predictions: PredictionMetrics;
  private readonly modelTimer: NodeJS.Timeout;
  private readonly api: ApiMetrics;
  private readonly db: DbMetrics;
  private readonly prometheus: PrometheusEndpoint;
  private readonly system: SystemMetrics | undefined;
  private readonly server: MonitoringServer | undefined;
  private readonly registry: InstrumentRegistry;
  private readonly resource: Resource;
  private readonly exportFailures: SeriesTable<CounterSeries>;
  private readonly warnedExport = new Set<string>();
  private readonly file: { exporter: FileMetricExporter; reader: PeriodicExportingMetricReader } | undefined;
  private readonly otlp: { exporter: OtlpPushExporter; reader: PeriodicExportingMetricReader } | undefined;
  private removeSignalHandlers: (() => void) | undefined;
  private readonly dashboard: Dashboard | undefined;
  /** Exporters failing now, with the time (ms) of their first failure since their last success. */
  private readonly failingSince = new Map<string, number>();
  private readonly surface: RouteHandler;
  private url: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly pgPools: PgPoolObserver;
  private httpServerMetrics: HttpServerMetrics | undefined;
  private fastify: FastifyMetricsPlugin | undefined;
  private metricsRoute: MetricsHandler | undefined;
  private instrumented = false;

  private constructor(options: ResolvedOptions, createOtlpExporter: OtlpExporterFactory | undefined) {
    this.options = options;
    this.logger = options.logger;
    const resource = buildResource(options);
    this.resource = resource;
    let overflowCounter: SeriesTable<CounterSeries> | undefined;
    const warnedOverflow = new Set<string>();
    const registry = new InstrumentRegistry(options.maxSeriesPerMetric, (def) => {
      if (overflowCounter !== undefined) overflowCounter.get1(def.name).value++;
      if (!warnedOverflow.has(def.name)) {
        warnedOverflow.add(def.name);
        this.logger.warn(`${def.name} reached maxSeriesPerMetric (${options.maxSeriesPerMetric}) label sets; new ones are folded into its otel_metric_overflow="true" series and counted in monitoring_series_overflow_total`);
      }
    });
    this.registry = registry;
    // Self-metrics are never folded: their label sets are bounded by the SDK itself.
    const guard = new InputGuard(options.strict, options.logger, registry.counter(METRICS.invalidInputs, Number.MAX_SAFE_INTEGER));
    this.guard = guard;
    overflowCounter = registry.counter(METRICS.seriesOverflow, Number.MAX_SAFE_INTEGER);
    this.exportFailures = registry.counter(METRICS.exportFailures, Number.MAX_SAFE_INTEGER);
    this.performance = new PerformanceMetrics(registry, guard, {
      tradeWindow: options.tradeWindow,
      draws: options.draws,
      startingBalance: options.startingBalance,
      returnsIntervalMs: options.returnsIntervalSeconds * 1000,
      returnsWindow: options.returnsWindow,
      periodsPerYear: options.periodsPerYear,
      riskFreeRate: options.riskFreeRate,
      requiredReturn: options.requiredReturn,
      maxSymbols: Math.floor(options.maxSeriesPerMetric / 2),
    });
    const performance = this.performance;
    this.trading = new TradingMetrics(registry, guard, (value) => performance.observeEquity(value));
    this.models = new ModelMetrics(registry, guard);
    this.predictions = new PredictionMetrics(registry, guard, {
      windowSize: options.windowSize,
      maxPending: options.maxPending,
      outcomeTtlMs: options.outcomeTtlSeconds * 1000,
      calibrationBins: options.calibrationBins,
      adwin: options.driftDetectors.adwin,
      pageHinkley: options.driftDetectors.pageHinkley,
      maxFeatures: Math.min(100, options.maxSeriesPerMetric),
    }, this.models.tables);
    this.modelTimer = setInterval(() => this.publishModels(), options.modelMetricsInterval * 1000);
    this.modelTimer.unref();
    this.api = new ApiMetrics(registry, guard);
    this.db = new DbMetrics(registry, guard);
    const pgPools = new PgPoolObserver(this.db, guard);
    this.pgPools = pgPools;
    registry.onCollect(() => pgPools.collect());

    this.prometheus = new PrometheusEndpoint([new RegistryProducer(registry, resource, SCOPE)], options.logger);
    const readers: MetricReader[] = [this.prometheus.reader];
    this.file = this.fileReader();
    if (this.file !== undefined) readers.push(this.file.reader);
    this.otlp = createOtlpExporter === undefined || options.otlp === false ? undefined : this.otlpPushReader(createOtlpExporter, options.otlp);
    if (this.otlp !== undefined) readers.push(this.otlp.reader);
    // The dashboard's history is a fourth reader of the same MeterProvider: its own producer on the same registry.
    this.dashboard = options.dashboard === false
      ? undefined
      : new Dashboard(options.dashboard, options.maxSeriesPerMetric, [new RegistryProducer(registry, resource, SCOPE)], options.logger);
    if (this.dashboard !== undefined) readers.push(this.dashboard.reader);
    this.meterProvider = new MeterProvider({ resource, readers });
    this.system = options.systemMetrics
      ? new SystemMetrics(this.meterProvider, this.meterProvider.getMeter(SCOPE_NAME, VERSION), options.logger)
      : undefined;
    this.dashboard?.start(this.meterProvider.getMeter(SCOPE_NAME, VERSION));
    const routes = new Map<string, RouteHandler>([
      ['/metrics', this.prometheus.handle],
      ['/', this.prometheus.handle],
      ['/healthz', livenessHandler()],
      ['/readyz', readinessHandler({
        heartbeats: () => performance.heartbeatTimes(),
        failingExporters: () => this.failingSince.entries(),
        now: () => Date.now(),
      }, options)],
      ...(this.dashboard?.routes() ?? []),
    ]);
    const protection = { auth: options.auth, authExemptPaths: options.authExemptPaths };
    this.surface = createSurfaceHandler(routes, { ...protection, logger: options.logger });
    if (options.port !== false) {
      this.server = new MonitoringServer(routes, options.logger, { ...protection, tls: options.tls });
      if (options.auth === false && !isLoopback(options.host)) {
        this.logger.warn(`the monitoring server binds ${options.host}, beyond this machine, without authentication: anyone who can reach port ${options.port} can read balance, portfolio value and PnL; set auth (or MONITORING_AUTH_TOKEN / MONITORING_BASIC_AUTH), or bind 127.0.0.1`);
      }
    }
  }

  /**
   * Prepares the snapshot directory, loads the OTLP exporter, builds the service and binds the
   * server; on a configuration error everything started is stopped again. @internal Use initEnhancedMonitoring.
   */
  static async start(options: ResolvedOptions): Promise<MonitoringService> {
    if (options.exportDirectory !== false) await prepareExportDirectory(options.exportDirectory);
    const createOtlpExporter = options.otlp === false ? undefined : await loadOtlpExporter(options.otlp);
    const service = new MonitoringService(options, createOtlpExporter);
    if (service.server !== undefined && options.port !== false) {
      try {
        const address = await service.server.listen(options.host, options.port);
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        service.url = `${options.tls === false ? 'http' : 'https'}://${host}:${address.port}/metrics`;
      } catch (error) {
        await service.shutdown();
        throw error;
      }
    }
    try {
      await service.startIntegrations();
    } catch (error) {
      await service.shutdown();
      throw error;
    }
    if (options.handleSignals) service.removeSignalHandlers = flushOnSignals(() => service.shutdown());
    return service;
  }

  /** `autoInstrument` (and what the register entry point enabled) onto this MeterProvider; `app` mounted. */
  private async startIntegrations(): Promise<void> {
    const { autoInstrument, app } = this.options;
    if (autoInstrument !== false) await loadInstrumentations(autoInstrument);
    const registered = registeredSelection();
    const wanted = {
      http: registered.http || (autoInstrument !== false && autoInstrument.http),
      fetch: registered.fetch || (autoInstrument !== false && autoInstrument.fetch),
    };
    if (wanted.http || wanted.fetch) {
      attachInstrumentations(this.meterProvider, wanted);
      this.instrumented = true;
    }
    if (app !== undefined) attachApp(app, this.httpRecorder(), this.metricsHandler());
  }

  private httpRecorder(): HttpServerMetrics {
    this.httpServerMetrics ??= new HttpServerMetrics(this.meterProvider.getMeter(SCOPE_NAME, VERSION), (error) => {
      try {
        this.guard.fault('httpServerMetrics', error);
      } catch {
        // strict mode re-throws; a response listener must not.
      }
    });
    return this.httpServerMetrics;
  }

  /** JSON snapshots on a periodic reader of their own, cumulative like the scrape. */
  private fileReader(): { exporter: FileMetricExporter; reader: PeriodicExportingMetricReader } | undefined {
    const { options } = this;
    if (options.exportDirectory === false) return undefined;
    const exporter = new FileMetricExporter(
      {
        directory: options.exportDirectory,
        format: options.exportFormat,
        maxFiles: options.exportMaxFiles === false ? undefined : options.exportMaxFiles,
        maxAgeHours: options.exportMaxAgeHours === false ? undefined : options.exportMaxAgeHours,
      },
      { logger: this.logger, onFailure: (reason) => this.exportFailed('file', reason), onSuccess: () => this.failingSince.delete('file') },
    );
    const intervalMs = options.exportIntervalSeconds * 1000;
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: Math.min(intervalMs, 30_000),
      metricProducers: [new RegistryProducer(this.registry, this.resource, SCOPE)],
    });
    return { exporter, reader };
  }

  /** OTLP push; a delta producer keeps its own baseline, moved only by a delivered export. */
  private otlpPushReader(create: OtlpExporterFactory, config: ResolvedOtlp): { exporter: OtlpPushExporter; reader: PeriodicExportingMetricReader } {
    const producer = new RegistryProducer(this.registry, this.resource, SCOPE, config.temporality);
    const exporter = new OtlpPushExporter(create, config.timeoutMs, config.temporality, {
      onSuccess: () => {
        producer.acknowledge();
        this.failingSince.delete('otlp');
      },
      onFailure: (reason, error) => {
        this.exportFailed('otlp', reason);
        if (this.warnOnce(`otlp:${reason}`)) {
          this.logger.warn(`OTLP export to ${config.endpoint} failed (${reason}: ${(error as Error | undefined)?.message ?? String(error)}); retried every ${config.intervalMs / 1000} s, counted in monitoring_export_failures_total; further ${reason} failures are not logged`);
        }
      },
    });
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: config.intervalMs,
      exportTimeoutMillis: config.timeoutMs,
      metricProducers: [producer],
    });
    return { exporter, reader };
  }

  private exportFailed(exporter: 'file' | 'otlp', reason: string): void {
    this.exportFailures.get2(exporter, reason).value++;
    if (!this.failingSince.has(exporter)) this.failingSince.set(exporter, Date.now());
  }

  private warnOnce(key: string): boolean {
    if (this.warnedExport.has(key)) return false;
    this.warnedExport.add(key);
    return true;
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
      this.trading.recordTradingSignal(signal);
    } catch (error) {
      this.guard.fault('recordTradingSignal', error);
    }
  }

  /** Counts a trade sent for execution: `executed_trades_total{status="success"|"failed"}`. */
  recordExecutedTrade(trade: ExecutedTrade): void {
    try {
      this.trading.recordExecutedTrade(trade);
    } catch (error) {
      this.guard.fault('recordExecutedTrade', error);
    }
  }

  /** Sets `portfolio_value`, `balance` and (replacing the whole set) `open_positions`. */
  updatePortfolioMetrics(update: PortfolioUpdate): void {
    try {
      this.trading.updatePortfolioMetrics(update);
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
      this.performance.updateTradingPerformance(performance);
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
      this.performance.recordClosedTrade(trade);
    } catch (error) {
      this.guard.fault('recordClosedTrade', error);
    }
  }

  /** Sets `bot_heartbeat_timestamp_seconds{loop}` to now: call it once per pass of a loop, so a stalled loop shows. */
  heartbeat(loop = 'main'): void {
    try {
      this.performance.heartbeat(loop);
    } catch (error) {
      this.guard.fault('heartbeat', error);
    }
  }

  /** A model's prediction; with `actual` it is scored at once, with `predictionId` it waits for `recordOutcome`. */
  recordPrediction(prediction: Prediction): void {
    try {
      this.predictions.recordPrediction(prediction);
    } catch (error) {
      this.guard.fault('recordPrediction', error);
    }
  }

  /** The truth of an earlier prediction, joined by `predictionId`. */
  recordOutcome(outcome: Outcome): void {
    try {
      this.predictions.recordOutcome(outcome);
    } catch (error) {
      this.guard.fault('recordOutcome', error);
    }
  }

  /** One online-learning step: `online_learning_loss`, `memory_buffer_size`, `model_learning_steps_total`. */
  recordLearningStep(step: LearningStep): void {
    try {
      this.predictions.recordLearningStep(step);
    } catch (error) {
      this.guard.fault('recordLearningStep', error);
    }
  }

  /** A numeric input feature of a model, watched for drift by ADWIN and Page-Hinkley. */
  recordFeature(feature: FeatureValue): void {
    try {
      this.predictions.recordFeature(feature);
    } catch (error) {
      this.guard.fault('recordFeature', error);
    }
  }

  /** Publishes the computed model metrics now rather than at the next `modelMetricsInterval`. */
  async flushModelMetrics(): Promise<void> {
    this.publishModels();
  }

  private publishModels(): void {
    try {
      this.predictions.flush();
    } catch (error) {
      this.guard.fault('flushModelMetrics', error);
    }
  }

  /** Sets any subset of `model_accuracy`, `model_precision`, `model_recall`, `model_f1_score`, `model_rmse`, `model_mae`. */
  updateModelPerformance(update: ModelPerformanceUpdate): void {
    try {
      this.models.updateModelPerformance(update);
    } catch (error) {
      this.guard.fault('updateModelPerformance', error);
    }
  }

  /** Sets `calibration_error` and the `calibration_reliability` bins of a model. */
  updateCalibrationMetrics(update: CalibrationUpdate): void {
    try {
      this.models.updateCalibrationMetrics(update);
    } catch (error) {
      this.guard.fault('updateCalibrationMetrics', error);
    }
  }

  /** Sets `drift_detection`, `memory_buffer_size` and `online_learning_loss` of a model. */
  updateOnlineLearningMetrics(update: OnlineLearningUpdate): void {
    try {
      this.models.updateOnlineLearningMetrics(update);
    } catch (error) {
      this.guard.fault('updateOnlineLearningMetrics', error);
    }
  }

  /**
   * Runs `fn` and records `api_requests_total`, `api_latency_seconds` and, when it throws or the
   * status is >= 400, `api_errors_total`. Returns fn's value (a promise when fn is async) and
   * re-throws what fn threw, unchanged.
   */
  trackApiRequest<T>(endpoint: string, method: string, fn: (call: ApiCall) => T): Tracked<T> {
    return this.api.trackApiRequest(endpoint, method, fn);
  }

  /** Sets `api_quota_remaining{api}`. */
  setApiQuotaRemaining(quota: ApiQuota): void {
    try {
      this.api.setApiQuotaRemaining(quota);
    } catch (error) {
      this.guard.fault('setApiQuotaRemaining', error);
    }
  }

  /** Runs `fn` (sync or async) and records `db_query_duration_seconds` and `db_operations_total`. */
  trackDbQuery<T>(operation: string, fn: () => T): Tracked<T> {
    return this.db.trackDbQuery(operation, fn);
  }

  /** Sets `db_connection_pool_size` and `db_connections_active` of a pool. */
  updateDbPool(update: DbPoolUpdate): void {
    try {
      this.db.updateDbPool(update);
    } catch (error) {
      this.guard.fault('updateDbPool', error);
    }
  }

  /** The Prometheus exposition of every metric, collected now. */
  metricsText(): Promise<string> {
    return this.prometheus.render();
  }

  /**
   * The exposition handler of the SDK's own server, for mounting on the bot's: a node:http
   * `(req, res)` handler (plain node:http, Express) that also takes Fastify's `(request, reply)`,
   * so `app.get('/metrics', monitoring.metricsHandler())` works on all three.
   */
  metricsHandler(): MetricsHandler {
    this.metricsRoute ??= createMetricsHandler(this.prometheus.handle);
    return this.metricsRoute;
  }

  /**
   * Express middleware recording `http.server.request.duration` (method, status, route template,
   * scheme) of every request it sees: `app.use(monitoring.expressMiddleware())` before the routes.
   */
  expressMiddleware(): ExpressMiddleware {
    return createExpressMiddleware(this.httpRecorder());
  }

  /** Fastify plugin recording `http.server.request.duration` for the whole app: `app.register(monitoring.fastifyPlugin)`. */
  get fastifyPlugin(): FastifyMetricsPlugin {
    this.fastify ??= createFastifyPlugin(this.httpRecorder());
    return this.fastify;
  }

  /**
   * Reports a `pg.Pool`'s `totalCount`, in-use and `waitingCount` as `db_connection_pool_size`,
   * `db_connections_active` and `db_connections_waiting{pool=name}`, read at each collection.
   * Returns a function that stops observing it.
   */
  observePgPool(pool: PgPoolLike, options?: PgPoolObserveOptions): () => void {
    try {
      return this.pgPools.observe(pool, options);
    } catch (error) {
      this.guard.fault('observePgPool', error);
      return () => {};
    }
  }

  /**
   * A node:http request handler for the whole surface (`/metrics`, `/healthz`, `/readyz`,
   * `/dashboard` and its assets, `/api/v1/series`) with the same authentication and hardening as
   * the SDK's server, for mounting on the bot's own server (at its root: paths are matched exactly).
   */
  httpHandler(): RouteHandler {
    return this.surface;
  }

  /** URL of the dashboard, e.g. `http://127.0.0.1:8000/dashboard`; undefined with `port: false` or `dashboard: false`. */
  get dashboardUrl(): string | undefined {
    return this.url === undefined || this.dashboard === undefined ? undefined : this.url.replace(/\/metrics$/, '/dashboard');
  }

  /** Takes a dashboard history sample now (normally every `dashboard.intervalSeconds`). @internal for tests and benches */
  sampleDashboardHistory(): Promise<void> {
    return this.dashboard?.sample() ?? Promise.resolve();
  }

  /** Bytes and series held by the dashboard history. @internal for the README's memory figure */
  dashboardHistoryUsage(): { bytes: number; series: number } | undefined {
    return this.dashboard === undefined ? undefined : { bytes: this.dashboard.history.bytes, series: this.dashboard.history.size };
  }

  /**
   * Collects every metric now and returns it as a snapshot object; with `exportDirectory` it is also
   * written (atomically, `latest.json` updated) before the promise resolves, and a write error rejects.
   */
  async exportSnapshot(): Promise<Snapshot> {
    if (this.file !== undefined) {
      const { resourceMetrics } = await this.file.reader.collect();
      return this.file.exporter.write(resourceMetrics);
    }
    const { resourceMetrics } = await this.prometheus.reader.collect();
    return toSnapshot(resourceMetrics, new Date());
  }

  /**
   * Flushes every reader (a final snapshot, a final OTLP push), closes the server and stops system
   * metrics. Resolves within `shutdownTimeoutMs` even when an exporter hangs. Safe to call twice.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.removeSignalHandlers?.();
      if (this.instrumented) detachInstrumentations(this.meterProvider);
      this.system?.stop();
      this.dashboard?.stop();
      clearInterval(this.modelTimer);
      this.publishModels();
      const timeoutMs = this.options.shutdownTimeoutMs;
      this.otlp?.exporter.beginShutdown(timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      const flushed = this.meterProvider.shutdown().then(
        () => true,
        (error: unknown) => {
          this.logger.warn(`flushing metrics at shutdown failed: ${(error as Error).message}`);
          return true;
        },
      );
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      });
      const [done] = await Promise.all([Promise.race([flushed, timedOut]), this.server?.close()]);
      clearTimeout(timer);
      if (!done) this.logger.warn(`shutdown gave up waiting for the final export after ${timeoutMs} ms (shutdownTimeoutMs); the last interval may be missing from snapshots or OTLP`);
    })();
    return this.stopping;
  }
}
