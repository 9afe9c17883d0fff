/**
 * The q-quantile of an explicit-bucket histogram, computed as Prometheus's `histogram_quantile`
 * does: find the bucket holding rank q x count and interpolate linearly inside it, the first
 * bucket starting at 0 (when its upper bound is positive); a rank in the +Inf bucket returns the
 * highest finite bound. `counts` are per bucket (not cumulative), one more than `bounds`.
 * NaN when the histogram is empty.
 * https://github.com/prometheus/prometheus/blob/main/promql/quantile.go
 */
export function histogramQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  if (!(total > 0) || bounds.length === 0) return Number.NaN;
  const rank = q * total;
  let cumulative = 0;
  let i = 0;
  for (; i < counts.length; i++) {
    const next = cumulative + (counts[i] as number);
    if (next >= rank) break;
    cumulative = next;
  }
  if (i >= bounds.length) return bounds[bounds.length - 1] as number;
  const end = bounds[i] as number;
  let start = i === 0 ? 0 : (bounds[i - 1] as number);
  if (i === 0 && end <= 0) return end;
  if (i === 0 && start > end) start = end;
  const inBucket = counts[i] as number;
  return inBucket === 0 ? end : start + (end - start) * ((rank - cumulative) / inBucket);
}
