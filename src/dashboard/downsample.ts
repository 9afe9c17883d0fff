/**
 * Which samples an answer of `GET /api/v1/series` shows when it holds more samples than points.
 *
 * The newest sample is always the last point, exactly. The samples before it fall into buckets of
 * `width` consecutive sample numbers, aligned on the sample number (so a bucket keeps its bounds as
 * new samples arrive and the picture does not shift between two requests); each bucket gives two
 * points, at the times of its first and last sample (one when it holds a single sample). Counters
 * and histograms take their values at those two samples: they are cumulative, so any subset of
 * samples is exact and rates computed from them are right. Gauges take the bucket's minimum and
 * maximum, in the order they occurred, so a spike between the two samples is not lost.
 */
export interface Layout {
  /** Position in the selected samples of each point, ascending. */
  readonly at: Int32Array;
  /** Position of the first sample of the bucket each point stands for. */
  readonly from: Int32Array;
  /** Position after the last sample of the bucket each point stands for. */
  readonly to: Int32Array;
  /** Samples per bucket (1: every sample is a point). */
  readonly width: number;
}

/**
 * The layout of at most `maxPoints` points (at least 3) over samples numbered `indices` (ascending
 * sample numbers, not necessarily contiguous).
 */
export function layout(indices: ArrayLike<number>, maxPoints: number): Layout {
  const n = indices.length;
  if (n <= maxPoints) {
    const at = new Int32Array(n);
    for (let i = 0; i < n; i++) at[i] = i;
    return { at, from: at, to: at.map((i) => i + 1), width: 1 };
  }
  const buckets = Math.max(1, Math.floor((maxPoints - 1) / 2));
  const first = indices[0] as number;
  const last = indices[n - 2] as number;
  let width = Math.max(1, Math.ceil((last - first + 1) / buckets));
  while (Math.floor(last / width) - Math.floor(first / width) + 1 > buckets) width++;
  const at: number[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let start = 0;
  for (let i = 1; i <= n - 1; i++) {
    if (i < n - 1 && Math.floor((indices[i] as number) / width) === Math.floor((indices[start] as number) / width))
      continue;
    at.push(start);
    from.push(start);
    to.push(i);
    if (i - start > 1) {
      at.push(i - 1);
      from.push(start);
      to.push(i);
    }
    start = i;
  }
  at.push(n - 1);
  from.push(n - 1);
  to.push(n);
  return { at: Int32Array.from(at), from: Int32Array.from(from), to: Int32Array.from(to), width };
}

/**
 * The extremes of a gauge's complete buckets at one width: a bucket whose samples have all been
 * taken never changes, so a request computes only the buckets it has not seen (the newest ones and
 * those cut by `since` or by the ring), and a history of any length costs about one sample per point.
 * A ring of slots indexed by bucket number, one more than the history holds.
 */
export class BucketExtremes {
  readonly width: number;
  private readonly ids: Float64Array;
  private readonly values: Float64Array;

  constructor(width: number, capacity: number) {
    this.width = width;
    const size = Math.ceil(capacity / width) + 2;
    this.ids = new Float64Array(size).fill(-1);
    this.values = new Float64Array(size * 2);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.ids.byteLength + this.values.byteLength;
  }

  /** Writes the bucket's two points into `out` and returns true when they are held. */
  get(id: number, out: Float64Array): boolean {
    const slot = id % this.ids.length;
    if (this.ids[slot] !== id) return false;
    out[0] = this.values[slot * 2] as number;
    out[1] = this.values[slot * 2 + 1] as number;
    return true;
  }

  set(id: number, first: number, second: number): void {
    const slot = id % this.ids.length;
    this.ids[slot] = id;
    this.values[slot * 2] = first;
    this.values[slot * 2 + 1] = second;
  }
}

/**
 * Writes into `out` the extremes of the samples at positions [from, to), in the order they occurred
 * (the same value twice when there is one finite value or a constant; NaN twice when none is finite).
 */
function extremes(valueAt: (position: number) => number, from: number, to: number, out: Float64Array): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let minAt = -1;
  let maxAt = -1;
  for (let p = from; p < to; p++) {
    const v = valueAt(p);
    if (!Number.isFinite(v)) continue;
    if (v < min) {
      min = v;
      minAt = p;
    }
    if (v > max) {
      max = v;
      maxAt = p;
    }
  }
  out[0] = minAt === -1 ? Number.NaN : minAt <= maxAt ? min : max;
  out[1] = minAt === -1 ? Number.NaN : minAt <= maxAt ? max : min;
}

const pair = new Float64Array(2);

/**
 * A gauge's points over a layout: the value itself for a single-sample bucket, else the bucket's
 * extremes in the order they occurred. `indices` are the sample numbers of the selected samples and
 * `valueAt(position)` reads one; a non-finite value is a gap, and a bucket without a finite value
 * gives nulls. `cache` (of the layout's width) keeps the extremes of complete buckets between calls.
 */
export function gaugePoints(
  plan: Layout,
  indices: ArrayLike<number>,
  valueAt: (position: number) => number,
  cache: BucketExtremes | undefined,
): (number | null)[] {
  const out = new Array<number | null>(plan.at.length);
  for (let j = 0; j < plan.at.length; j++) {
    const from = plan.from[j] as number;
    const to = plan.to[j] as number;
    if (to - from === 1) {
      const v = valueAt(from);
      out[j] = Number.isFinite(v) ? v : null;
      continue;
    }
    if (plan.at[j] !== from) continue; // the bucket's second point, written with its first
    // Every sample of the bucket selected: it is complete, and so cacheable.
    const complete = cache !== undefined && to - from === plan.width;
    const id = Math.floor((indices[from] as number) / plan.width);
    if (!complete || !cache.get(id, pair)) {
      extremes(valueAt, from, to, pair);
      if (complete) cache.set(id, pair[0] as number, pair[1] as number);
    }
    out[j] = Number.isNaN(pair[0]) ? null : (pair[0] as number);
    out[j + 1] = Number.isNaN(pair[1]) ? null : (pair[1] as number);
  }
  return out;
}
