import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, MetricProducer } from '@opentelemetry/sdk-metrics';
import type { InstrumentRegistry } from './registry.ts';

/**
 * Hands the registry's pre-aggregated state to a MetricReader at collection time. Registered on
 * every reader of the MeterProvider, so each reader (Prometheus, OTLP, file) sees the same numbers.
 */
export class RegistryProducer implements MetricProducer {
  private readonly registry: InstrumentRegistry;
  private readonly resource: Resource;
  private readonly scope: InstrumentationScope;

  constructor(registry: InstrumentRegistry, resource: Resource, scope: InstrumentationScope) {
    this.registry = registry;
    this.resource = resource;
    this.scope = scope;
  }

  async collect(): Promise<CollectionResult> {
    return {
      resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: this.scope, metrics: this.registry.collect() }] },
      errors: [],
    };
  }
}
