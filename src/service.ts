import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ApiMetrics, type ApiCall, type ApiQuota, type Tracked } from './api.ts';
import { DbMetrics, type DbPoolUpdate } from './db.ts';
import { InputGuard } from './input.ts';
import type { CounterSeries } from './instruments/counter.ts';
import type { SeriesTable } from './instruments/series.ts';
import { RegistryProducer } from './instruments/producer.ts';
import { InstrumentRegistry } from './instruments/registry.ts';
import type { Logger } from './logger.ts';
import { METRICS } from './metrics.ts';
import { ModelMetrics, type CalibrationUpdate, type ModelPerformanceUpdate, type OnlineLearningUpdate } from './models.ts';
import type { ResolvedOptions } from './options.ts';
import { PrometheusEndpoint } from './prometheus.ts';
import { SCOPE_NAME } from './semconv.ts';
import { MonitoringServer, type RouteHandler } from './server.ts';
import { SystemMetrics } from './system.ts';
import { TradingMetrics, type ExecutedTrade, type PortfolioUpdate, type TradingPerformance, type TradingSignal } from './trading.ts';
import { VERSION } from './version.ts';

function buildResource(options: ResolvedOptions): Resource {
  return defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: VERSION,
      [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
      'host.name': hostname(),
      'process.pid': process.pid,
    }),
  );
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
  private readonly models: ModelMetrics;
  private readonly api: ApiMetrics;
  private readonly db: DbMetrics;
  private readonly prometheus: PrometheusEndpoint;
  private readonly system: SystemMetrics | undefined;
  private readonly server: MonitoringServer | undefined;
  private url: string | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(options: ResolvedOptions) {
    this.options = options;
    this.logger = options.logger;
    const resource = buildResource(options);
    let overflowCounter: SeriesTable<CounterSeries> | undefined;
    const warnedOverflow = new Set<string>();
    const registry = new InstrumentRegistry(options.maxSeriesPerMetric, (def) => {
      if (overflowCounter !== undefined) overflowCounter.get1(def.name).value++;
      if (!warnedOverflow.has(def.name)) {
        warnedOverflow.add(def.name);
        this.logger.warn(`${def.name} reached maxSeriesPerMetric (${options.maxSeriesPerMetric}) label sets; new ones are folded into its otel_metric_overflow="true" series and counted in monitoring_series_overflow_total`);
      }
    });
    const guard = new InputGuard(options.strict, options.logger, registry.counter(METRICS.invalidInputs));
    this.guard = guard;
    overflowCounter = registry.counter(METRICS.seriesOverflow);
    this.trading = new TradingMetrics(registry, guard);
    this.models = new ModelMetrics(registry, guard);
    this.api = new ApiMetrics(registry, guard);
    this.db = new DbMetrics(registry, guard);

    const producer = new RegistryProducer(registry, resource, { name: SCOPE_NAME, version: VERSION });
    this.prometheus = new PrometheusEndpoint([producer], options.logger);
    this.meterProvider = new MeterProvider({ resource, readers: [this.prometheus.reader] });
    this.system = options.systemMetrics
      ? new SystemMetrics(this.meterProvider, this.meterProvider.getMeter(SCOPE_NAME, VERSION), options.logger)
      : undefined;
    if (options.port !== false) {
      const routes = new Map<string, RouteHandler>([
        ['/metrics', this.prometheus.handle],
        ['/', this.prometheus.handle],
      ]);
      this.server = new MonitoringServer(routes, options.logger);
    }
  }

  /** Builds the service and binds its server; on a configuration error everything started is stopped again. @internal Use initEnhancedMonitoring. */
  static async start(options: ResolvedOptions): Promise<MonitoringService> {
    const service = new MonitoringService(options);
    if (options.exportDirectory !== false) {
      options.logger.warn(`exportDirectory "${options.exportDirectory}" is accepted but JSON snapshots are not written by this version yet; metrics are served at the Prometheus endpoint`);
    }
    if (service.server !== undefined && options.port !== false) {
      try {
        const address = await service.server.listen(options.host, options.port);
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        service.url = `http://${host}:${address.port}/metrics`;
      } catch (error) {
        await service.shutdown();
        throw error;
      }
    }
    return service;
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

  /** Sets any subset of `win_rate`, `profit_factor`, `average_win`, `average_loss`, `max_drawdown`, `sharpe_ratio`, `sortino_ratio`, `calmar_ratio`. */
  updateTradingPerformance(performance: TradingPerformance): void {
    try {
      this.trading.updateTradingPerformance(performance);
    } catch (error) {
      this.guard.fault('updateTradingPerformance', error);
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

  /** A node:http request handler serving the exposition, for mounting on the bot's own server. */
  metricsHandler(): RouteHandler {
    return this.prometheus.handle;
  }

  /** Stops system metrics, closes the server and shuts the MeterProvider down. Safe to call twice. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.system?.stop();
      await this.server?.close();
      try {
        await this.meterProvider.shutdown();
      } catch (error) {
        this.logger.warn(`MeterProvider shutdown failed: ${(error as Error).message}`);
      }
    })();
    return this.stopping;
  }
}
