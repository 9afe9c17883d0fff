import type { HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, MetricProducer, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { DeltaTracker, type Delivery } from './delta.ts';
import type { InstrumentRegistry } from './registry.ts';
import { hrTimeNow } from './data-model.ts';

/** A collection ready to leave: `settle` reports what became of it (a delta producer moves or rolls back its baseline). */
export interface PreparedExport {
  readonly metrics: ResourceMetrics;
  settle(delivery: Delivery): void;
}

/**
 * Hands the registry's pre-aggregated state to a MetricReader at collection time. One producer per
 * reader, each on the same registry, so every reader (Prometheus, OTLP, file) sees the same numbers.
 * A delta producer collects cumulative data like the others and turns it into deltas only when the
 * exporter sends it (`prepareExport`), so a collection that is never sent moves no baseline.
 */
export class RegistryProducer implements MetricProducer {
  private readonly registry: InstrumentRegistry;
  private readonly resource: Resource;
  private readonly scope: InstrumentationScope;
  private readonly delta: DeltaTracker | undefined;
  private readonly beforeExport: (() => Promise<void>) | undefined;
  /** This producer's part of each collection not yet sent, with its time (delta producers only). */
  private readonly collected = new WeakMap<ScopeMetrics, HrTime>();
  private seeded = false;

  /** @param beforeExport awaited after each collection, before its data leaves (the durable state's write) */
  constructor(
    registry: InstrumentRegistry,
    resource: Resource,
    scope: InstrumentationScope,
    temporality: 'cumulative' | 'delta' = 'cumulative',
    beforeExport?: () => Promise<void>,
  ) {
    this.registry = registry;
    this.resource = resource;
    this.scope = scope;
    this.beforeExport = beforeExport;
    this.delta = temporality === 'delta' ? new DeltaTracker(registry.startTime) : undefined;
  }

  async collect(): Promise<CollectionResult> {
    const restored = this.registry.restoredBaseline;
    // After a restore, the history up to it was the previous process's to deliver: deltas start from it.
    if (this.delta !== undefined && restored !== undefined && !this.seeded)
      this.delta.seed(restored.metrics, restored.time);
    this.seeded = true;
    const endTime = hrTimeNow();
    const scopeMetrics: ScopeMetrics = { scope: this.scope, metrics: this.registry.collect(endTime) };
    if (this.beforeExport !== undefined) await this.beforeExport();
    if (this.delta !== undefined) this.collected.set(scopeMetrics, endTime);
    return { resourceMetrics: { resource: this.resource, scopeMetrics: [scopeMetrics] }, errors: [] };
  }

  /**
   * Called by the exporter as it sends `metrics`: a delta producer replaces its cumulative part with
   * the change since the last batch sent, and `settle` moves or rolls back that baseline (see
   * `DeltaTracker`). For a cumulative producer, or data this producer did not collect, the metrics as
   * they are and a `settle` that does nothing.
   */
  prepareExport(metrics: ResourceMetrics): PreparedExport {
    const delta = this.delta;
    if (delta === undefined) return { metrics, settle: noop };
    let settle: (delivery: Delivery) => void = noop;
    const scopeMetrics = metrics.scopeMetrics.map((sm) => {
      const endTime = this.collected.get(sm);
      if (endTime === undefined) return sm;
      this.collected.delete(sm);
      const batch = delta.toDelta(sm.metrics, endTime);
      settle = batch.settle;
      return { scope: sm.scope, metrics: batch.metrics };
    });
    return { metrics: { resource: metrics.resource, scopeMetrics }, settle };
  }
}

function noop(): void {}
