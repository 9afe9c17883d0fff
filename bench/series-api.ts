// The cost of GET /api/v1/series on a full history: 2000 series (counters, gauges and histograms, the
// mix of a bot with 100 symbols and 10 models) over 6 h at 5 s (4320 samples), the dashboard's
// defaults otherwise. The history is restored from a synthetic saved state (the path of a restart),
// which fills it in a second where 4320 collections would take minutes. Each case renders the answer
// as the route does (SeriesApi.render: bounded, in slices), cold, and reports the median time, the
// body size and the longest slice; the same history with no bounds (every sample of every series,
// as before the bounds) is measured beside it.
// Run: npm exec -- node --conditions=@evil2root/source --expose-gc bench/series-api.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricHistory, type SeriesQuery } from '../src/dashboard/history.ts';
import { DASHBOARD_DEFAULTS, type ResolvedDashboard } from '../src/dashboard/options.ts';
import { PAGE_METRICS } from '../src/dashboard/page.ts';
import { SeriesApi } from '../src/dashboard/series-api.ts';

type Attributes = Record<string, string>;
interface Family {
  readonly name: string;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  readonly labels: Attributes[];
}

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function product(...dimensions: [string, string[]][]): Attributes[] {
  let out: Attributes[] = [{}];
  for (const [key, values] of dimensions) out = out.flatMap((a) => values.map((v) => ({ ...a, [key]: v })));
  return out;
}

/** The metric families of a bot with `symbols` symbols and 10 models, cut or padded to `series` series in all. */
function families(series: number, symbols: number): Family[] {
  const sym = Array.from({ length: symbols }, (_, i) => `SYM${i}/USD`);
  const models = Array.from({ length: 10 }, (_, i) => `model${i}`);
  const list: Family[] = [
    { name: 'portfolio_value', kind: 'gauge', labels: [{}] },
    { name: 'balance', kind: 'gauge', labels: [{}] },
    { name: 'drawdown', kind: 'gauge', labels: product(['basis', ['equity', 'realized']]) },
    { name: 'max_drawdown', kind: 'gauge', labels: product(['basis', ['equity', 'realized']]) },
    {
      name: 'api_latency_seconds',
      kind: 'histogram',
      labels: product(['endpoint', ['/ticker', '/order']], ['method', ['GET', 'POST']]),
    },
    {
      name: 'db_query_duration_seconds',
      kind: 'histogram',
      labels: product(['operation', ['select', 'insert', 'update']]),
    },
    { name: 'api_requests_total', kind: 'counter', labels: product(['endpoint', ['/ticker', '/order', '/balance']]) },
    {
      name: 'model_accuracy',
      kind: 'gauge',
      labels: product(['model_name', models], ['timeframe', ['1h', '4h']], ['symbol', sym.slice(0, 5)]),
    },
    { name: 'model_drift_events_total', kind: 'counter', labels: product(['model_name', models]) },
    { name: 'realized_pnl', kind: 'gauge', labels: product(['symbol', ['all', ...sym]]) },
    {
      name: 'win_rate',
      kind: 'gauge',
      labels: product(['symbol', ['all', ...sym]], ['window', ['lifetime', 'rolling']]),
    },
    {
      name: 'trades_closed_total',
      kind: 'counter',
      labels: product(['symbol', sym], ['outcome', ['win', 'loss', 'draw']]),
    },
    {
      name: 'trading_signals_total',
      kind: 'counter',
      labels: product(['symbol', sym], ['direction', ['buy', 'sell']], ['model_type', ['momentum', 'mean_reversion']]),
    },
    {
      name: 'executed_trades_total',
      kind: 'counter',
      labels: product(['symbol', sym], ['direction', ['buy', 'sell']], ['status', ['success', 'failed']]),
    },
    { name: 'open_positions', kind: 'gauge', labels: product(['symbol', sym], ['direction', ['buy', 'sell']]) },
  ];
  const out: Family[] = [];
  let left = series;
  for (const f of list) {
    if (left === 0) break;
    out.push({ ...f, labels: f.labels.slice(0, left) });
    left -= Math.min(left, f.labels.length);
  }
  if (left > 0)
    out.push({
      name: 'profit_factor',
      kind: 'gauge',
      labels: Array.from({ length: left }, (_, i) => ({ symbol: `PAD${i}/USD`, window: 'lifetime' })),
    });
  return out;
}

const silent = { info() {}, warn() {}, error() {} };

/**
 * A saved history (MetricHistory.saveState's shape) of `series` series over `samples` samples, one every
 * `intervalSeconds`, the last at `end`; the same arguments give the same history.
 */
export function savedHistory(series: number, samples: number, intervalSeconds: number, end = Date.now()): unknown {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const list: unknown[] = [];
  for (const f of families(series, 100)) {
    for (const labels of f.labels) {
      if (f.kind === 'histogram') {
        const width = BOUNDS.length + 1;
        const counts = new Array<number>(samples * width);
        const running = new Array<number>(width).fill(0);
        for (let i = 0; i < samples; i++) {
          running[Math.floor(random() * width)]! += 1 + Math.floor(random() * 4);
          for (let b = 0; b < width; b++) counts[i * width + b] = running[b]!;
        }
        list.push({ kind: 'histogram', name: f.name, labels, lastSample: samples - 1, bounds: BOUNDS, counts });
        continue;
      }
      const values = new Array<number>(samples);
      let v = f.kind === 'counter' ? 0 : 100 * random();
      for (let i = 0; i < samples; i++) {
        v += f.kind === 'counter' ? Math.floor(random() * 3) : random() - 0.5;
        values[i] = v;
      }
      list.push({ kind: 'scalar', name: f.name, labels, lastSample: samples - 1, values });
    }
  }
  return {
    capacity: samples,
    intervalSeconds,
    taken: samples,
    timestamps: Array.from({ length: samples }, (_, i) => end - (samples - 1 - i) * intervalSeconds * 1000),
    series: list,
  };
}

/** A full MetricHistory: `series` series over `samples` samples at `intervalSeconds`, with the dashboard's limits. */
export function syntheticHistory(
  series = 2000,
  samples = 4320,
  limits: Partial<ResolvedDashboard> = {},
  saved: unknown = savedHistory(series, samples, limits.intervalSeconds ?? DASHBOARD_DEFAULTS.intervalSeconds),
): MetricHistory {
  const intervalSeconds = limits.intervalSeconds ?? DASHBOARD_DEFAULTS.intervalSeconds;
  const history = new MetricHistory({
    ...DASHBOARD_DEFAULTS,
    ...limits,
    intervalSeconds,
    historyMinutes: (samples * intervalSeconds) / 60,
    maxSlots: 1_000_000,
    logger: silent,
  });
  history.restoreState(saved);
  return history;
}

export interface SeriesApiCase {
  /** Median time of a render with no kept answer, ms (wall clock). */
  ms: number;
  /** Median CPU time of this process during a render, ms: the wall clock less the time a loaded machine gave to others. */
  cpuMs: number;
  /** Longest time one slice of a render held the event loop, ms: the median over the renders. */
  longestSliceMs: number;
  /** The same, the longest over every render (on a loaded machine, a slice the scheduler paused shows here). */
  maxSliceMs: number;
  /** Body size, bytes. */
  bytes: number;
  series: number;
  matched: number;
  points: number;
  truncated: boolean;
}

export interface SeriesApiLoadResult {
  series: number;
  samples: number;
  historyBytes: number;
  maxPoints: number;
  maxValues: number;
  /** Bounded answers: no parameter, the page's first load (all symbols, then one symbol), and a poll with `since`. */
  cases: Record<'full' | 'page' | 'pageSymbol' | 'poll', SeriesApiCase>;
  /** The same full answer with no bounds: every sample of every series (the behaviour before the bounds). */
  unbounded: SeriesApiCase;
  /** Identical concurrent requests on a fresh history version: how many renders they took, and the time until all were answered. */
  coalesced: { requests: number; renders: number; ms: number };
  /** The page's first load over HTTP on loopback (fetch in this process), no kept answer: median round trip, ms. */
  http: { ms: number; bytes: number };
}

async function measure(api: SeriesApi, query: SeriesQuery, rounds: number): Promise<SeriesApiCase> {
  const times: number[] = [];
  const cpu: number[] = [];
  const slices: number[] = [];
  let body: Buffer = Buffer.alloc(0);
  for (let r = 0; r < rounds; r++) {
    globalThis.gc?.();
    api.longestSliceMs = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    body = await api.render(query);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    slices.push(api.longestSliceMs);
  }
  const median = (list: number[]) => Number(list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!.toFixed(2));
  const parsed = JSON.parse(body.toString('utf8')) as {
    timestamps: number[];
    series: unknown[];
    matched: number;
    truncated?: boolean;
  };
  return {
    ms: median(times),
    cpuMs: median(cpu),
    longestSliceMs: median(slices),
    maxSliceMs: Number(Math.max(...slices).toFixed(2)),
    bytes: body.length,
    series: parsed.series.length,
    matched: parsed.matched,
    points: parsed.timestamps.length,
    truncated: parsed.truncated ?? false,
  };
}

/** Round trips of `query` through a node:http server; a SeriesApi per request, so no answer is kept. */
async function overHttp(
  history: MetricHistory,
  query: SeriesQuery,
  rounds: number,
): Promise<{ ms: number; bytes: number }> {
  const server = createServer((req, res) => void new SeriesApi(history).handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const params = new URLSearchParams({ names: (query.names ?? []).join(','), points: String(query.points ?? 300) });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/series?${params}`;
    const times: number[] = [];
    let bytes = 0;
    for (let r = 0; r < rounds; r++) {
      globalThis.gc?.();
      const t0 = performance.now();
      bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { ms: Number(times[Math.floor(times.length / 2)]!.toFixed(2)), bytes };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Measures GET /api/v1/series on a full synthetic history (see the top of this file) and prints the
 * figures, ending with a `JSON: {...}` line. `rounds`: cold renders per case (the median is reported).
 */
export async function seriesApiLoad(
  options: { series?: number; samples?: number; rounds?: number; print?: boolean } = {},
): Promise<SeriesApiLoadResult> {
  const series = options.series ?? 2000;
  const samples = options.samples ?? 4320;
  const rounds = options.rounds ?? 9;
  const saved = savedHistory(series, samples, DASHBOARD_DEFAULTS.intervalSeconds);
  const history = syntheticHistory(series, samples, {}, saved);
  const api = new SeriesApi(history);
  const now = history.query({ names: [] }).now;
  const page = { names: [...PAGE_METRICS], points: DASHBOARD_DEFAULTS.maxPoints };
  const cases = {
    full: await measure(api, {}, rounds),
    page: await measure(api, page, rounds),
    pageSymbol: await measure(api, { ...page, symbol: 'SYM7/USD' }, rounds),
    // The page's poll: the samples after the one it has, here the newest.
    poll: await measure(api, { ...page, since: now - 1.5 * DASHBOARD_DEFAULTS.intervalSeconds * 1000 }, rounds),
  };
  const unboundedHistory = syntheticHistory(series, samples, { maxPoints: 100_000, maxValues: 100_000_000 }, saved);
  const unbounded = await measure(new SeriesApi(unboundedHistory), {}, Math.min(rounds, 3));
  const http = await overHttp(history, page, rounds);
  // A new version, then identical requests all at once (as several dashboards opened together).
  history.restoreState(saved);
  const before = api.renders;
  const requests = 20;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: requests }, () => api.body(page)));
  const coalesced = { requests, renders: api.renders - before, ms: Number((performance.now() - t0).toFixed(2)) };
  const result: SeriesApiLoadResult = {
    series,
    samples,
    historyBytes: history.bytes,
    maxPoints: DASHBOARD_DEFAULTS.maxPoints,
    maxValues: DASHBOARD_DEFAULTS.maxValues,
    cases,
    unbounded,
    coalesced,
    http,
  };
  if (options.print !== false) {
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
    console.log(
      `GET /api/v1/series, ${series} series x ${samples} samples (${mb(result.historyBytes)} of history), maxPoints ${result.maxPoints}, maxValues ${result.maxValues}`,
    );
    for (const [name, c] of Object.entries({ ...cases, unbounded })) {
      console.log(
        `${name.padEnd(11)} ${c.ms.toFixed(2).padStart(8)} ms (CPU ${c.cpuMs.toFixed(2)} ms)  ${mb(c.bytes).padStart(10)}  ${c.series}/${c.matched} series x ${c.points} points${c.truncated ? ' (truncated)' : ''}, longest slice ${c.longestSliceMs} ms (max ${c.maxSliceMs})`,
      );
    }
    console.log(
      `http        ${http.ms} ms per round trip of the page's first load (${mb(http.bytes)}), no kept answer`,
    );
    console.log(
      `coalesced   ${requests} identical concurrent requests: ${coalesced.renders} render(s), all answered in ${coalesced.ms} ms`,
    );
    console.log(`JSON: ${JSON.stringify(result)}`);
  }
  return result;
}

if (import.meta.main) await seriesApiLoad();
