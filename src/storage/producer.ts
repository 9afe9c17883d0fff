import type { InstrumentationScope } from '@opentelemetry/core';
import { hrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, MetricProducer } from '@opentelemetry/sdk-metrics';
import { DeltaTracker } from './delta.ts';
import type { InstrumentRegistry } from './registry.ts';

/**
 * Hands the registry's pre-aggregated state to a MetricReader at collection time. One producer per
 * reader, each on the same registry, so every reader (Prometheus, OTLP, file) sees the same numbers;
 * a delta reader's producer keeps its own baseline.
 */
export class RegistryProducer implements MetricProducer {
  private readonly registry: InstrumentRegistry;
  private readonly resource: Resource;
  private readonly scope: InstrumentationScope;
  private readonly delta: DeltaTracker | undefined;
  private readonly beforeExport: (() => Promise<void>) | undefined;
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
    const delta = this.delta;
    const restored = this.registry.restoredBaseline;
    // After a restore, the history up to it was the previous process's to deliver: deltas start from it.
    if (delta !== undefined && restored !== undefined && !this.seeded) {
      delta.toDelta(restored.metrics, restored.time);
      delta.commit();
    }
    this.seeded = true;
    const endTime = hrTime();
    const cumulative = this.registry.collect(endTime);
    if (this.beforeExport !== undefined) await this.beforeExport();
    const metrics = this.delta === undefined ? cumulative : this.delta.toDelta(cumulative, endTime);
    return {
      resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: this.scope, metrics }] },
      errors: [],
    };
  }

  /** A delta export was delivered; the next delta starts from it. No-op for cumulative producers. */
  acknowledge(): void {
    this.delta?.commit();
  }
}
