import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { savedHistory, seriesApiLoad, syntheticHistory } from '../../bench/series-api.ts';
import { BucketExtremes, gaugePoints, layout } from '../../src/dashboard/downsample.ts';
import { MIN_POINTS, type SeriesJson, type SeriesResponse } from '../../src/dashboard/history.ts';
import { DASHBOARD_CHECKS, resolveDashboard } from '../../src/dashboard/options.ts';
import { parseSeriesQuery, queryKey, SeriesApi } from '../../src/dashboard/series-api.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const INTERVAL = 5;
const END = 1_700_000_000_000;

/** A saved history of `series` synthetic series over `samples` samples, with a few gaps in every series. */
function withGaps(series: number, samples: number): unknown {
  const saved = savedHistory(series, samples, INTERVAL, END) as {
    series: ({ values: (number | null)[] } | { counts: (number | null)[]; bounds: number[] })[];
  };
  for (const [k, s] of saved.series.entries()) {
    if ('values' in s) for (let i = k % 7; i < samples; i += 37) s.values[i] = null;
  }
  return saved;
}

/** Values of one series at each timestamp, by timestamp. */
function byTime(
  answer: SeriesResponse,
  s: SeriesJson,
  field: 'values' | 'count' | 'p50' | 'p95',
): Map<number, number | null> {
  const values = (s as unknown as Record<string, (number | null)[]>)[field]!;
  return new Map(answer.timestamps.map((t, i) => [t, values[i]!]));
}

const sameSeries = (a: SeriesJson, b: SeriesJson) =>
  a.name === b.name && JSON.stringify(a.labels) === JSON.stringify(b.labels);

test('layout: every sample when they fit; else at most maxPoints, the newest sample last, buckets aligned on the sample number', () => {
  assert.deepEqual(Array.from(layout([7, 8, 9], 5).at), [0, 1, 2]);
  for (const [n, max] of [
    [4320, 300],
    [4320, 3],
    [301, 300],
    [1000, 31],
  ] as const) {
    const indices = Array.from({ length: n }, (_, i) => 10_000 + i);
    const plan = layout(indices, max);
    assert.ok(plan.at.length <= max, `${plan.at.length} points for ${max}`);
    assert.equal(plan.at.at(-1), n - 1, 'the newest sample is the last point');
    for (let j = 1; j < plan.at.length; j++) assert.ok(plan.at[j]! > plan.at[j - 1]!, 'ascending');
    for (let j = 0; j < plan.at.length - 1; j++) {
      const from = plan.from[j]!;
      const to = plan.to[j]!;
      const bucket = Math.floor(indices[from]! / plan.width);
      assert.equal(Math.floor(indices[to - 1]! / plan.width), bucket, 'a bucket holds one aligned range');
      assert.ok(plan.at[j] === from || plan.at[j] === to - 1, 'points at the first and last sample of their bucket');
    }
    // One more sample: the same width keeps the same bucket bounds, so the picture does not shift.
    const next = layout([...indices.slice(1), 10_000 + n], max);
    if (next.width === plan.width) {
      const bounds = (p: typeof plan, ix: number[]) => new Set(Array.from(p.from, (f) => ix[f]! - (ix[f]! % p.width)));
      const before = bounds(plan, indices);
      const after = bounds(next, [...indices.slice(1), 10_000 + n]);
      let shared = 0;
      for (const b of after) if (before.has(b)) shared++;
      assert.ok(shared >= after.size - 2, 'buckets are kept as the window slides');
    }
  }
});

test('gaugePoints: each bucket gives its minimum and maximum in the order they occurred; gaps are skipped; the cache answers the same', () => {
  // Samples 0..9, width 5: buckets [0,5) and [5,9), then the newest sample 9 alone.
  const values = [3, 9, 1, 4, 5, Number.NaN, Number.NaN, 2, 8, 6];
  const indices = values.map((_, i) => i);
  const plan = layout(indices, 5);
  assert.equal(plan.width, 5);
  assert.deepEqual(Array.from(plan.at), [0, 4, 5, 8, 9]);
  const read = (p: number) => values[p]!;
  // [3, 9, 1, 4, 5]: the max 9 comes before the min 1; [NaN, NaN, 2, 8]: 2 then 8; then 6 itself.
  assert.deepEqual(gaugePoints(plan, indices, read, undefined), [9, 1, 2, 8, 6]);
  const cache = new BucketExtremes(plan.width, 10);
  assert.deepEqual(gaugePoints(plan, indices, read, cache), [9, 1, 2, 8, 6]);
  values[1] = 100; // a complete bucket never changes in a history; the cache proves it is used
  assert.deepEqual(gaugePoints(plan, indices, read, cache), [9, 1, 2, 8, 6]);
  assert.deepEqual(
    gaugePoints(layout([0, 1, 2, 3, 4], 3), [0, 1, 2, 3, 4], () => Number.NaN, undefined),
    [null, null, null],
  );
});

test('a downsampled answer: counters and histograms exact at the picked samples, gauges the extremes of their bucket, the newest sample last', () => {
  const samples = 1000;
  const saved = withGaps(300, samples);
  const small = syntheticHistory(300, samples, { maxPoints: 41, maxValues: 1_000_000 }, saved);
  const full = syntheticHistory(300, samples, { maxPoints: 100_000, maxValues: 100_000_000 }, saved);
  const down = small.query({});
  const all = full.query({});
  assert.equal(all.timestamps.length, samples);
  assert.equal(down.samples, samples);
  assert.ok(down.timestamps.length <= 41 && down.timestamps.length > 20, `${down.timestamps.length} points`);
  assert.equal(down.timestamps.at(-1), all.now);
  assert.equal(down.now, all.now);
  assert.equal(down.series.length, all.series.length);
  assert.equal(down.matched, 300);
  assert.equal(down.truncated, false);
  let gauges = 0;
  let counters = 0;
  let histograms = 0;
  for (const s of down.series) {
    const reference = all.series.find((r) => sameSeries(r, s))!;
    if ('type' in s) {
      histograms++;
      for (const field of ['count', 'p50', 'p95'] as const) {
        const exact = byTime(all, reference, field);
        for (const [t, v] of byTime(down, s, field)) assert.equal(v, exact.get(t), `${s.name} ${field} at ${t}`);
      }
      continue;
    }
    const exact = byTime(all, reference, 'values');
    const got = byTime(down, s, 'values');
    assert.equal(s.values.at(-1), exact.get(all.now), `${s.name}: the newest value is exact`);
    if (s.name.endsWith('_total')) {
      counters++;
      for (const [t, v] of got) assert.equal(v, exact.get(t), `${s.name} at ${t}`);
      continue;
    }
    gauges++;
    // Each bucket (two consecutive points from one bucket) shows the extremes of the samples between them.
    for (let j = 0; j + 1 < down.timestamps.length - 1; j += 2) {
      const from = down.timestamps[j]!;
      const to = down.timestamps[j + 1]!;
      const inside = all.timestamps
        .filter((t) => t >= from && t <= to)
        .map((t) => exact.get(t))
        .filter((v) => v !== null);
      const shown = [s.values[j], s.values[j + 1]].filter((v) => v !== null) as number[];
      if (inside.length === 0) assert.deepEqual(shown, []);
      else {
        assert.equal(Math.min(...shown), Math.min(...(inside as number[])), `${s.name} min in [${from}, ${to}]`);
        assert.equal(Math.max(...shown), Math.max(...(inside as number[])), `${s.name} max in [${from}, ${to}]`);
      }
    }
  }
  assert.ok(
    gauges > 100 && counters > 5 && histograms > 3,
    `${gauges} gauges, ${counters} counters, ${histograms} histograms`,
  );
  // The second answer comes from the bucket cache: the same.
  assert.deepEqual(small.query({}), down);
});

test('since, names, symbol and model select as before on a downsampled history; points asks for fewer', () => {
  const history = syntheticHistory(300, 1000, { maxPoints: 50 }, withGaps(300, 1000));
  const all = history.query({});
  const since = all.now - 2 * INTERVAL * 1000 - 1;
  const tail = history.query({ since, names: ['portfolio_value', 'drawdown'] });
  assert.deepEqual(
    tail.timestamps,
    [all.now - 10_000, all.now - 5_000, all.now],
    'three samples after since: no downsampling',
  );
  assert.deepEqual(new Set(tail.series.map((s) => s.name)), new Set(['portfolio_value', 'drawdown']));
  const symbol = history.query({ symbol: 'SYM3/USD', names: ['realized_pnl', 'portfolio_value'] });
  assert.deepEqual(symbol.series.map((s) => s.labels['symbol'] ?? '-').sort(), ['-', 'SYM3/USD']);
  const model = history.query({ model: 'model2', names: ['model_accuracy'] });
  assert.ok(model.series.length > 0 && model.series.every((s) => s.labels['model_name'] === 'model2'));
  const few = history.query({ points: 11, names: ['balance'] });
  assert.ok(few.timestamps.length <= 11);
  assert.equal(history.query({ points: 5000 }).timestamps.length <= 50, true, 'never more than maxPoints');
});

test('maxValues bounds an answer: fewer points per series down to MIN_POINTS, then the first series that fit, flagged truncated', () => {
  const saved = withGaps(300, 1000);
  const history = syntheticHistory(300, 1000, { maxPoints: 300, maxValues: 6_000 }, saved);
  const answer = history.query({});
  const values = answer.series.reduce((n, s) => n + ('type' in s ? 3 : 1) * answer.timestamps.length, 0);
  assert.ok(values <= 6_000, `${values} values`);
  assert.ok(answer.timestamps.length <= MIN_POINTS, `${answer.timestamps.length} points`);
  assert.equal(answer.truncated, true);
  assert.equal(answer.matched, 300);
  assert.ok(answer.series.length < 300 && answer.series.length > 100, `${answer.series.length} series`);
  const narrow = history.query({ names: ['portfolio_value', 'balance'] });
  assert.equal(narrow.truncated, false);
  assert.ok(narrow.timestamps.length > 250, 'a narrow selection keeps its points');
});

test('SeriesApi: identical concurrent requests share one render, kept until the next sample; a sample during a render starts it again', async () => {
  const saved = withGaps(2000, 600);
  const history = syntheticHistory(2000, 600, {}, saved);
  const api = new SeriesApi(history);
  const query = { names: ['win_rate', 'realized_pnl', 'api_latency_seconds'], points: 100 };
  const bodies = await Promise.all(Array.from({ length: 10 }, () => api.body(query)));
  assert.equal(api.renders, 1);
  assert.ok(bodies.every((b) => b === bodies[0]));
  assert.deepEqual(JSON.parse(bodies[0]!.toString('utf8')), JSON.parse(JSON.stringify(history.query(query))));
  assert.equal(await api.body({ ...query, names: [...query.names].reverse() }), bodies[0], 'same key');
  assert.equal(api.renders, 1);
  await api.body({ names: ['balance'] });
  assert.equal(api.renders, 2, 'another query renders');
  history.restoreState(saved);
  assert.notEqual(await api.body(query), bodies[0], 'a new version renders again');
  assert.equal(api.renders, 3);

  // Rendered one series per slice; a new history between two slices starts the render again on it.
  const slow = new SeriesApi(history, { sliceMs: 0 });
  const sliced = slow.render({ names: ['win_rate', 'balance'] });
  const other = savedHistory(2000, 600, INTERVAL, END + 1000);
  setImmediate(() => history.restoreState(other));
  const body = JSON.parse((await sliced).toString('utf8')) as SeriesResponse;
  assert.equal(slow.restarts, 1);
  assert.equal(body.now, END + 1000, 'the answer is of the new history');
  assert.deepEqual(body, JSON.parse(JSON.stringify(history.query({ names: ['win_rate', 'balance'] }))));
  assert.equal(queryKey({ names: ['b', 'a', 'a'] }), queryKey({ names: ['a', 'b'] }));

  // Samples faster than a render: after three restarts the render runs in one go and ends.
  let done = false;
  const churn = () => {
    history.restoreState(saved);
    if (!done) setImmediate(churn);
  };
  const overtaken = new SeriesApi(history, { sliceMs: 0 });
  setImmediate(churn);
  const last = JSON.parse((await overtaken.render({ names: ['win_rate'] })).toString('utf8')) as SeriesResponse;
  done = true;
  assert.equal(overtaken.restarts, 3);
  assert.ok(last.series.length > 0);
});

test('parseSeriesQuery reads points; the dashboard options maxPoints and maxValues are defaulted and checked', () => {
  assert.deepEqual(parseSeriesQuery('/api/v1/series?points=120&since=5'), { points: 120, since: 5 });
  assert.equal(parseSeriesQuery('/api/v1/series?points=2'), 'points must be an integer of at least 3');
  assert.equal(parseSeriesQuery('/api/v1/series?points=1.5'), 'points must be an integer of at least 3');
  assert.deepEqual(resolveDashboard(true), {
    intervalSeconds: 5,
    historyMinutes: 360,
    maxPoints: 300,
    maxValues: 100_000,
  });
  assert.equal((resolveDashboard({ maxPoints: 50 }) as { maxPoints: number }).maxPoints, 50);
  assert.match(DASHBOARD_CHECKS.dashboard({ maxPoints: 2 }) ?? '', /'maxPoints' is an integer from 3 to 100000/);
  assert.match(DASHBOARD_CHECKS.dashboard({ maxValues: 10 }) ?? '', /'maxValues' is an integer from 1000/);
  assert.equal(DASHBOARD_CHECKS.dashboard({ maxPoints: 500, maxValues: 20_000 }), undefined);
});

test('GET /api/v1/series over HTTP: points, a 400 for a bad one, and the dashboard option in force', async () => {
  const { monitoring } = await start({ dashboard: { intervalSeconds: 3600, maxPoints: 3 } });
  for (let i = 0; i < 6; i++) {
    monitoring.updatePortfolioMetrics({ portfolioValue: 1000 + (i === 2 ? 50 : i) });
    await new Promise((r) => setTimeout(r, 2));
    await monitoring.sampleDashboardHistory();
  }
  const body = (await (
    await fetch(new URL('/api/v1/series?names=portfolio_value&points=100', monitoring.metricsUrl))
  ).json()) as SeriesResponse;
  assert.ok(body.samples >= 6, 'the six samples, and the one taken at start');
  assert.equal(body.timestamps.length, 3, 'maxPoints 3: one bucket of five samples, then the newest');
  assert.deepEqual((body.series[0] as { values: number[] }).values, [1000, 1050, 1005]);
  const bad = await fetch(new URL('/api/v1/series?points=0', monitoring.metricsUrl));
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), 'points must be an integer of at least 3\n');
});

test(
  'the cost of GET /api/v1/series at 2000 series x 4320 samples (figures printed, not asserted)',
  { timeout: 180_000 },
  async (t) => {
    const r = await seriesApiLoad({ rounds: 5, print: false });
    for (const [name, c] of Object.entries({ ...r.cases, unbounded: r.unbounded }))
      t.diagnostic(
        `${name}: ${c.ms} ms (CPU ${c.cpuMs} ms), ${c.bytes} bytes, ${c.series}/${c.matched} series x ${c.points} points, longest slice ${c.longestSliceMs} ms (max ${c.maxSliceMs})`,
      );
    t.diagnostic(`http: the page's first load, ${r.http.ms} ms per round trip on loopback, ${r.http.bytes} bytes`);
    t.diagnostic(
      `coalesced: ${r.coalesced.requests} identical requests, ${r.coalesced.renders} render, ${r.coalesced.ms} ms`,
    );
    assert.equal(r.coalesced.renders, 1);
    for (const c of Object.values(r.cases)) assert.ok(c.bytes < 2 * 1024 * 1024, `${c.bytes} bytes`);
  },
);
