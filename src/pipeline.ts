/**
 * The composition root: builds every part of a running monitoring from the resolved options and
 * returns them as a list of components. A measurement enters through a domain (`domains/`), is stored
 * pre-aggregated (`storage/`), computed by the analytics (`analytics/`), and leaves through the readers
 * (`export/`), the HTTP surface (`http/`) and the dashboard (`dashboard/`).
 */
import type { AddressInfo } from 'node:net';
import { platform } from 'node:os';
import type { Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { RuntimeMetrics } from './collectors/runtime.ts';
import type * as RuntimeModule from './collectors/runtime.ts';
import type { SystemMetrics } from './collectors/system.ts';
import type * as SystemModule from './collectors/system.ts';
import { fixedResource, resourceAttributes } from './config/resource.ts';
import type { ResolvedOptions } from './config/options.ts';
import { METRICS } from './contract/metrics.ts';
import { SCOPE_NAME } from './contract/semconv.ts';
import type { Logger } from './core/logger.ts';
import { VERSION } from './core/version.ts';
import type { Dashboard } from './dashboard/dashboard.ts';
import type * as DashboardModule from './dashboard/dashboard.ts';
import { ApiMetrics } from './domains/api.ts';
import { DbMetrics } from './domains/db.ts';
import { ExecutionMetrics } from './domains/execution.ts';
import { HeartbeatMetrics } from './domains/heartbeat.ts';
import type { InputGuard } from './domains/input.ts';
import { ModelMetrics } from './domains/models.ts';
import { PerformanceMetrics } from './domains/performance.ts';
import { PositionMetrics } from './domains/positions.ts';
import { PredictionMetrics } from './domains/predictions.ts';
import { StrategyMetrics } from './domains/strategies.ts';
import { TradingMetrics } from './domains/trading.ts';
import type { FileMetricExporter } from './export/file-exporter.ts';
import type * as FileExporterModule from './export/file-exporter.ts';
import { ExportHealth } from './export/health.ts';
import type { OtlpExporterFactory, OtlpPushExporter } from './export/otlp.ts';
import type * as OtlpModule from './export/otlp.ts';
import { PrometheusEndpoint } from './export/prometheus.ts';
import { createFileExport, createOtlpExport, type PushExport, type ReaderSource } from './export/readers.ts';
import { createPullReader, importSdk, requireSdk, type Sdk } from './export/sdk.ts';
import { meterSource, MetricSources } from './export/sources.ts';
import { createAccessGate } from './http/gate.ts';
import { livenessHandler, readinessHandler } from './http/health.ts';
import { isLoopback } from './http/hosts.ts';
import { MonitoringServer } from './http/server.ts';
import { createSurfaceHandler, type RouteHandler, type SurfaceHandler } from './http/surface.ts';
import { dailyPnlHandler } from './dashboard/daily-pnl-api.ts';
import { registeredSelection } from './integrations/auto-instrument.ts';
import { PgPoolObserver } from './integrations/pg.ts';
import { WebIntegration } from './integrations/web.ts';
import { flushOnSignals } from './lifecycle/signals.ts';
import type * as StateFileModule from './state/file.ts';
import type { DurableFile, RestoreOutcome, StateStore } from './state/store.ts';
import type * as StateStoreModule from './state/store.ts';
import { RegistryProducer } from './storage/producer.ts';
import type { CounterSeries } from './storage/counter.ts';
import type { SeriesTable } from './storage/series.ts';
import { AdmittingGuard } from './workers/guard.ts';
import { MAX_WORKER_LABELS } from './workers/options.ts';
import { InstrumentMeter } from './storage/meter.ts';
import { InstrumentRegistry } from './storage/registry.ts';

/**
 * A part of the running monitoring. `start()` runs once, in list order, when monitoring starts;
 * `stop()` runs once, in reverse order, at shutdown (also after a failed start, so it must cope with
 * a part that never started), and what it returns is awaited together with the others. `routes()`
 * are served by the HTTP surface; `onCollect()` runs before every collection of the registry.
 */
export interface Component {
  readonly name: string;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
  routes?(): Iterable<readonly [path: string, handler: RouteHandler]>;
  onCollect?(): void;
}

/** The domains: where each recording method of the facade lands. */
export interface Domains {
  readonly trading: TradingMetrics;
  readonly performance: PerformanceMetrics;
  readonly strategies: StrategyMetrics;
  readonly execution: ExecutionMetrics;
  readonly positions: PositionMetrics;
  readonly heartbeats: HeartbeatMetrics;
  readonly models: ModelMetrics;
  readonly predictions: PredictionMetrics;
  readonly api: ApiMetrics;
  readonly db: DbMetrics;
  readonly pgPools: PgPoolObserver;
}

/** Everything `MonitoringService` holds. */
export interface Pipeline {
  /** The OpenTelemetry MeterProvider: the one running, else one made now (loading the SDK) for the bot's own instruments. */
  readonly meterProvider: () => MeterProvider;
  readonly guard: AdmittingGuard;
  readonly domains: Domains;
  readonly prometheus: PrometheusEndpoint;
  readonly file: PushExport<FileMetricExporter> | undefined;
  readonly dashboard: Dashboard | undefined;
  readonly web: WebIntegration;
  /** The whole HTTP surface as one handler, for the bot's own server. */
  readonly surface: SurfaceHandler;
  readonly server: MonitoringServer | undefined;
  /** Publishes the computed model metrics now. */
  readonly publishModels: () => void;
  /** The durable state, undefined when `stateDirectory` is off. */
  readonly state: StateStore | undefined;
  /** What the start restored from the state directory. */
  readonly restored: RestoreOutcome | undefined;
  /** In start order; stopped in reverse. */
  readonly components: readonly Component[];
  /** `monitoring_forwarded_dropped_total`: calls workers dropped before forwarding them. */
  readonly forwardedDropped: CounterSeries;
  /** `monitoring_forwarded_calls_total{worker}`: calls workers forwarded, by worker (`all` without `workerLabel`). */
  readonly forwardedCalls: SeriesTable<CounterSeries>;
  /** The domains' clock: `at` (Unix ms) while a call recorded elsewhere is replayed with its own time, else now. */
  readonly clock: RecordingClock;
}

/** What time the domains take as now: `at` when set (a forwarded call's record time), else `Date.now()`. */
export interface RecordingClock {
  at: number | undefined;
}

/**
 * The code of the optional parts that are on, loaded before building by {@link loadOptionalParts}:
 * a bot loads nothing of a part it does not use (OTLP, snapshots, durable state, host and runtime
 * metrics, the dashboard). Each is undefined when its option is off.
 */
export interface OptionalParts {
  readonly otlp: { readonly module: typeof OtlpModule; readonly createExporter: OtlpExporterFactory } | undefined;
  readonly file: typeof FileExporterModule | undefined;
  readonly state: { readonly store: typeof StateStoreModule; readonly file: typeof StateFileModule } | undefined;
  readonly system: typeof SystemModule | undefined;
  readonly runtime: typeof RuntimeModule | undefined;
  readonly dashboard: typeof DashboardModule | undefined;
  /** OpenTelemetry's metrics SDK, when a part needs a MeterProvider from the start (`needsMeterProvider`). */
  readonly sdk: Sdk | undefined;
}

/**
 * Whether a MeterProvider must run from the start: its readers push (OTLP, snapshot files), or
 * auto-instrumentation records into it, or, outside Linux, host-metrics' network counters do.
 * Otherwise the SDK's own instruments live on an `InstrumentMeter` and OpenTelemetry's SDK is not
 * loaded until the bot asks for `meterProvider`.
 */
export function needsMeterProvider(options: ResolvedOptions): boolean {
  const registered = registeredSelection();
  return (
    options.otlp !== false ||
    options.exportDirectory !== false ||
    options.autoInstrument !== false ||
    registered.http ||
    registered.fetch ||
    (options.systemMetrics && platform() !== 'linux')
  );
}

/**
 * Loads the optional parts the options turn on, prepares the snapshot directory and the OTLP exporter;
 * rejects with the MonitoringConfigError of either (an unwritable directory, a missing gRPC package).
 */
export async function loadOptionalParts(options: ResolvedOptions): Promise<OptionalParts> {
  const [otlp, file, store, stateFile, system, runtime, dashboard, sdk] = await Promise.all([
    options.otlp === false ? undefined : import('./export/otlp.ts'),
    options.exportDirectory === false ? undefined : import('./export/file-exporter.ts'),
    options.stateDirectory === false ? undefined : import('./state/store.ts'),
    options.stateDirectory === false ? undefined : import('./state/file.ts'),
    options.systemMetrics ? import('./collectors/system.ts') : undefined,
    options.runtimeMetrics ? import('./collectors/runtime.ts') : undefined,
    options.dashboard === false ? undefined : import('./dashboard/dashboard.ts'),
    needsMeterProvider(options) ? importSdk() : undefined,
  ]);
  if (file !== undefined && options.exportDirectory !== false)
    await file.prepareExportDirectory(options.exportDirectory);
  const createExporter =
    otlp === undefined || options.otlp === false ? undefined : await otlp.loadOtlpExporter(options.otlp);
  return {
    otlp: otlp === undefined || createExporter === undefined ? undefined : { module: otlp, createExporter },
    file,
    state: store === undefined || stateFile === undefined ? undefined : { store, file: stateFile },
    system,
    runtime,
    dashboard,
    sdk,
  };
}

/** Hooks from the service into the parts it builds. */
export interface PipelineHooks {
  /** The optional parts, loaded before building. */
  readonly parts: OptionalParts;
  /** The server is listening on `address`. */
  readonly listening: (address: AddressInfo) => void;
  /** What SIGTERM/SIGINT run with `handleSignals`. */
  readonly shutdown: () => Promise<void>;
}

const SCOPE = { name: SCOPE_NAME, version: VERSION };

/** The registry with its self-metrics: overflow folding is counted and warned once per metric. */
function createRegistry(options: ResolvedOptions, logger: Logger): InstrumentRegistry {
  const warned = new Set<string>();
  // The fold callback only runs when a recording overflows a table, never before overflowCounter is set below.
  const registry = new InstrumentRegistry(options.maxSeriesPerMetric, (def) => {
    overflowCounter.get1(def.name).value++;
    if (warned.has(def.name)) return;
    warned.add(def.name);
    logger.warn(
      `${def.name} reached maxSeriesPerMetric (${options.maxSeriesPerMetric}) label sets; new ones are folded into its otel_metric_overflow="true" series and counted in monitoring_series_overflow_total`,
    );
  });
  // Self-metrics are never folded: their label sets are bounded by the SDK itself.
  const overflowCounter = registry.counter(METRICS.seriesOverflow, Number.MAX_SAFE_INTEGER);
  return registry;
}

function createDomains(
  options: ResolvedOptions,
  registry: InstrumentRegistry,
  guard: InputGuard,
  now: () => number,
): Domains {
  const performance = new PerformanceMetrics(
    registry,
    guard,
    {
      tradeWindow: options.tradeWindow,
      draws: options.draws,
      startingBalance: options.startingBalance,
      returnsIntervalMs: options.returnsIntervalSeconds * 1000,
      returnsWindow: options.returnsWindow,
      periodsPerYear: options.periodsPerYear,
      riskFreeRate: options.riskFreeRate,
      requiredReturn: options.requiredReturn,
      minReturnPeriods: options.minReturnPeriods,
      varConfidence: options.varConfidence,
      timeZone: options.timeZone,
      maxSymbols: Math.floor(options.maxSeriesPerMetric / 2),
    },
    now,
  );
  const strategies = new StrategyMetrics(registry, {
    tradeWindow: options.tradeWindow,
    draws: options.draws,
    maxStrategies: options.maxStrategies,
  });
  performance.strategies = strategies;
  const trading = new TradingMetrics(registry, guard, (value) => performance.observeEquity(value), strategies);
  const execution = new ExecutionMetrics(
    registry,
    guard,
    strategies,
    {
      maxOpenOrders: options.maxOpenOrders,
      // Each combination takes 7 series of order_events_total: past this many that table is full anyway.
      maxGroups: Math.max(1, Math.floor(options.maxSeriesPerMetric / 7)),
    },
    now,
  );
  const positions = new PositionMetrics(registry, guard, () => trading.portfolioValueNow);
  const models = new ModelMetrics(registry, guard);
  const predictions = new PredictionMetrics(
    registry,
    guard,
    {
      windowSize: options.windowSize,
      maxPending: options.maxPending,
      outcomeTtlMs: options.outcomeTtlSeconds * 1000,
      calibrationBins: options.calibrationBins,
      adwin: options.driftDetectors.adwin,
      pageHinkley: options.driftDetectors.pageHinkley,
      maxFeatures: Math.min(100, options.maxSeriesPerMetric),
      maxFeatureStreams: options.maxFeatureStreams,
      maxClassesPerModel: options.maxClassesPerModel,
    },
    models.tables,
    now,
  );
  const db = new DbMetrics(registry, guard);
  const pgPools = new PgPoolObserver(db, guard, options.maxSeriesPerMetric);
  return {
    trading,
    performance,
    strategies,
    execution,
    positions,
    heartbeats: new HeartbeatMetrics(registry, guard, now),
    models,
    predictions,
    api: new ApiMetrics(registry, guard),
    db,
    pgPools,
  };
}

/** Builds every part; nothing runs until the components start. */
export function buildPipeline(options: ResolvedOptions, hooks: PipelineHooks): Pipeline {
  const { logger } = options;
  const { parts: loaded } = hooks;
  const attributes = resourceAttributes(options);
  const resource: Resource =
    loaded.sdk === undefined ? fixedResource(attributes) : loaded.sdk.resources.resourceFromAttributes(attributes);
  const registry = createRegistry(options, logger);
  const guard = new AdmittingGuard(
    options.strict,
    logger,
    registry.counter(METRICS.invalidInputs, Number.MAX_SAFE_INTEGER),
  );
  const health = new ExportHealth(registry.counter(METRICS.exportFailures, Number.MAX_SAFE_INTEGER), logger);
  const restoreFailures = registry.counter(METRICS.stateRestoreFailures, Number.MAX_SAFE_INTEGER);
  registry.gauge(METRICS.processStartTime).table.get0().value = performance.timeOrigin / 1000;
  const clock: RecordingClock = { at: undefined };
  const domains = createDomains(options, registry, guard, () => clock.at ?? Date.now());
  let state: StateStore | undefined;
  const beforeExport = () => state?.beforeExport() ?? Promise.resolve();
  // The push readers' source: they come with a MeterProvider, so with the SDK.
  const source: ReaderSource | undefined =
    loaded.sdk === undefined
      ? undefined
      : { metrics: loaded.sdk.metrics, registry, resource, scope: SCOPE, beforeExport };

  // Every reader pulls from the same registry through a producer of its own.
  const producer = () => new RegistryProducer(registry, resource, SCOPE, 'cumulative', beforeExport);
  // The SDK's own instruments: on the MeterProvider when one runs from the start, else on an
  // InstrumentMeter, read by the scrape and the dashboard directly.
  const ownMeter = loaded.sdk === undefined ? new InstrumentMeter() : undefined;
  const scrapeReader = loaded.sdk === undefined ? undefined : createPullReader(loaded.sdk.metrics);
  const instruments = new MetricSources(resource, [
    ownMeter === undefined ? scrapeReader! : meterSource(ownMeter, resource, SCOPE),
  ]);
  // The scrape writes the registry itself; the producer serves collect() (snapshots).
  const prometheus = new PrometheusEndpoint(registry, producer(), instruments, beforeExport, logger);
  const file =
    loaded.file === undefined || source === undefined
      ? undefined
      : createFileExport(loaded.file.FileMetricExporter, options, source, health, logger);
  const otlp =
    loaded.otlp === undefined || options.otlp === false || source === undefined
      ? undefined
      : createOtlpExport(loaded.otlp.module.OtlpPushExporter, loaded.otlp.createExporter, options.otlp, source, health);
  const dashboardReader =
    loaded.sdk === undefined || loaded.dashboard === undefined
      ? undefined
      : createPullReader(loaded.sdk.metrics, [producer()]);
  // The dashboard's collection: the instruments, then the registry, as a reader with the registry's producer returns them.
  const dashboardSource = new MetricSources(
    resource,
    dashboardReader !== undefined
      ? [dashboardReader]
      : ownMeter !== undefined
        ? [meterSource(ownMeter, resource, SCOPE), producer()]
        : [],
  );
  const dashboard =
    options.dashboard === false || loaded.dashboard === undefined
      ? undefined
      : new loaded.dashboard.Dashboard(
          options.dashboard,
          options.maxSeriesPerMetric,
          dashboardSource,
          logger,
          {
            returnsIntervalSeconds: options.returnsIntervalSeconds,
            returnsWindow: options.returnsWindow,
            ratioMinReturns: options.minReturnPeriods,
            tradeWindow: options.tradeWindow,
          },
          domains.execution,
        );
  if (loaded.state !== undefined && options.stateDirectory !== false) {
    state = new loaded.state.store.StateStore(
      options.stateDirectory,
      durableFiles(registry, domains, dashboard, options.stateFlushIntervalSeconds),
      {
        health,
        restoreFailures,
        logger,
        flushIntervalMs: options.stateFlushIntervalSeconds * 1000,
      },
    );
  }
  // Restored before anything records; a live lock of another process fails init here.
  const restored = state?.open();
  // Every reason at 0 from the start, so that `increase()` and alerts see the first failure.
  if (state !== undefined) for (const reason of loaded.state!.file.RESTORE_FAILURES) restoreFailures.get1(reason);
  let provider: MeterProvider | undefined;
  if (loaded.sdk !== undefined) {
    const readers: MetricReader[] = [scrapeReader!];
    if (file !== undefined) readers.push(file.reader);
    if (otlp !== undefined) readers.push(otlp.reader);
    if (dashboard !== undefined) readers.push(dashboardReader!);
    provider = new loaded.sdk.metrics.MeterProvider({ resource, readers });
  }
  const meter: Meter = ownMeter ?? provider!.getMeter(SCOPE_NAME, VERSION);
  /**
   * The MeterProvider, made on first use when none runs: the SDK loaded synchronously (a property
   * cannot await), with a pull reader for the scrape and one for the dashboard, whose collections
   * then carry its instruments after the SDK's own.
   */
  const meterProvider = (): MeterProvider => {
    if (provider !== undefined) return provider;
    const sdk = requireSdk();
    const scrape = createPullReader(sdk.metrics);
    const readers = [scrape];
    instruments.add(scrape);
    if (dashboard !== undefined) {
      const forDashboard = createPullReader(sdk.metrics);
      readers.push(forDashboard);
      // Before the registry's producer, as in a reader that carries it.
      dashboardSource.insertBeforeLast(forDashboard);
    }
    provider = new sdk.metrics.MeterProvider({ resource: sdk.resources.resourceFromAttributes(attributes), readers });
    return provider;
  };

  const publishModels = () => {
    try {
      domains.predictions.flush();
    } catch (error) {
      guard.fault('flushModelMetrics', error);
    }
  };
  // One gate for every mounting: the server, httpHandler(), metricsHandler() and the app's /metrics.
  const gate = createAccessGate(options.auth, options.authExemptPaths);
  const web = new WebIntegration(options, meterProvider, meter, prometheus.handle, gate, (error) => {
    try {
      guard.fault('httpServerMetrics', error);
    } catch {
      // strict mode re-throws; a response listener must not.
    }
  });

  // The parts in start order; stopped in reverse: signals and integrations first, the server closing
  // while the readers flush, the model metrics published before the final flush.
  let modelTimer: NodeJS.Timeout | undefined;
  let system: SystemMetrics | undefined;
  let runtime: RuntimeMetrics | undefined;
  let removeSignalHandlers: (() => void) | undefined;
  let readersFlushed: Promise<void> = Promise.resolve();
  const parts: Component[] = [
    {
      // First to start, last to stop: the final write waits for the readers' final flush, then releases the lock.
      name: 'state',
      start: () => state?.start(),
      stop: async () => {
        await readersFlushed;
        await state?.stop();
      },
    },
    {
      name: 'readers',
      routes: () => [
        ['/metrics', prometheus.handle],
        ['/', prometheus.handle],
      ],
      stop: () => (readersFlushed = flushReaders(provider, otlp?.exporter, options.shutdownTimeoutMs, logger)),
    },
    {
      name: 'model-metrics',
      start: () => {
        // strict mode re-throws from publishModels; a background timer must not crash the bot (the fault is counted).
        modelTimer = setInterval(() => {
          try {
            publishModels();
          } catch {
            // Counted as internal_error by the guard.
          }
        }, options.modelMetricsInterval * 1000);
        modelTimer.unref();
      },
      stop: () => {
        clearInterval(modelTimer);
        publishModels();
      },
    },
    {
      name: 'return-periods',
      start: () => {
        const notes = domains.performance.startupNotes();
        logger.info(notes.info);
        if (notes.warning !== undefined) logger.warn(notes.warning);
      },
    },
    { name: 'pg-pools', onCollect: () => domains.pgPools.collect() },
    {
      name: 'health',
      routes: () => [
        ['/healthz', livenessHandler()],
        [
          '/readyz',
          readinessHandler(
            {
              heartbeats: () => domains.heartbeats.heartbeatTimes(),
              failingExporters: () => health.failing(),
              now: () => Date.now(),
            },
            options,
          ),
        ],
      ],
    },
    {
      name: 'system',
      start: () => {
        if (loaded.system !== undefined)
          system = new loaded.system.SystemMetrics(
            { getMeter: (...args) => meterProvider().getMeter(...args) },
            meter,
            logger,
          );
      },
      stop: () => system?.stop(),
    },
    {
      name: 'runtime',
      start: () => {
        // The dashboard publishes the event-loop delay p99 itself; the scrape must hold it once.
        if (loaded.runtime !== undefined)
          runtime = new loaded.runtime.RuntimeMetrics(meter, logger, { delayP99: dashboard === undefined });
      },
      stop: () => runtime?.stop(),
    },
    {
      name: 'dashboard',
      routes: () =>
        dashboard === undefined
          ? []
          : [...dashboard.routes(), ['/api/v1/daily-pnl', dailyPnlHandler(() => domains.performance.dailyPnl())]],
      start: () => dashboard?.start(meter),
      stop: () => dashboard?.stop(),
    },
  ];
  for (const part of parts) if (part.onCollect !== undefined) registry.onCollect(part.onCollect);

  const routes = new Map<string, RouteHandler>(parts.flatMap((part) => [...(part.routes?.() ?? [])]));
  const protection = {
    auth: options.auth,
    authExemptPaths: options.authExemptPaths,
    allowedHosts: options.allowedHosts,
    gate,
  };
  const surface = createSurfaceHandler(routes, { ...protection, logger });
  const server =
    options.port === false ? undefined : new MonitoringServer(routes, logger, { ...protection, tls: options.tls });
  if (server !== undefined && options.auth === false && !isLoopback(options.host)) {
    logger.warn(
      `the monitoring server binds ${options.host}, beyond this machine, without authentication: anyone who can reach port ${options.port} can read balance, portfolio value and PnL; set auth (or MONITORING_AUTH_TOKEN / MONITORING_BASIC_AUTH), or bind 127.0.0.1`,
    );
  }
  const forwardedCalls = registry.counter(
    METRICS.forwardedCalls,
    options.workerLabel ? MAX_WORKER_LABELS : Number.MAX_SAFE_INTEGER,
  );
  if (!options.workerLabel) forwardedCalls.get1('all');
  const components: Component[] = [
    ...parts,
    {
      name: 'server',
      start: async () => {
        if (server !== undefined && options.port !== false)
          hooks.listening(await server.listen(options.host, options.port));
      },
      stop: () => server?.close(),
    },
    { name: 'integrations', start: () => web.start(), stop: () => web.stop() },
    {
      name: 'signals',
      start: () => {
        if (options.handleSignals) removeSignalHandlers = flushOnSignals(hooks.shutdown);
      },
      stop: () => removeSignalHandlers?.(),
    },
  ];
  return {
    meterProvider,
    guard,
    domains,
    prometheus,
    file,
    dashboard,
    web,
    surface,
    server,
    publishModels,
    state,
    restored,
    components,
    clock,
    forwardedDropped: registry.counter(METRICS.forwardedDropped, Number.MAX_SAFE_INTEGER).get0(),
    forwardedCalls,
  };
}

/**
 * How often the dashboard's history is written in the background. No reader publishes it, so it
 * needs no write before exports; a crash loses at most this much of a chart of hours (12 of the
 * 4 320 samples of the default 6 h at 5 s), and the writes are 12 times fewer than at the 5 s of
 * the figures. Shutdown and signals write it too.
 */
const HISTORY_FLUSH_INTERVAL_MS = 60_000;

/** What the state directory holds: the figures readers see (written before every export), and the dashboard's history. */
function durableFiles(
  registry: InstrumentRegistry,
  domains: Domains,
  dashboard: Dashboard | undefined,
  flushIntervalSeconds: number,
): DurableFile[] {
  const files: DurableFile[] = [
    {
      name: 'state.json',
      beforeExport: true,
      // The registry first: the domains then find their restored series.
      parts: [
        {
          name: 'registry',
          save: () => registry.saveState(),
          restore: (saved) => `${registry.restoreState(saved)} series`,
        },
        {
          name: 'performance',
          save: () => domains.performance.saveState(),
          restore: (saved) => domains.performance.restoreState(saved),
        },
        {
          name: 'strategies',
          save: () => domains.strategies.saveState(),
          restore: (saved) => domains.strategies.restoreState(saved),
        },
        {
          name: 'execution',
          save: () => domains.execution.saveState(),
          restore: (saved) => domains.execution.restoreState(saved),
        },
        {
          name: 'predictions',
          save: () => domains.predictions.saveState(),
          restore: (saved) => domains.predictions.restoreState(saved),
        },
        {
          name: 'models',
          save: () => domains.models.saveState(),
          restore: (saved) => domains.models.restoreState(saved),
        },
      ],
    },
  ];
  if (dashboard !== undefined) {
    const history = dashboard.history;
    files.push({
      name: 'dashboard.json',
      beforeExport: false,
      flushIntervalMs: Math.max(HISTORY_FLUSH_INTERVAL_MS, flushIntervalSeconds * 1000),
      // Megabytes when full: serialized a few series per event-loop turn, never in one pause.
      parts: [
        {
          name: 'history',
          save: () => history.saveState(),
          saveText: () => history.saveText(),
          restore: (saved) => history.restoreState(saved),
        },
      ],
    });
  }
  return files;
}

/**
 * Flushes every reader (a final snapshot, a final OTLP push); resolves within `timeoutMs` even when an
 * exporter hangs, and says so.
 */
async function flushReaders(
  meterProvider: MeterProvider | undefined,
  otlp: OtlpPushExporter | undefined,
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  otlp?.beginShutdown(timeoutMs);
  if (meterProvider === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const flushed = meterProvider.shutdown().then(
    () => true,
    (error: unknown) => {
      logger.warn(`flushing metrics at shutdown failed: ${(error as Error).message}`);
      return true;
    },
  );
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const done = await Promise.race([flushed, timedOut]);
  clearTimeout(timer);
  if (!done) {
    logger.warn(
      `shutdown gave up waiting for the final export after ${timeoutMs} ms (shutdownTimeoutMs); the last interval may be missing from snapshots or OTLP`,
    );
  }
}
