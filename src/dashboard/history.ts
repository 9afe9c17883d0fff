import { endianness } from 'node:os';
import { StateMismatchError, StateReader } from '../analytics/state.ts';
import type { Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../core/logger.ts';
import { prometheusName } from '../export/prometheus.ts';
import { BucketExtremes, gaugePoints, layout, type Layout } from './downsample.ts';
import type { ResolvedDashboard } from './options.ts';
import { histogramQuantile } from './quantile.ts';
import { HISTOGRAM_POINTS } from '../storage/data-model.ts';

type Labels = Readonly<Record<string, string>>;

/** A metric the dashboard charts, and which of its series it keeps. */
interface Kept {
  /** Keep only points with these label values. */
  readonly where?: Readonly<Record<string, string>>;
  /** Labels dropped from the key (they are constant after `where`). */
  readonly drop?: readonly string[];
  /** Keep only points whose attributes pass this test (after `where`). */
  readonly keep?: (attributes: Readonly<Record<string, unknown>>) => boolean;
}

/**
 * The trade figures of the performance table past win rate and profit factor: per symbol over the
 * lifetime, and over the rolling window for `symbol="all"` only. Both windows of every symbol would
 * take 2 x (symbols + 1) slots per family, 1 224 more at 50 symbols: more than half of the default
 * 2 000 slots, crowding out the other panels.
 */
const TRADE_FIGURE: Kept = { keep: (a) => a['window'] !== 'rolling' || a['symbol'] === 'all' };

/** The scrape names the dashboard draws, as Prometheus sees them. */
export const HISTORY_METRICS: ReadonlyMap<string, Kept> = new Map<string, Kept>([
  ['portfolio_value', {}],
  ['balance', {}],
  ['drawdown', {}],
  ['max_drawdown', {}],
  ['realized_pnl', {}],
  ['trades_closed_total', {}],
  ['win_rate', {}],
  ['profit_factor', {}],
  ['sharpe_ratio', {}],
  ['sortino_ratio', {}],
  ['calmar_ratio', {}],
  ['trading_signals_total', {}],
  ['executed_trades_total', {}],
  ['open_positions', {}],
  ['bot_heartbeat_timestamp_seconds', {}],
  ['model_accuracy', {}],
  ['model_rmse', {}],
  ['calibration_reliability', {}],
  ['model_drift_events_total', {}],
  ['api_requests_total', {}],
  ['api_errors_total', {}],
  ['api_latency_seconds', {}],
  ['api_quota_remaining', {}],
  ['db_query_duration_seconds', {}],
  ['db_connection_pool_size', {}],
  ['db_connections_active', {}],
  ['system_memory_utilization', { where: { 'system.memory.state': 'used' }, drop: ['system.memory.state'] }],
  ['process_memory_usage', {}],
  ['system_cpu_load_average_1m', {}],
  ['nodejs_eventloop_delay_p99', {}],
  ['process_cpu_utilization', {}],
  // Node runtime metrics (@opentelemetry/instrumentation-runtime-node), drawn when present.
  ['v8js_memory_heap_used', {}],
  ['nodejs_eventloop_utilization', {}],
  ['v8js_gc_duration', {}],
  ['position_quantity', {}],
  ['position_notional', {}],
  ['unrealized_pnl', {}],
  ['exposure', {}],
  ['leverage', {}],
  ['strategy_realized_pnl', {}],
  // The performance table's statistics (renderRatios).
  ['payoff_ratio', TRADE_FIGURE],
  ['sqn', TRADE_FIGURE],
  ['max_consecutive_wins', TRADE_FIGURE],
  ['max_consecutive_losses', TRADE_FIGURE],
  ['current_streak', {}],
  ['largest_win', TRADE_FIGURE],
  ['largest_loss', TRADE_FIGURE],
  ['gross_profit', TRADE_FIGURE],
  ['gross_loss', TRADE_FIGURE],
  ['trade_fees', TRADE_FIGURE],
  ['average_holding_seconds', TRADE_FIGURE],
  ['drawdown_duration_seconds', {}],
  ['max_drawdown_duration_seconds', {}],
  ['recovery_factor', {}],
  ['value_at_risk', {}],
  ['conditional_value_at_risk', {}],
  ['tail_ratio', {}],
  ['omega_ratio', {}],
  ['return_skewness', {}],
  ['return_kurtosis', {}],
  ['realized_pnl_period', {}],
]);

/**
 * How `saveState` writes a buffer: its filled part only, as an array of deltas when every value is
 * a safe integer (counters, histogram counts, timestamps: one to five characters a value, null for
 * a gap), else as the base64 of its little-endian float64 bytes (under 11 characters a value, where
 * a JSON number takes up to 24; exact, NaN and -0 included).
 */
const SAVED_ENCODING = 'filled:deltas|f64le-base64';
const BIG_ENDIAN = endianness() === 'BE';

/** The first `count` values of `values`, encoded as `SAVED_ENCODING` says. */
function encodeFloats(values: Float64Array, count: number): (number | null)[] | string {
  const deltas: (number | null)[] = [];
  let previous = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) {
      deltas.push(null);
      continue;
    }
    const delta = v - previous;
    if (!Number.isSafeInteger(v) || !Number.isSafeInteger(delta) || Object.is(v, -0)) return base64(values, count);
    deltas.push(delta);
    previous = v;
  }
  return deltas;
}

function base64(values: Float64Array, count: number): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, count * Float64Array.BYTES_PER_ELEMENT);
  if (!BIG_ENDIAN) return bytes.toString('base64');
  return Buffer.from(bytes).swap64().toString('base64');
}

/** `count` values decoded from `encodeFloats`, in a buffer of `length` whose rest is `rest` (never sampled). */
function decodeFloats(saved: unknown, count: number, length: number, rest: number, where: string): Float64Array {
  const out = new Float64Array(length).fill(rest);
  if (typeof saved === 'string') {
    const bytes = Buffer.from(saved, 'base64');
    if (bytes.length !== count * Float64Array.BYTES_PER_ELEMENT)
      throw new StateMismatchError(
        `${where} has ${bytes.length / Float64Array.BYTES_PER_ELEMENT} values, expected ${count}`,
      );
    for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(i * Float64Array.BYTES_PER_ELEMENT);
    return out;
  }
  if (!Array.isArray(saved)) throw new StateMismatchError(`${where} is neither deltas nor base64`);
  if (saved.length !== count) throw new StateMismatchError(`${where} has ${saved.length} values, expected ${count}`);
  let previous = 0;
  for (let i = 0; i < count; i++) {
    const delta: unknown = saved[i];
    if (delta === null) {
      out[i] = Number.NaN;
      continue;
    }
    if (!Number.isSafeInteger(delta)) throw new StateMismatchError(`${where}[${i}] is not an integer delta`);
    previous += delta as number;
    out[i] = previous;
  }
  return out;
}

/** A field of a saved object, unchecked (its reader checks it). */
function field(saved: unknown, key: string): unknown {
  return typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>)[key] : undefined;
}

/** Derived series: the machine's CPU use, 1 minus the mean idle fraction over every core (one series instead of cores x states). */
const CPU_BUSY = 'system_cpu_utilization';

interface ScalarSeries {
  readonly kind: 'scalar';
  readonly name: string;
  readonly labels: Labels;
  readonly values: Float64Array;
  lastSample: number;
  /** A gauge's bucket extremes, kept between answers of the same bucket width. */
  extremes?: BucketExtremes;
}

interface HistogramHistory {
  readonly kind: 'histogram';
  readonly name: string;
  readonly labels: Labels;
  readonly bounds: readonly number[];
  /** Cumulative-over-time bucket counts, `bounds.length + 1` per sample. */
  readonly counts: Float64Array;
  lastSample: number;
}

type Stored = ScalarSeries | HistogramHistory;

export interface HistorySettings extends ResolvedDashboard {
  /** Slots over all series: a scalar series takes one, a histogram one per bucket. */
  readonly maxSlots: number;
  readonly logger: Logger;
}

/** Query of `GET /api/v1/series`. */
export interface SeriesQuery {
  /** Only these metric names (all kept ones when absent). */
  readonly names?: readonly string[];
  /** Drop series whose `symbol` label is another symbol. */
  readonly symbol?: string;
  /** Drop series whose `model_name` label is another model. */
  readonly model?: string;
  /** Only samples taken after this Unix time in milliseconds. */
  readonly since?: number;
  /** At most this many points per series (the dashboard's `maxPoints` when absent or larger). */
  readonly points?: number;
}

/**
 * One series of `GET /api/v1/series`: a counter's or gauge's values, or a histogram's count and percentiles; every
 * array has one entry per {@link SeriesResponse.timestamps}.
 */
export type SeriesJson =
  | {
      /** Prometheus name of the metric, e.g. `portfolio_value`. */
      name: string;
      /** The series' labels; `{}` for a metric without labels. */
      labels: Labels;
      /** Value at each sample, in the metric's unit; null where the series had no value or it was not finite. */
      values: (number | null)[];
    }
  | {
      /** Prometheus name of the histogram, e.g. `api_latency_seconds`. */
      name: string;
      /** The series' labels, without `le`; `{}` for a histogram without labels. */
      labels: Labels;
      /** Always `'histogram'`: tells a histogram series from a scalar one. */
      type: 'histogram';
      /** Observations since start, at each sample; null where the series had no value. */
      count: (number | null)[];
      /** Median over the minute before each sample, in the metric's unit; null when nothing was observed in it. */
      p50: (number | null)[];
      /** 95th percentile over the minute before each sample, in the metric's unit; null when nothing was observed in it. */
      p95: (number | null)[];
    };

/** The settings a page needs to say when a figure will have its first value (`context` of an answer). */
export interface SeriesContext {
  /** Seconds per return period of Sharpe, Sortino and Calmar (`returnsIntervalSeconds`). */
  readonly returnsIntervalSeconds: number;
  /** Return periods in the rolling window of the ratios (`returnsWindow`). */
  readonly returnsWindow: number;
  /** Returns a ratio needs before it has a value: a standard deviation needs two. */
  readonly ratioMinReturns: number;
  /** Closed trades in the rolling window of the trade statistics (`tradeWindow`). */
  readonly tradeWindow: number;
}

/** Body of `GET /api/v1/series`. */
export interface SeriesResponse {
  /** Seconds between samples (the dashboard's `intervalSeconds`). */
  intervalSeconds: number;
  /** Unix ms of the newest sample (0 before the first). */
  now: number;
  /**
   * Unix ms of each point, oldest first: the samples held (after `since` when the query gives it), or when
   * there are more of them than points, the samples picked by downsampling; the newest sample is always the last.
   */
  timestamps: number[];
  /** Samples held after `since`: more than `timestamps.length` when the answer is downsampled. */
  samples: number;
  /** Every `symbol` label value in the history but `all`, sorted, whatever the query's filters. */
  symbols: string[];
  /** Every `model_name` label value in the history, sorted, whatever the query's filters. */
  models: string[];
  /** Series held that match the query. */
  matched: number;
  /** True when `series` holds fewer than `matched`: the selection did not fit in `maxValues`; narrow it. */
  truncated: boolean;
  /** The series held that match the query, in the history's order (the first `matched` when not truncated). */
  series: SeriesJson[];
  /** The settings behind the figures' first values, when the SDK serves the answer (absent from `MetricHistory.query`). */
  context?: SeriesContext;
}

/** One bounded answer: its head at once, each series rendered on demand while the history's version is unchanged. */
export interface SeriesView {
  readonly head: Omit<SeriesResponse, 'series'>;
  /** The history's version it was planned at. */
  readonly version: number;
  /** Series in the answer. */
  readonly length: number;
  series(index: number): SeriesJson;
  /** `JSON.stringify(series(index))`, with the name and labels rendered once per series. */
  seriesText(index: number): string;
}

/** Fewest points per series that a large selection is cut down to before series are left out. */
export const MIN_POINTS = 30;

/** Values per point of a histogram series: count, p50, p95. */
const HISTOGRAM_ARRAYS = 3;

/** Counters are cumulative: any subset of their samples is exact. Prometheus names every monotonic sum `_total`. */
const cumulative = (name: string): boolean => name.endsWith('_total');

/** The window of the percentiles: like `histogram_quantile(q, rate(x_bucket[1m]))`. */
const QUANTILE_WINDOW_SECONDS = 60;

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** `{"name":…,"labels":{…},` of a series, rendered once. */
const heads = new WeakMap<Stored, string>();
function headText(s: Stored): string {
  let text = heads.get(s);
  if (text === undefined) {
    text = `{"name":${JSON.stringify(s.name)},"labels":${JSON.stringify(s.labels)},`;
    heads.set(s, text);
  }
  return text;
}

function keyOf(name: string, labels: Labels): string {
  let key = name;
  for (const k of Object.keys(labels).sort()) key += `\u0000${k}\u0001${labels[k]}`;
  return key;
}

/** One saved series, as `saveState` writes it; `data` holds its samples (its buffer, or a copy kept by a save in progress). */
function savedSeries(s: Stored, lastSample: number, data: Float64Array, held: number): Record<string, unknown> {
  return s.kind === 'scalar'
    ? { kind: s.kind, name: s.name, labels: s.labels, lastSample, values: encodeFloats(data, held) }
    : {
        kind: s.kind,
        name: s.name,
        labels: s.labels,
        lastSample,
        bounds: s.bounds,
        counts: encodeFloats(data, held * (s.bounds.length + 1)),
      };
}

/** Values of a series' deltas per piece of `MetricHistory.saveText` (about half a millisecond of JSON). */
const TEXT_CHUNK = 8192;

/**
 * A save in progress (`MetricHistory.saveText`): the series it has still to write, and the values
 * of theirs that samples taken since its start overwrote, kept as they were at the start.
 */
class SaveSnapshot {
  private readonly held: number;
  private readonly pending: Set<Stored>;
  /** Per series: slot -> its values at the start of the save. */
  private readonly kept = new Map<Stored, Map<number, Float64Array>>();

  constructor(held: number, series: readonly Stored[]) {
    this.held = held;
    this.pending = new Set(series);
  }

  /** A sample is about to write `slot`: keeps its values for every series not written yet (the first overwrite only). */
  overwriting(slot: number): void {
    if (slot >= this.held) return;
    for (const s of this.pending) {
      let slots = this.kept.get(s);
      if (slots === undefined) this.kept.set(s, (slots = new Map()));
      if (slots.has(slot)) continue;
      const width = s.kind === 'scalar' ? 1 : s.bounds.length + 1;
      const buffer = s.kind === 'scalar' ? s.values : s.counts;
      slots.set(slot, buffer.slice(slot * width, (slot + 1) * width));
    }
  }

  /** The series' samples as they were at the start of the save. */
  values(s: Stored): Float64Array {
    const buffer = s.kind === 'scalar' ? s.values : s.counts;
    const slots = this.kept.get(s);
    if (slots === undefined) return buffer;
    const width = s.kind === 'scalar' ? 1 : s.bounds.length + 1;
    const copy = buffer.slice(0, this.held * width);
    for (const [slot, values] of slots) copy.set(values, slot * width);
    return copy;
  }

  written(s: Stored): void {
    this.pending.delete(s);
    this.kept.delete(s);
  }
}

/**
 * The dashboard's memory: every `intervalSeconds` a collection of the kept metrics, held in one ring
 * buffer per series (`historyMinutes` of samples). Histograms are kept as bucket counts so
 * percentiles are computed as Prometheus's histogram_quantile does. The number of slots is capped
 * (`maxSlots`); a series past the cap is not kept, and that is logged once. A series unseen for a
 * whole window is forgotten.
 */
export class MetricHistory {
  readonly capacity: number;
  readonly intervalSeconds: number;
  private readonly timestamps: Float64Array;
  private readonly series = new Map<string, Stored>();
  private readonly maxSlots: number;
  private readonly maxPoints: number;
  private readonly maxValues: number;
  /** Samples in the percentiles' window. */
  private readonly lag: number;
  private readonly logger: Logger;
  private slots = 0;
  private versionNumber = 0;
  /** Samples taken so far; the next goes to `taken % capacity`. */
  private taken = 0;
  private warnedCap = false;
  /** Saves in progress (`saveText`). */
  private readonly saving = new Set<SaveSnapshot>();

  constructor(settings: HistorySettings) {
    this.intervalSeconds = settings.intervalSeconds;
    this.capacity = Math.max(2, Math.ceil((settings.historyMinutes * 60) / settings.intervalSeconds));
    this.timestamps = new Float64Array(this.capacity);
    this.maxSlots = settings.maxSlots;
    this.maxPoints = settings.maxPoints;
    this.maxValues = settings.maxValues;
    this.lag = Math.max(1, Math.round(QUANTILE_WINDOW_SECONDS / settings.intervalSeconds));
    this.logger = settings.logger;
  }

  /** Series held now. */
  get size(): number {
    return this.series.size;
  }

  /** Bytes held by the buffers (typed arrays only, the gauges' bucket extremes included). */
  get bytes(): number {
    let total = this.timestamps.byteLength;
    for (const s of this.series.values())
      total += s.kind === 'scalar' ? s.values.byteLength + (s.extremes?.bytes ?? 0) : s.counts.byteLength;
    return total;
  }

  /**
   * The samples held, as plain JSON data: each buffer's filled part only (the first
   * `min(taken, capacity)` samples: the ring fills from slot 0), encoded as `SAVED_ENCODING` says,
   * so a history a minute old is a few kilobytes and no array of every slot is built on the way.
   */
  saveState(): unknown {
    const held = Math.min(this.taken, this.capacity);
    return {
      ...this.savedHead(held),
      series: Array.from(this.series.values(), (s) =>
        savedSeries(s, s.lastSample, s.kind === 'scalar' ? s.values : s.counts, held),
      ),
    };
  }

  /**
   * The same state as `JSON.stringify(saveState())`, as text in pieces: the head with the
   * timestamps, then one series a piece, so whoever writes it can yield to the event loop between
   * pieces. The text is the history as it was at the first `next()`, however many samples land
   * before the last: a sample that would overwrite a slot of a series not yet written first copies
   * that slot's values aside (one slot of each series still to write, a few kilobytes), and the
   * series is written with them. Series added later are not in it; series forgotten later are.
   */
  *saveText(): Generator<string, void, undefined> {
    const held = Math.min(this.taken, this.capacity);
    const list = [...this.series.values()];
    const lastSamples = list.map((s) => s.lastSample);
    const snapshot = new SaveSnapshot(held, list);
    this.saving.add(snapshot);
    try {
      yield `${JSON.stringify(this.savedHead(held)).slice(0, -1)},"series":[`;
      for (let i = 0; i < list.length; i++) {
        const s = list[i] as Stored;
        const saved = savedSeries(s, lastSamples[i] as number, snapshot.values(s), held);
        snapshot.written(s);
        const comma = i === 0 ? '' : ',';
        // Its samples are the last field: a long array of deltas (a histogram's, 65 000 at 6 h) comes in pieces too.
        const key = s.kind === 'scalar' ? 'values' : 'counts';
        const data = saved[key];
        if (!Array.isArray(data) || data.length <= TEXT_CHUNK) {
          yield `${comma}${JSON.stringify(saved)}`;
          continue;
        }
        yield `${comma}${JSON.stringify({ ...saved, [key]: undefined }).slice(0, -1)},"${key}":[`;
        for (let at = 0; at < data.length; at += TEXT_CHUNK)
          yield `${at === 0 ? '' : ','}${JSON.stringify(data.slice(at, at + TEXT_CHUNK)).slice(1, -1)}`;
        yield ']}';
      }
      yield ']}';
    } finally {
      this.saving.delete(snapshot);
    }
  }

  private savedHead(held: number) {
    return {
      capacity: this.capacity,
      intervalSeconds: this.intervalSeconds,
      taken: this.taken,
      encoding: SAVED_ENCODING,
      timestamps: encodeFloats(this.timestamps, held),
    };
  }

  /** Restores saved samples into this new history (same capacity and interval, else StateSettingsError). Returns what came back. */
  restoreState(saved: unknown): string {
    const state = new StateReader(saved, 'dashboard');
    state.same('capacity', this.capacity);
    state.same('intervalSeconds', this.intervalSeconds);
    const taken = state.integer('taken');
    // Written before the compact encoding: every slot as a JSON number, or null for NaN.
    const encoding = field(saved, 'encoding');
    const plain = encoding === undefined;
    if (!plain && encoding !== SAVED_ENCODING)
      throw new StateMismatchError(`dashboard.encoding ${JSON.stringify(encoding)} is not ${SAVED_ENCODING}`);
    const held = Math.min(taken, this.capacity);
    // Unsampled slots are NaN, as in a new series; unsampled timestamps 0, as in a new history.
    const floats = (values: unknown, width: number, where: string, rest = Number.NaN): Float64Array => {
      const length = this.capacity * width;
      if (!plain) return decodeFloats(values, held * width, length, rest, where);
      if (!Array.isArray(values)) throw new StateMismatchError(`${where} is not an array`);
      if (values.length !== length)
        throw new StateMismatchError(`${where} has ${values.length} values, expected ${length}`);
      return Float64Array.from(values, (v: unknown) => {
        if (v === null) return Number.NaN;
        if (typeof v !== 'number') throw new StateMismatchError(`${where} holds a ${typeof v}`);
        return v;
      });
    };
    const timestamps = floats(field(saved, 'timestamps'), 1, 'dashboard.timestamps', 0);
    const list = state.array('series');
    const restored = new Map<string, Stored>();
    let slots = 0;
    for (let i = 0; i < list.length; i++) {
      const s = state.item(list, 'series', i);
      const name = s.string('name');
      const labelsReader = s.object('labels');
      const labels: Record<string, string> = {};
      for (const key of Object.keys(list[i] === null ? {} : (list[i] as { labels: object }).labels))
        labels[key] = labelsReader.string(key);
      const lastSample = s.integer('lastSample');
      const where = `dashboard.series[${i}]`;
      let stored: Stored;
      if (s.string('kind') === 'scalar') {
        stored = { kind: 'scalar', name, labels, lastSample, values: floats(field(list[i], 'values'), 1, where) };
      } else {
        const bounds = s.numbers('bounds');
        const width = bounds.length + 1;
        stored = {
          kind: 'histogram',
          name,
          labels,
          lastSample,
          bounds,
          counts: floats(field(list[i], 'counts'), width, where),
        };
      }
      const width = stored.kind === 'scalar' ? 1 : stored.bounds.length + 1;
      // A lower cap than the saved history's keeps the series that fit.
      if (slots + width > this.maxSlots) continue;
      slots += width;
      restored.set(keyOf(name, labels), stored);
    }
    this.timestamps.set(timestamps);
    this.taken = taken;
    this.series.clear();
    for (const [key, stored] of restored) this.series.set(key, stored);
    this.slots = slots;
    this.versionNumber++;
    return `${Math.min(taken, this.capacity)} dashboard samples of ${restored.size} series`;
  }

  /** Records one collection taken at `timeMs`. */
  sample(resourceMetrics: ResourceMetrics, timeMs: number): void {
    const slot = this.taken % this.capacity;
    const sampleIndex = this.taken;
    // A save in progress keeps what this sample overwrites, for the series it has not written yet.
    for (const snapshot of this.saving) snapshot.overwriting(slot);
    this.timestamps[slot] = timeMs;
    const seen = new Set<Stored>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const name = prometheusName(metric);
        if (name === CPU_BUSY) {
          let idle = 0;
          let cores = 0;
          for (const p of metric.dataPoints) {
            // host-metrics 0.7 follows the current semantic conventions (cpu.mode); older releases said system.cpu.state.
            if ((p.attributes['cpu.mode'] ?? p.attributes['system.cpu.state']) === 'idle') {
              idle += p.value as number;
              cores++;
            }
          }
          if (cores > 0) this.put(seen, name, {}, slot, sampleIndex, 1 - idle / cores);
          continue;
        }
        const kept = HISTORY_METRICS.get(name);
        if (kept === undefined) continue;
        for (const p of metric.dataPoints) {
          if (kept.where !== undefined && !Object.entries(kept.where).every(([k, v]) => p.attributes[k] === v))
            continue;
          if (kept.keep !== undefined && !kept.keep(p.attributes)) continue;
          const labels: Record<string, string> = {};
          for (const [k, v] of Object.entries(p.attributes)) if (!kept.drop?.includes(k)) labels[k] = String(v);
          if (metric.dataPointType === HISTOGRAM_POINTS)
            this.putHistogram(seen, name, labels, slot, sampleIndex, p.value as Histogram);
          else this.put(seen, name, labels, slot, sampleIndex, p.value as number);
        }
      }
    }
    for (const [key, s] of this.series) {
      if (seen.has(s)) continue;
      if (sampleIndex - s.lastSample >= this.capacity) {
        this.series.delete(key);
        this.slots -= s.kind === 'scalar' ? 1 : s.bounds.length + 1;
      } else if (s.kind === 'scalar') {
        s.values[slot] = Number.NaN;
      } else {
        s.counts.fill(Number.NaN, slot * (s.bounds.length + 1), (slot + 1) * (s.bounds.length + 1));
      }
    }
    this.taken++;
    this.versionNumber++;
  }

  private claim(name: string, slots: number): boolean {
    if (this.slots + slots <= this.maxSlots) {
      this.slots += slots;
      return true;
    }
    if (!this.warnedCap) {
      this.warnedCap = true;
      this.logger.warn(
        `dashboard history is full (${this.maxSlots} series slots, maxSeriesPerMetric); ${name} and further new series are not kept in it (the scrape still has them)`,
      );
    }
    return false;
  }

  private put(seen: Set<Stored>, name: string, labels: Labels, slot: number, sampleIndex: number, value: number): void {
    const key = keyOf(name, labels);
    let s = this.series.get(key);
    if (s === undefined) {
      if (!this.claim(name, 1)) return;
      s = {
        kind: 'scalar',
        name,
        labels,
        values: new Float64Array(this.capacity).fill(Number.NaN),
        lastSample: sampleIndex,
      };
      this.series.set(key, s);
    }
    if (s.kind !== 'scalar') return;
    s.values[slot] = value;
    s.lastSample = sampleIndex;
    seen.add(s);
  }

  private putHistogram(
    seen: Set<Stored>,
    name: string,
    labels: Labels,
    slot: number,
    sampleIndex: number,
    value: Histogram,
  ): void {
    const key = keyOf(name, labels);
    const width = value.buckets.counts.length;
    let s = this.series.get(key);
    if (s === undefined) {
      if (!this.claim(name, width)) return;
      s = {
        kind: 'histogram',
        name,
        labels,
        bounds: [...value.buckets.boundaries],
        counts: new Float64Array(this.capacity * width).fill(Number.NaN),
        lastSample: sampleIndex,
      };
      this.series.set(key, s);
    }
    if (s.kind !== 'histogram' || s.bounds.length + 1 !== width) return;
    s.counts.set(value.buckets.counts, slot * width);
    s.lastSample = sampleIndex;
    seen.add(s);
  }

  /** Changes at every sample and restore: an answer rendered at one version is stale at another. */
  get version(): number {
    return this.versionNumber;
  }

  /**
   * The answer to a query, bounded: the samples after `query.since`, oldest first, downsampled to
   * `query.points` (at most `maxPoints`) points per series, and no more than `maxValues` values in
   * all. A selection too large for `maxValues` at those points gets fewer points per series, down to
   * {@link MIN_POINTS}, then only the series that fit, in the history's order (`truncated`).
   */
  view(query: SeriesQuery = {}): SeriesView {
    const held = Math.min(this.taken, this.capacity);
    const first = this.taken - held;
    const indices: number[] = [];
    for (let i = first; i < this.taken; i++) {
      if (query.since === undefined || (this.timestamps[i % this.capacity] as number) > query.since) indices.push(i);
    }
    const names = query.names === undefined ? undefined : new Set(query.names);
    const symbols = new Set<string>();
    const models = new Set<string>();
    const matched: Stored[] = [];
    let arrays = 0;
    for (const s of this.series.values()) {
      const symbol = s.labels['symbol'];
      const model = s.labels['model_name'];
      if (symbol !== undefined && symbol !== 'all') symbols.add(symbol);
      if (model !== undefined) models.add(model);
      if (names !== undefined && !names.has(s.name)) continue;
      if (query.symbol !== undefined && symbol !== undefined && symbol !== query.symbol) continue;
      if (query.model !== undefined && model !== undefined && model !== query.model) continue;
      matched.push(s);
      arrays += s.kind === 'scalar' ? 1 : HISTOGRAM_ARRAYS;
    }
    const asked = Math.min(query.points ?? this.maxPoints, this.maxPoints);
    const fitting = arrays === 0 ? asked : Math.floor(this.maxValues / arrays);
    const plan = layout(indices, Math.min(asked, Math.max(MIN_POINTS, fitting)));
    const points = plan.at.length;
    const kept: Stored[] = [];
    let values = 0;
    for (const s of matched) {
      const cost = (s.kind === 'scalar' ? 1 : HISTOGRAM_ARRAYS) * points;
      if (values + cost > this.maxValues) break;
      values += cost;
      kept.push(s);
    }
    const slots = Int32Array.from(indices, (i) => i % this.capacity);
    return {
      version: this.versionNumber,
      length: kept.length,
      series: (index) => this.render(kept[index] as Stored, plan, indices, slots, first),
      seriesText: (index) => {
        const s = kept[index] as Stored;
        const json = this.render(s, plan, indices, slots, first);
        if ('values' in json) return `${headText(s)}"values":${JSON.stringify(json.values)}}`;
        return `${headText(s)}"type":"histogram","count":${JSON.stringify(json.count)},"p50":${JSON.stringify(json.p50)},"p95":${JSON.stringify(json.p95)}}`;
      },
      head: {
        intervalSeconds: this.intervalSeconds,
        now: this.taken === 0 ? 0 : (this.timestamps[(this.taken - 1) % this.capacity] as number),
        timestamps: Array.from(plan.at, (p) => this.timestamps[slots[p] as number] as number),
        samples: indices.length,
        symbols: [...symbols].sort(),
        models: [...models].sort(),
        matched: matched.length,
        truncated: kept.length < matched.length,
      },
    };
  }

  /** One series over a layout; `indices` and `slots` are the sample numbers and ring slots of the selected samples. */
  private render(s: Stored, plan: Layout, indices: readonly number[], slots: Int32Array, first: number): SeriesJson {
    if (s.kind === 'scalar') {
      const { values } = s;
      if (cumulative(s.name)) {
        const picked = new Array<number | null>(plan.at.length);
        for (let j = 0; j < plan.at.length; j++)
          picked[j] = finite(values[slots[plan.at[j] as number] as number] as number);
        return { name: s.name, labels: s.labels, values: picked };
      }
      if (plan.width > 1 && s.extremes?.width !== plan.width)
        s.extremes = new BucketExtremes(plan.width, this.capacity);
      const cache = plan.width > 1 ? s.extremes : undefined;
      const points = gaugePoints(plan, indices, (p) => values[slots[p] as number] as number, cache);
      return { name: s.name, labels: s.labels, values: points };
    }
    const width = s.bounds.length + 1;
    const count: (number | null)[] = [];
    const p50: (number | null)[] = [];
    const p95: (number | null)[] = [];
    const delta = new Float64Array(width);
    for (const p of plan.at) {
      const index = indices[p] as number;
      const at = (slots[p] as number) * width;
      let total = 0;
      for (let b = 0; b < width; b++) total += s.counts[at + b] as number;
      count.push(finite(total));
      // The increase over the last minute (or since the oldest sample held), as rate() would see it.
      const baseIndex = Math.max(first, index - this.lag);
      const base = (baseIndex % this.capacity) * width;
      for (let b = 0; b < width; b++) {
        const now = s.counts[at + b] as number;
        const before = baseIndex === index ? 0 : (s.counts[base + b] as number);
        delta[b] = Number.isNaN(now) ? 0 : Number.isNaN(before) ? now : now - before;
      }
      p50.push(finite(histogramQuantile(0.5, s.bounds, delta)));
      p95.push(finite(histogramQuantile(0.95, s.bounds, delta)));
    }
    return { name: s.name, labels: s.labels, type: 'histogram', count, p50, p95 };
  }

  /** The whole bounded answer to a query at once (see {@link view}). */
  query(query: SeriesQuery = {}): SeriesResponse {
    const view = this.view(query);
    const series: SeriesJson[] = [];
    for (let i = 0; i < view.length; i++) series.push(view.series(i));
    return { ...view.head, series };
  }
}
