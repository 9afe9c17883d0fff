/**
 * OpenTelemetry's metrics SDK, loaded only by a monitoring that needs a MeterProvider: OTLP or
 * snapshot files configured, auto-instrumentation, host network counters outside Linux, or the bot
 * asking for `meterProvider`. As ES modules it costs about 25 MiB and 100 ms at start (Node 24).
 */
import { createRequire } from 'node:module';
import type * as ResourcesModule from '@opentelemetry/resources';
import type * as MetricsModule from '@opentelemetry/sdk-metrics';
import type { MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';
import { ownFile } from '../core/own-file.ts';

export interface Sdk {
  readonly metrics: typeof MetricsModule;
  readonly resources: typeof ResourcesModule;
}

/** The SDK as this build imports it (ES modules, or CommonJS in the CommonJS build). */
export async function importSdk(): Promise<Sdk> {
  const [metrics, resources] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/resources'),
  ]);
  return { metrics, resources };
}

/**
 * The SDK loaded synchronously, for a MeterProvider asked for after start (`meterProvider` is a
 * property): `require` resolves OpenTelemetry's CommonJS files, also from the ES module build. The
 * provider works with any copy of `@opentelemetry/api` (its global registry is shared); only an
 * `instanceof` against the ES module classes would tell the copies apart.
 */
export function requireSdk(): Sdk {
  const require = createRequire(ownFile());
  return {
    metrics: require('@opentelemetry/sdk-metrics') as typeof MetricsModule,
    resources: require('@opentelemetry/resources') as typeof ResourcesModule,
  };
}

/**
 * A pull reader that exports nothing: the scrape, `exportSnapshot()` and the dashboard collect through
 * it (cumulative, the default aggregations), with `producers`' data after the instruments'.
 */
export function createPullReader(metrics: typeof MetricsModule, producers: MetricProducer[] = []): MetricReader {
  class PullReader extends metrics.MetricReader {
    protected override onShutdown(): Promise<void> {
      return Promise.resolve();
    }

    protected override onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
  }
  return new PullReader({ metricProducers: producers });
}
