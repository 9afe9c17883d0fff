/**
 * Where the OpenTelemetry part of a collection comes from: the SDK's own meter (`InstrumentMeter`)
 * when no MeterProvider runs, an OpenTelemetry MetricReader when one does (and both once the bot
 * asked for `meterProvider` after start), concatenated into one collection as one reader would
 * return it.
 */
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { CollectionResult, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { InstrumentMeter } from '../storage/meter.ts';

/** Anything that collects like a MetricReader: the readers themselves, the registry's producer. */
export interface MetricSource {
  collect(): Promise<CollectionResult>;
}

/** Several sources as one, in order; one can be added later (the reader of a MeterProvider made on demand). */
export class MetricSources implements MetricSource {
  private readonly resource: Resource;
  private readonly sources: MetricSource[];

  constructor(resource: Resource, sources: MetricSource[]) {
    this.resource = resource;
    this.sources = sources;
  }

  add(source: MetricSource): void {
    this.sources.push(source);
  }

  /** `source` before the last one (the registry's producer stays last). */
  insertBeforeLast(source: MetricSource): void {
    this.sources.splice(Math.max(0, this.sources.length - 1), 0, source);
  }

  async collect(): Promise<CollectionResult> {
    if (this.sources.length === 1) return this.sources[0]!.collect();
    const results = await Promise.all(this.sources.map((source) => source.collect()));
    const scopeMetrics: ScopeMetrics[] = [];
    const errors: unknown[] = [];
    for (const result of results) {
      scopeMetrics.push(...result.resourceMetrics.scopeMetrics);
      errors.push(...result.errors);
    }
    return { resourceMetrics: { resource: this.resource, scopeMetrics }, errors };
  }
}

/** The SDK's own meter as a source: one scope. */
export function meterSource(meter: InstrumentMeter, resource: Resource, scope: InstrumentationScope): MetricSource {
  return {
    collect: async () => {
      const { metrics, errors } = await meter.collect();
      return { resourceMetrics: { resource, scopeMetrics: [{ scope, metrics }] }, errors };
    },
  };
}
