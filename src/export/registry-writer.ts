import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
import type { InstrumentRegistry, RegistryMetric } from '../storage/registry.ts';
import { familyHeader, formatBound, formatValue, sanitizeName, type ExpositionFormat } from './exposition.ts';

/** Longest run of rendering between two turns of the event loop. */
export const SLICE_MS = 2;
/** Series rendered between two looks at the clock (a histogram series is about 15 lines). */
const SERIES_PER_CHECK = 16;
/**
 * Characters per chunk. Concatenation only links strings; the copy happens when a chunk is encoded,
 * so chunks are kept small for that copy to stay well inside a slice.
 */
const CHUNK_CHARS = 64 * 1024;

/** The strings of one family, built once per format: a scrape only concatenates them with the series' own. */
interface Family {
  /** The name of its samples (a counter's ends in `_total`, a histogram's gets `_bucket`, `_count`, `_sum`). */
  readonly name: string;
  readonly header: string;
  /** `name{` and `name ` for a sample with and without labels; a histogram's are for `_bucket`. */
  readonly open: string;
  readonly bare: string;
  readonly count: Pick<Family, 'open' | 'bare'>;
  readonly sum: Pick<Family, 'open' | 'bare'>;
  /** Per bucket: `,le="0.1"} ` after labels, `le="0.1"} ` without. */
  readonly le: readonly string[];
  readonly leAlone: readonly string[];
}

function sampleName(name: string): Pick<Family, 'open' | 'bare'> {
  return { open: `${name}{`, bare: `${name} ` };
}

function familyOf(metric: RegistryMetric, format: ExpositionFormat): Family {
  const { descriptor } = metric;
  const counter = metric.kind === 'counter' || metric.kind === 'counterOfHistogram';
  const base = sanitizeName(descriptor.name);
  const name = counter && !base.endsWith('_total') ? `${base}_total` : base;
  const type = counter ? 'counter' : metric.kind;
  const header = familyHeader(name, type, descriptor.description, descriptor.unit, format);
  const bounds = metric.kind === 'histogram' ? [...(metric.def.buckets ?? []), undefined] : [];
  return {
    name,
    header,
    ...sampleName(metric.kind === 'histogram' ? `${name}_bucket` : name),
    count: sampleName(`${name}_count`),
    sum: sampleName(`${name}_sum`),
    le: bounds.map((b) => `,le="${formatBound(b)}"} `),
    leAlone: bounds.map((b) => `le="${formatBound(b)}"} `),
  };
}

function line(family: Pick<Family, 'open' | 'bare'>, labels: string, value: number): string {
  return labels === '' ? `${family.bare}${formatValue(value)}\n` : `${family.open}${labels}} ${formatValue(value)}\n`;
}

/**
 * A histogram series, its values read in one go (buckets, `_sum` and `_count` always agree). The
 * text format in OpenTelemetry's order (`_count`, `_sum`, buckets), OpenMetrics in its own, with
 * each bucket's last exemplar (the text format has no exemplars).
 */
function histogramLines(family: Family, s: HistogramSeries, format: ExpositionFormat): string {
  const labels = s.labelText;
  const counts = s.counts;
  const exemplars = format === 'openmetrics' ? s.exemplars : undefined;
  let buckets = '';
  let cumulative = 0;
  for (let k = 0; k < counts.length; k++) {
    cumulative += counts[k]!;
    const exemplar = exemplars?.[k];
    buckets +=
      (labels === ''
        ? `${family.open}${family.leAlone[k]}${formatValue(cumulative)}`
        : `${family.open}${labels}${family.le[k]}${formatValue(cumulative)}`) +
      (exemplar === undefined
        ? '\n'
        : ` # {${exemplar.labelText}} ${formatValue(exemplar.value)} ${formatValue(exemplar.timestamp)}\n`);
  }
  const count = line(family.count, labels, s.count);
  const sum = line(family.sum, labels, s.sum);
  return format === 'text' ? count + sum + buckets : buckets + count + sum;
}

/** The lines of one series, or '' when it is not published (a gauge not set, a histogram without observations). */
function seriesLines(metric: RegistryMetric, family: Family, s: unknown, format: ExpositionFormat): string {
  switch (metric.kind) {
    case 'counter':
      return line(family, (s as CounterSeries).labelText, (s as CounterSeries).value);
    case 'counterOfHistogram':
      return line(family, (s as HistogramSeries).labelText, (s as HistogramSeries).count);
    case 'gauge': {
      const value = metric.gauge.read(s as GaugeSeries);
      return Number.isNaN(value) ? '' : line(family, (s as GaugeSeries).labelText, value);
    }
    case 'histogram':
      return (s as HistogramSeries).count === 0 ? '' : histogramLines(family, s as HistogramSeries, format);
  }
}

/**
 * Writes the registry's metrics in either exposition format straight from the pre-aggregated series:
 * family strings are built once, each series carries its label text from its creation, so a scrape
 * only concatenates names, label texts and numbers, and escapes nothing.
 *
 * It yields to the event loop every couple of milliseconds whatever the number of series, so the
 * bot records between slices. Each series is read in one go (a histogram's buckets, `_sum` and
 * `_count` agree), but two series may be read a few milliseconds apart: a scrape of many series is
 * not one instant. Counters only grow, so a later value is still a true one; `trading_signals_total`
 * is read from its histogram's count and may be a few signals ahead of or behind it.
 */
export class RegistryWriter {
  private readonly registry: InstrumentRegistry;
  private readonly families: Record<ExpositionFormat, WeakMap<RegistryMetric, Family>> = {
    text: new WeakMap(),
    openmetrics: new WeakMap(),
  };

  constructor(registry: InstrumentRegistry) {
    this.registry = registry;
  }

  /** The Prometheus names of the registry's families (a counter's with `_total`). */
  names(): Set<string> {
    return new Set(this.registry.metrics.map((m) => this.family(m, 'text').name));
  }

  /**
   * Writes every published series in slices, passing each slice's bytes to `emit`, and yields to the
   * event loop between slices. Resolves to whether anything was written.
   */
  async write(format: ExpositionFormat, emit: (chunk: Buffer) => void): Promise<boolean> {
    let out = '';
    let wrote = false;
    let deadline = performance.now() + SLICE_MS;
    let sinceCheck = 0;
    const metrics = this.registry.metrics;
    for (let m = 0; m < metrics.length; m++) {
      const metric = metrics[m]!;
      const family = this.family(metric, format);
      const table = metric.kind === 'gauge' ? metric.gauge.table : metric.table;
      let headed = false;
      // Creation order, then the overflow series; a series created between slices is written too.
      for (let i = 0; ; i++) {
        const s = i < table.series.length ? table.series[i] : i === table.series.length ? table.overflow : undefined;
        if (s === undefined) break;
        const lines = seriesLines(metric, family, s, format);
        if (lines !== '') {
          if (!headed) {
            out += family.header;
            headed = true;
          }
          out += lines;
        }
        if (out.length >= CHUNK_CHARS) {
          emit(Buffer.from(out, 'utf8'));
          wrote = true;
          out = '';
        }
        if (++sinceCheck === SERIES_PER_CHECK) {
          sinceCheck = 0;
          if (performance.now() >= deadline) {
            if (out !== '') {
              emit(Buffer.from(out, 'utf8'));
              wrote = true;
              out = '';
            }
            await nextTurn();
            deadline = performance.now() + SLICE_MS;
          }
        }
      }
    }
    if (out !== '') {
      emit(Buffer.from(out, 'utf8'));
      wrote = true;
    }
    return wrote;
  }

  private family(metric: RegistryMetric, format: ExpositionFormat): Family {
    let family = this.families[format].get(metric);
    if (family === undefined) this.families[format].set(metric, (family = familyOf(metric, format)));
    return family;
  }
}
