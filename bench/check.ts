/**
 * Reading back what each contestant recorded: OpenTelemetry MetricData from a reader, prom-client's
 * `get()`, and our SDK's Prometheus exposition. A contestant that did not record what the loop
 * asked for makes its timing meaningless, so every case is checked after the run.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData, type MetricReader } from '@opentelemetry/sdk-metrics';

export interface NamedReader {
  readonly name: string;
  readonly reader: MetricReader;
}

export interface Collected {
  readonly reader: string;
  readonly metrics: MetricData[];
  readonly errors: unknown[];
}

export async function collectAll(readers: readonly NamedReader[]): Promise<Collected[]> {
  const out: Collected[] = [];
  for (const { name, reader } of readers) {
    const { resourceMetrics, errors } = await reader.collect();
    out.push({ reader: name, metrics: resourceMetrics.scopeMetrics.flatMap((s) => s.metrics), errors });
  }
  return out;
}

function metric(metrics: readonly MetricData[], name: string): MetricData | undefined {
  return metrics.find((m) => m.descriptor.name === name);
}

/** Sum of a counter's points; `where` filters by attributes. */
export function otelCounterTotal(
  metrics: readonly MetricData[],
  name: string,
  where: (a: Attributes) => boolean = () => true,
): number {
  const m = metric(metrics, name);
  if (m === undefined || m.dataPointType !== DataPointType.SUM) return Number.NaN;
  let total = 0;
  for (const p of m.dataPoints) if (where(p.attributes)) total += p.value;
  return total;
}

export function otelHistogramTotals(
  metrics: readonly MetricData[],
  name: string,
): { count: number; sum: number; series: number } {
  const m = metric(metrics, name);
  if (m === undefined || m.dataPointType !== DataPointType.HISTOGRAM)
    return { count: Number.NaN, sum: Number.NaN, series: 0 };
  let count = 0;
  let sum = 0;
  for (const p of m.dataPoints) {
    count += p.value.count;
    sum += p.value.sum ?? Number.NaN;
  }
  return { count, sum, series: m.dataPoints.length };
}

export function otelSeriesCount(metrics: readonly MetricData[], name: string): number {
  return metric(metrics, name)?.dataPoints.length ?? 0;
}

/** Gauge values keyed by `symbol|direction` ('' for a gauge without attributes). */
export function otelGaugeValues(metrics: readonly MetricData[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  const m = metric(metrics, name);
  if (m === undefined || m.dataPointType !== DataPointType.GAUGE) return out;
  for (const p of m.dataPoints) out.set(gaugeKey(p.attributes), p.value);
  return out;
}

export function gaugeKey(labels: Record<string, unknown>): string {
  return labels['symbol'] === undefined ? '' : `${String(labels['symbol'])}|${String(labels['direction'])}`;
}

// ---- Prometheus text (our SDK's metricsText()) -----------------------------------------------

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l: RegExpExecArray | null;
    while ((l = re.exec(m[2] ?? '')) !== null) labels[l[1]!] = l[2]!;
    const v = m[3]!;
    out.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

export function samplesOf(samples: readonly Sample[], name: string): Sample[] {
  return samples.filter((s) => s.name === name);
}

export function sampleTotal(
  samples: readonly Sample[],
  name: string,
  where: (l: Record<string, string>) => boolean = () => true,
): number {
  let total = 0;
  let seen = false;
  for (const s of samples) {
    if (s.name === name && where(s.labels)) {
      total += s.value;
      seen = true;
    }
  }
  return seen ? total : Number.NaN;
}

// ---- comparisons -----------------------------------------------------------------------------

/** Appends a problem when `actual` is not `expected` (relative tolerance for float sums). */
export function expectEqual(problems: string[], what: string, actual: number, expected: number, relTol = 0): void {
  const ok =
    relTol === 0 ? actual === expected : Math.abs(actual - expected) <= relTol * Math.max(1, Math.abs(expected));
  if (!ok) problems.push(`${what}: got ${actual}, expected ${expected}`);
}
