export { initEnhancedMonitoring, getMonitoringService } from './init.ts';
export { MonitoringService, type HistoryInput } from './service.ts';
export {
  connectMonitoring,
  type ConnectOptions,
  type MonitoringRecorder,
  type RecordingMethods,
} from './workers/connect.ts';
export { FORWARDED_METHODS, type ForwardedMethod } from './workers/methods.ts';
export type { WorkerOptions, ResolvedWorkers } from './workers/options.ts';
export {
  DEFAULT_OPTIONS,
  type MonitoringOptions,
  type ResolvedOptions,
  type OtlpOptions,
  type ResolvedOtlp,
  type ResourceAttributeValue,
} from './config/options.ts';
export type { OtlpProtocol, Temporality } from './export/options.ts';
export type {
  Snapshot,
  SnapshotMetric,
  SnapshotScalarMetric,
  SnapshotHistogramMetric,
  SnapshotPoint,
  SnapshotHistogramPoint,
  SnapshotBucket,
  SnapshotLabels,
} from './export/snapshot.ts';
export { FILE_EXPORT_FAILURE_REASONS, type FileExportFailureReason } from './export/file-failures.ts';
export type { OtlpFailureReason } from './export/otlp.ts';
export {
  ERROR_CODES,
  MonitoringConfigError,
  MonitoringInputError,
  MonitoringStateError,
  type MonitoringErrorCode,
} from './core/errors.ts';
export { consoleLogger, silentLogger, type Logger } from './core/logger.ts';
export {
  METRICS,
  METRIC_LIST,
  CONFIDENCE_BUCKETS,
  LATENCY_BUCKETS,
  type MetricDefinition,
  type MetricType,
  type MetricGroup,
} from './contract/metrics.ts';
export { INVALID_REASONS, type InvalidReason } from './domains/input.ts';
export { PROMETHEUS_CONTENT_TYPE } from './export/prometheus.ts';
export type {
  Direction,
  DirectionAlias,
  DirectionInput,
  TradingSignal,
  ExecutedTrade,
  PortfolioUpdate,
  OpenPositions,
  TradingPerformance,
} from './domains/trading.ts';
export type { ClosedTrade, EquityPoint, HistoryRestored } from './domains/performance.ts';
export type { FillInput, OrderInput, OrderStatus, OrderUpdate, TimeInput } from './domains/execution.ts';
export type { BalanceInput, BalancesUpdate, PositionInput, PositionsUpdate } from './domains/positions.ts';
export type {
  ModelKey,
  ModelPerformanceMetrics,
  ModelPerformanceUpdate,
  CalibrationUpdate,
  OnlineLearningUpdate,
} from './domains/models.ts';
export type {
  Prediction,
  ClassifierPrediction,
  RegressorPrediction,
  Outcome,
  LearningStep,
  FeatureValue,
} from './domains/predictions.ts';
export type { AdwinOptions } from './analytics/models/adwin.ts';
export type { PageHinkleyOptions, PageHinkleyMode } from './analytics/models/page-hinkley.ts';
export type { ApiCall, ApiQuota, HttpMethod, Tracked } from './domains/api.ts';
export type { DbPoolUpdate, DbQueryOptions } from './domains/db.ts';
export { HTTP_SERVER_DURATION_BUCKETS } from './integrations/http-server.ts';
export type { MetricsHandler, WebFramework, RawRequestHolder, RawReplyHolder } from './integrations/app.ts';
export type { ExpressMiddleware } from './integrations/express.ts';
export type { FastifyMetricsPlugin } from './integrations/fastify.ts';
export type { PgPoolLike, PgPoolObserveOptions } from './integrations/pg.ts';
export type { RouteHandler } from './http/server.ts';
export type { SurfaceHandler } from './http/surface.ts';
export type { AuthOptions, TlsOptions, DashboardOptions, ResolvedDashboard } from './config/options.ts';
export type { HttpOptions, ResolvedHttp } from './http/options.ts';
export type { ExportOptions, ResolvedExport } from './export/options.ts';
export type { StateOptions, ResolvedState } from './state/options.ts';
export type { ResourceOptions, ResolvedResource } from './config/resource.ts';
export type { LifecycleOptions, ResolvedLifecycle } from './lifecycle/options.ts';
export type {
  TradingAnalyticsOptions,
  ResolvedTradingAnalytics,
  ModelAnalyticsOptions,
  ResolvedModelAnalytics,
  DriftDetectorOptions,
} from './domains/options.ts';
export type { RecordingOptions, ResolvedRecording } from './config/options.ts';
export type { CollectorOptions, ResolvedCollectors } from './collectors/options.ts';
export type { DashboardSettings } from './dashboard/options.ts';
export type { IntegrationOptions, ResolvedIntegrations, AutoInstrumentOptions } from './integrations/options.ts';
export type { SeriesQuery, SeriesResponse, SeriesJson } from './dashboard/history.ts';
export type { FailedCheck } from './http/health.ts';
export { VERSION } from './core/version.ts';
