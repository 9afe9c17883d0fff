import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { Exemplar, HistogramSeries } from '../storage/histogram.ts';
import type { InstrumentRegistry, RegistryMetric } from '../storage/registry.ts';
import { LoopShare, loopClock } from './loop-share.ts';
import { familyHeader, formatBound, formatValue, sanitizeName, type ExpositionFormat } from './exposition.ts';

/** Longest run of rendering between two turns of the event loop. */
export const SLICE_MS = 2;
/** Series rendered between two looks at the clock (a histogram series is about 15 lines). */
const SERIES_PER_CHECK = 16;
/**
 * Bytes per chunk of the body. Above V8's largest regular object (128 KiB), so that a chunk decoded
 * to a string (`metricsText()`) lands in the large-object space, which no young-generation
 * collection copies; small enough for a socket write or a decode to stay well inside a slice.
 */
export const CHUNK_BYTES = 256 * 1024;
/** Longest decimal form of a number as JavaScript writes it (`-1.2345678901234567e-308`), with room to spare. */
const NUMBER_BYTES = 32;

const SPACE = 0x20;
const NEWLINE = 0x0a;
const CLOSE = 0x7d; // }
const EXEMPLAR_OPEN = Buffer.from(' # {');
const EXEMPLAR_CLOSE = Buffer.from('} ');

/** The bytes of one kind of sample line: `name{` before labels, `name ` without. */
interface SampleName {
  readonly open: Buffer;
  readonly bare: Buffer;
}

/** The bytes of one family, encoded once per format: a scrape copies them next to the series' own. */
interface Family {
  /** The name of its samples (a counter's ends in `_total`, a histogram's gets `_bucket`, `_count`, `_sum`). */
  readonly name: string;
  readonly header: string;
  /** A histogram's are for `_bucket`. */
  readonly sample: SampleName;
  readonly count: SampleName;
  readonly sum: SampleName;
  /** Per bucket: `,le="0.1"} ` after labels, `le="0.1"} ` without. */
  readonly le: readonly Buffer[];
  readonly leAlone: readonly Buffer[];
  /** The longest fixed part of one of its lines, for a series' upper bound in bytes. */
  readonly longestFixed: number;
}

function sampleName(name: string): SampleName {
  return { open: Buffer.from(`${name}{`), bare: Buffer.from(`${name} `) };
}

function familyOf(metric: RegistryMetric, format: ExpositionFormat): Family {
  const { descriptor } = metric;
  const counter = metric.kind === 'counter' || metric.kind === 'counterOfHistogram';
  const base = sanitizeName(descriptor.name);
  const name = counter && !base.endsWith('_total') ? `${base}_total` : base;
  const type = counter ? 'counter' : metric.kind;
  const header = familyHeader(name, type, descriptor.description, descriptor.unit, format);
  const bounds = metric.kind === 'histogram' ? [...(metric.def.buckets ?? []), undefined] : [];
  const sample = sampleName(metric.kind === 'histogram' ? `${name}_bucket` : name);
  const count = sampleName(`${name}_count`);
  const sum = sampleName(`${name}_sum`);
  const le = bounds.map((b) => Buffer.from(`,le="${formatBound(b)}"} `));
  const leAlone = bounds.map((b) => Buffer.from(`le="${formatBound(b)}"} `));
  const longestFixed = Math.max(sample.open.length, count.open.length, sum.open.length, ...le.map((b) => b.length)) + 2;
  return { name, header, sample, count, sum, le, leAlone, longestFixed };
}

const ignore = (): void => {};

/**
 * Chunk buffers handed back once nothing reads their bytes any more (zlib compressed them, or every
 * response sharing them sent them), for the next chunks of the same or a later exposition: a
 * gzipped scrape of any size allocates a few chunks, and scrapes that follow one another reuse the
 * same ones. At most `max` are kept between scrapes.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  private readonly own = new WeakSet<ArrayBufferLike>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** A buffer of `CHUNK_BYTES`, or of `bytes` when more (not pooled then). */
  take(bytes = CHUNK_BYTES): Buffer {
    if (bytes > CHUNK_BYTES) return Buffer.allocUnsafeSlow(bytes);
    const buf = this.free.pop();
    if (buf !== undefined) return buf;
    const fresh = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.own.add(fresh.buffer);
    return fresh;
  }

  /** Takes back the buffer under `chunk` (a view of one it gave) once nothing reads it any more; others are ignored. */
  give(chunk: Buffer): void {
    if (this.free.length < this.max && this.own.has(chunk.buffer))
      this.free.push(Buffer.from(chunk.buffer, 0, CHUNK_BYTES));
  }
}

/**
 * Writes text into chunks of `CHUNK_BYTES` and hands each full chunk to `emit`. Everything a scrape
 * writes repeatedly is copied as bytes (family names, the label text of a series after its first
 * line) or written digit by digit (integer values): a scrape makes little garbage (a string per
 * non-integer value), where concatenating lines made a 200 MB transient heap at 100 000 label sets. A series is written whole into one chunk
 * (`reserve` first), so its later lines copy its label text from its first line.
 */
class ChunkSink {
  private buf: Buffer | undefined = undefined;
  pos = 0;
  wrote = false;
  private labelsAt = -1;
  private labelBytes = 0;
  private emit: (chunk: Buffer) => void = ignore;
  private pool: ChunkPool | undefined = undefined;

  /** Starts a write: chunks go to `emit`, buffers come from `pool` (fresh ones without). */
  start(emit: (chunk: Buffer) => void, pool: ChunkPool | undefined): this {
    this.emit = emit;
    this.pool = pool;
    this.buf = undefined;
    this.pos = 0;
    this.wrote = false;
    this.labelsAt = -1;
    return this;
  }

  /** Ends a write: holds nothing of it any more (the sink is kept for the next one). */
  end(): void {
    this.emit = ignore;
    this.pool = undefined;
    this.buf = undefined;
  }

  /** Room for at least `bytes` more bytes in the current chunk: a new chunk when they do not fit. */
  reserve(bytes: number): Buffer {
    const buf = this.buf;
    if (buf !== undefined && this.pos + bytes <= buf.length) return buf;
    this.flush();
    this.pos = 0;
    return (this.buf =
      this.pool === undefined ? Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes)) : this.pool.take(bytes));
  }

  /** Hands the bytes written so far to `emit`; the next write starts a new chunk. */
  flush(): void {
    if (this.buf !== undefined && this.pos > 0) {
      this.emit(this.buf.subarray(0, this.pos));
      this.wrote = true;
    }
    this.buf = undefined;
    this.pos = 0;
  }

  bytes(buf: Buffer, src: Uint8Array): void {
    buf.set(src, this.pos);
    this.pos += src.length;
  }

  byte(buf: Buffer, b: number): void {
    buf[this.pos++] = b;
  }

  /** A string, as UTF-8. */
  text(buf: Buffer, text: string): void {
    this.pos += buf.write(text, this.pos, 'utf8');
  }

  /** Starts a series: its label text is encoded at its first `labels()` and copied at the next ones. */
  startSeries(): void {
    this.labelsAt = -1;
  }

  /** The label text of the series being written. */
  labels(buf: Buffer, text: string): void {
    if (this.labelsAt < 0) {
      this.labelsAt = this.pos;
      this.text(buf, text);
      this.labelBytes = this.pos - this.labelsAt;
    } else this.again(buf, this.labelsAt, this.labelBytes);
  }

  /** `bytes` bytes written earlier in this chunk, from `from`, copied again. */
  again(buf: Buffer, from: number, bytes: number): void {
    buf.copyWithin(this.pos, from, from + bytes);
    this.pos += bytes;
  }

  /** A sample value as `formatValue` writes it: integers digit by digit, anything else through its string. */
  number(buf: Buffer, value: number): void {
    if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value)) {
      this.text(buf, formatValue(value));
      return;
    }
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    let pos = this.pos + digits;
    this.pos = pos;
    let v = value;
    do {
      const q = Math.floor(v / 10);
      buf[--pos] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  }
}

/** Upper bound of the bytes of one line of `family` carrying `labelText` (UTF-8 is at most 3 bytes per UTF-16 unit). */
function lineBound(family: Family, labelText: string): number {
  return family.longestFixed + labelText.length * 3 + NUMBER_BYTES + 1;
}

/** One sample line: `name{labels} value` or `name value`. */
function writeLine(sink: ChunkSink, name: SampleName, labelText: string, value: number): void {
  const buf = sink.reserve(name.open.length + labelText.length * 3 + NUMBER_BYTES + 2);
  if (labelText === '') {
    sink.bytes(buf, name.bare);
  } else {
    sink.bytes(buf, name.open);
    sink.text(buf, labelText);
    sink.byte(buf, CLOSE);
    sink.byte(buf, SPACE);
  }
  sink.number(buf, value);
  sink.byte(buf, NEWLINE);
}

/** Upper bound of the bytes of a histogram series, exemplars included. */
function histogramBound(
  family: Family,
  s: HistogramSeries,
  exemplars: readonly (Exemplar | undefined)[] | undefined,
): number {
  let bytes = (s.counts.length + 2) * lineBound(family, s.labelText);
  if (exemplars !== undefined)
    for (const exemplar of exemplars)
      if (exemplar !== undefined) bytes += exemplar.labelText.length * 3 + 2 * NUMBER_BYTES + 8;
  return bytes;
}

/**
 * A histogram series, its values read in one go (buckets, `_sum` and `_count` always agree). The
 * text format in OpenTelemetry's order (`_count`, `_sum`, buckets), OpenMetrics in its own, with
 * each bucket's last exemplar (the text format has no exemplars). The label text is encoded once,
 * in the series' first line, and copied from there into the others.
 */
function writeHistogram(sink: ChunkSink, family: Family, s: HistogramSeries, format: ExpositionFormat): void {
  const labels = s.labelText;
  const counts = s.counts;
  const exemplars = format === 'openmetrics' ? s.exemplars : undefined;
  const buf = sink.reserve(histogramBound(family, s, exemplars));
  sink.startSeries();
  if (format === 'text') {
    seriesLine(sink, buf, family.count, labels, s.count);
    seriesLine(sink, buf, family.sum, labels, s.sum);
  }
  let cumulative = 0;
  for (let k = 0; k < counts.length; k++) {
    cumulative += counts[k]!;
    if (labels === '') {
      sink.bytes(buf, family.sample.open);
      sink.bytes(buf, family.leAlone[k]!);
    } else {
      sink.bytes(buf, family.sample.open);
      sink.labels(buf, labels);
      sink.bytes(buf, family.le[k]!);
    }
    sink.number(buf, cumulative);
    const exemplar = exemplars?.[k];
    if (exemplar !== undefined) {
      sink.bytes(buf, EXEMPLAR_OPEN);
      sink.text(buf, exemplar.labelText);
      sink.bytes(buf, EXEMPLAR_CLOSE);
      sink.number(buf, exemplar.value);
      sink.byte(buf, SPACE);
      sink.number(buf, exemplar.timestamp);
    }
    sink.byte(buf, NEWLINE);
  }
  if (format === 'openmetrics') {
    seriesLine(sink, buf, family.count, labels, s.count);
    seriesLine(sink, buf, family.sum, labels, s.sum);
  }
}

/** A `_count` or `_sum` line of the series being written (its label text copied, see `ChunkSink.labels`). */
function seriesLine(sink: ChunkSink, buf: Buffer, name: SampleName, labels: string, value: number): void {
  if (labels === '') sink.bytes(buf, name.bare);
  else {
    sink.bytes(buf, name.open);
    sink.labels(buf, labels);
    sink.byte(buf, CLOSE);
    sink.byte(buf, SPACE);
  }
  sink.number(buf, value);
  sink.byte(buf, NEWLINE);
}

/** Writes one series, its family's header first if `headed` is false; returns whether the family is now headed. */
function writeSeries(
  sink: ChunkSink,
  metric: RegistryMetric,
  family: Family,
  s: unknown,
  format: ExpositionFormat,
  headed: boolean,
): boolean {
  let value: number;
  let labelText: string;
  switch (metric.kind) {
    case 'counter':
      value = (s as CounterSeries).value;
      labelText = (s as CounterSeries).labelText;
      break;
    case 'counterOfHistogram':
      value = (s as HistogramSeries).count;
      labelText = (s as HistogramSeries).labelText;
      break;
    case 'gauge':
      value = metric.gauge.read(s as GaugeSeries);
      if (Number.isNaN(value)) return headed;
      labelText = (s as GaugeSeries).labelText;
      break;
    case 'histogram':
      if ((s as HistogramSeries).count === 0) return headed;
      if (!headed) writeHeader(sink, family);
      writeHistogram(sink, family, s as HistogramSeries, format);
      return true;
  }
  if (!headed) writeHeader(sink, family);
  writeLine(sink, family.sample, labelText, value);
  return true;
}

function writeHeader(sink: ChunkSink, family: Family): void {
  sink.text(sink.reserve(family.header.length * 3), family.header);
}

/** How `RegistryWriter.write` runs. */
export interface WriteOptions {
  /** What the slices are charged to (the endpoint's share); one of its own otherwise. */
  readonly share?: LoopShare;
  /** Where chunk buffers come from; fresh ones otherwise. */
  readonly pool?: ChunkPool;
  /** Awaited between slices when given: resolves once the consumer of the chunks can take more. */
  readonly ready?: () => Promise<void> | undefined;
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
  /** Sinks of finished writes, for the next ones (one per write in progress). */
  private readonly sinks: ChunkSink[] = [];
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
   * Writes every published series in slices, passing full chunks to `emit`, and yields to the event
   * loop between slices (through the share, which may wait longer while the loop is busy). Resolves
   * to whether anything was written.
   */
  async write(format: ExpositionFormat, emit: (chunk: Buffer) => void, options: WriteOptions = {}): Promise<boolean> {
    // Sinks are reused, not made per scrape: V8 drops optimized code that depends on an object shape
    // no live object has any more, and with a sink per scrape the writer ran unoptimized after every
    // major garbage collection (several times slower).
    const sink = (this.sinks.pop() ?? new ChunkSink()).start(emit, options.pool);
    try {
      return await this.writeInto(sink, format, options.share ?? new LoopShare(), options.ready);
    } finally {
      sink.end();
      this.sinks.push(sink);
    }
  }

  private async writeInto(
    sink: ChunkSink,
    format: ExpositionFormat,
    share: LoopShare,
    ready: WriteOptions['ready'],
  ): Promise<boolean> {
    let deadline = performance.now() + SLICE_MS;
    let started = loopClock();
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
        headed = writeSeries(sink, metric, family, s, format, headed);
        if (++sinceCheck === SERIES_PER_CHECK) {
          sinceCheck = 0;
          if (performance.now() >= deadline) {
            share.charge(loopClock() - started);
            await share.yield();
            await ready?.();
            deadline = performance.now() + SLICE_MS;
            started = loopClock();
          }
        }
      }
    }
    sink.flush();
    share.charge(loopClock() - started);
    return sink.wrote;
  }

  private family(metric: RegistryMetric, format: ExpositionFormat): Family {
    let family = this.families[format].get(metric);
    if (family === undefined) this.families[format].set(metric, (family = familyOf(metric, format)));
    return family;
  }
}
