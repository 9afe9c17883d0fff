/**
 * Load check of the HTTP surface, the one `.ci/run` prints (it asserts nothing timed):
 *
 *   1. Alone: one scrape (`metricsText()`) and its longest event-loop pause, and one request of the
 *      dashboard's series API, in the SDK's default configuration (system metrics on).
 *   2. 50 connections on /metrics and 50 on /api/v1/series (autocannon, each in a process of its
 *      own, asking again as soon as answered) for 30 s (BENCH_QUICK=1: 5 s) while a loop records at
 *      full speed and a 10 ms trading tick runs: the recording rate against the same loop alone
 *      (measured before and after the load, which other work on the machine moves), how late the
 *      tick fires, and the longest pause between two recording slices.
 *
 * Exits with 1 on a wrong answer (a non-2xx status, a connection error), never on a figure.
 *
 *   BENCH_QUICK=1 npm exec -- node --conditions=@evil2root/source bench/http-load.ts
 */
import { execFile } from 'node:child_process';
import { Agent, get } from 'node:http';
import { createRequire } from 'node:module';
import { initEnhancedMonitoring, silentLogger, type MonitoringService } from '../src/index.ts';
import { LATE_MS, median, recordAndTick, SLICE, TICK_MS, type LoopResult } from './bot-loop.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const LOAD_SECONDS = QUICK ? 5 : 30;
/** Each window of the bot alone, before and after the load. */
const ALONE_MS = QUICK ? 2000 : 5000;
const CONNECTIONS = 50;
/** Timed scrapes and series requests alone, after one untimed each. */
const RUNS = QUICK ? 7 : 21;
const SERIES_PATH = '/api/v1/series?names=portfolio_value,trading_signals_total';

const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}/USD`);
const MODELS = Array.from({ length: 10 }, (_, i) => `model${i}`);

export interface RouteLoad {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  /** Connection errors, timeouts apart. */
  errors: number;
  /** Requests unanswered within autocannon's 10 s. */
  timeouts: number;
}

export interface HttpLoadResult {
  durationSeconds: number;
  connections: number;
  /** One `metricsText()` alone: median ms, and the longest event-loop pause during one (median of runs, worst). */
  scrape: { medianMs: number; medianPauseMs: number; maxPauseMs: number; bytes: number };
  /** One GET of SERIES_PATH alone, median ms. */
  seriesApi: { medianMs: number; bytes: number };
  metrics: RouteLoad;
  series: RouteLoad;
  /** The bot alone: the windows before and after the load, merged. */
  alone: LoopResult;
  underLoad: LoopResult;
  /** Recording rate alone (mean of the windows around the load) / under load (1 = no slowdown). */
  slowdown: number;
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

/** The bot's loop for `ms`: each slice records a signal, an executed trade and a model update per iteration. */
function recordAndTickBot(monitoring: MonitoringService, ms: number): Promise<LoopResult> {
  return recordAndTick(ms, (i0) => {
    for (let i = i0; i < i0 + SLICE; i++) {
      const symbol = SYMBOLS[i % 50]!;
      monitoring.recordTradingSignal({
        symbol,
        direction: i % 2 === 0 ? 'buy' : 'sell',
        confidenceLevel: 0.6,
        modelType: 'momentum',
      });
      monitoring.recordExecutedTrade({ symbol, direction: 'buy', success: i % 7 !== 0 });
      monitoring.updateModelPerformance({
        modelName: MODELS[i % 10]!,
        timeframe: '1h',
        symbol,
        metrics: { accuracy: 0.6 },
      });
    }
    return 3 * SLICE;
  });
}

/** Runs `task` with a setImmediate loop beside it; returns its duration and the loop's largest gap. */
async function withPause<T>(task: () => Promise<T>): Promise<{ value: T; ms: number; pauseMs: number }> {
  let running = true;
  let last = performance.now();
  let pauseMs = 0;
  const turn = () => {
    const now = performance.now();
    pauseMs = Math.max(pauseMs, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  const t0 = performance.now();
  const value = await task();
  const t1 = performance.now();
  running = false;
  return { value, ms: t1 - t0, pauseMs: Math.max(pauseMs, t1 - last) };
}

/** A GET over a kept-alive connection, the body read whole; resolves to its size. */
function fetchSize(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET ${url} answered ${res.statusCode}`)),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon in a process of its own (its CLI, JSON out), so the load generator does not share the bot's event loop. */
function autocannon(url: string, connections: number, durationSeconds: number): Promise<CannonResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, '--json', '-c', String(connections), '-d', String(durationSeconds), url],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) return reject(error);
        try {
          resolve(JSON.parse(stdout) as CannonResult);
        } catch (e) {
          reject(e as Error);
        }
      },
    );
  });
}

function routeLoad(r: CannonResult): RouteLoad {
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: Math.max(0, r.errors - r.timeouts),
    timeouts: r.timeouts,
  };
}

export async function runHttpLoadBench(): Promise<HttpLoadResult> {
  const monitoring = await initEnhancedMonitoring({ port: 0, systemMetrics: true, logger: silentLogger });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await recordAndTickBot(monitoring, 1000);
    await monitoring.sampleDashboardHistory();
    const base = monitoring.metricsUrl!.replace(/\/metrics$/, '');

    await monitoring.metricsText();
    const scrapes: { ms: number; pauseMs: number; value: string }[] = [];
    for (let r = 0; r < RUNS; r++) {
      globalThis.gc?.();
      scrapes.push(await withPause(() => monitoring.metricsText()));
    }
    await fetchSize(`${base}${SERIES_PATH}`, agent);
    const seriesRuns: { ms: number; value: number }[] = [];
    for (let r = 0; r < RUNS; r++) seriesRuns.push(await withPause(() => fetchSize(`${base}${SERIES_PATH}`, agent)));

    const before = await recordAndTickBot(monitoring, ALONE_MS);
    const run = (path: string) => autocannon(`${base}${path}`, CONNECTIONS, LOAD_SECONDS + 2);
    const loads = Promise.all([run('/metrics'), run(SERIES_PATH)]);
    // The window opens once the clients are running (a child needs a moment to start).
    await new Promise((r) => setTimeout(r, 1000));
    const underLoad = await recordAndTickBot(monitoring, LOAD_SECONDS * 1000);
    const [metrics, series] = await loads;
    // Requests the clients gave up on may still be in the server: they must not fall in the next window.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await recordAndTickBot(monitoring, ALONE_MS);

    const late = [before, after];
    return {
      durationSeconds: LOAD_SECONDS,
      connections: CONNECTIONS,
      scrape: {
        medianMs: round(median(scrapes.map((s) => s.ms))),
        medianPauseMs: round(median(scrapes.map((s) => s.pauseMs))),
        maxPauseMs: round(Math.max(...scrapes.map((s) => s.pauseMs))),
        bytes: Buffer.byteLength(scrapes[0]!.value),
      },
      seriesApi: { medianMs: round(median(seriesRuns.map((s) => s.ms))), bytes: seriesRuns[0]!.value },
      metrics: routeLoad(metrics),
      series: routeLoad(series),
      alone: {
        rate: Math.round((before.rate + after.rate) / 2),
        ticks: before.ticks + after.ticks,
        lateTicks: before.lateTicks + after.lateTicks,
        medianLateMs: round(median(late.map((w) => w.medianLateMs))),
        maxLateMs: Math.max(before.maxLateMs, after.maxLateMs),
        maxGapMs: Math.max(before.maxGapMs, after.maxGapMs),
      },
      underLoad,
      slowdown: round((before.rate + after.rate) / 2 / underLoad.rate),
    };
  } finally {
    agent.destroy();
    await monitoring.shutdown();
  }
}

if (import.meta.main) {
  const r = await runHttpLoadBench();
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const route = (name: string, x: RouteLoad) =>
    `${name} ${x.requestsPerSecond} req/s, p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms, ${x.requests} requests; non-2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts}`;
  const loop = (name: string, x: LoopResult) =>
    `${name} ${x.rate.toLocaleString('en-US')} calls/s; ${TICK_MS} ms tick late by more than ${LATE_MS} ms ${x.lateTicks} times in ${x.ticks} (median lateness ${ms(x.medianLateMs)} ms, worst ${ms(x.maxLateMs)} ms); longest pause between recording slices ${ms(x.maxGapMs)} ms`;
  console.log(
    `HTTP load check${QUICK ? ' (QUICK)' : ''}: node ${process.version}, SDK defaults (system metrics and dashboard on), 50 symbols`,
  );
  console.log(
    `scrape alone:     metricsText() ${ms(r.scrape.medianMs)} ms (median of ${RUNS}, ${kb(r.scrape.bytes)}), longest event-loop pause ${ms(r.scrape.medianPauseMs)} ms (worst ${ms(r.scrape.maxPauseMs)} ms)`,
  );
  console.log(
    `series API alone: GET ${SERIES_PATH} ${ms(r.seriesApi.medianMs)} ms (median of ${RUNS}, ${kb(r.seriesApi.bytes)})`,
  );
  console.log(
    `under load: ${r.connections} connections each on /metrics and /api/v1/series for ${r.durationSeconds} s`,
  );
  console.log(route('  /metrics        ', r.metrics));
  console.log(route('  /api/v1/series  ', r.series));
  console.log(loop('recording alone:     ', r.alone));
  console.log(loop('recording under load:', r.underLoad));
  console.log(`recording slowdown under load: x${r.slowdown}`);
  console.log(`JSON: ${JSON.stringify(r)}`);
  // A wrong answer fails the check; no figure does.
  if (r.metrics.non2xx + r.metrics.errors + r.series.non2xx + r.series.errors > 0) process.exitCode = 1;
}
