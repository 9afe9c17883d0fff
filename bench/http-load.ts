/**
 * Load check of the HTTP surface, the one `.ci/run` prints (it asserts nothing timed). The SDK runs
 * in its default configuration (system metrics and dashboard on) and holds 1 000 label sets of
 * `trading_signals_total` and the 10-bucket `trading_signal_confidence` (the label sets of
 * `bench/scrape.ts`) besides what the bot records.
 *
 *   1. Alone: one scrape (`metricsText()`) and its longest event-loop pause, and one request of the
 *      dashboard's series API.
 *   2. 50 connections on /metrics and 50 on /api/v1/series (autocannon, each in a process of its
 *      own, asking again as soon as answered, no Accept-Encoding: plain bodies) for 30 s
 *      (BENCH_QUICK=1: 5 s) while a loop records at full speed and a 10 ms trading tick runs: the
 *      recording rate against the same loop alone (measured before and after the load, which other
 *      work on the machine moves), how late the tick fires, and the longest pause between two
 *      recording slices.
 *   3. /metrics saturated, side by side under the same load generator (autocannon, 50 connections,
 *      10 s each, BENCH_QUICK=1: 3 s) and the same bot loop, with the bot alone measured before and
 *      after each: the SDK's server; a bare `node:http` server on the same loop answering with a
 *      precomputed Buffer of the SDK's own body (no SDK work at all: the floor of any in-process
 *      server); prom-client serving the same 1 000 label sets and its default metrics (a
 *      `registry.metrics()` per request, as its users serve it). Plain, then with
 *      `Accept-Encoding: gzip` as Prometheus sends it (the floor then sends the SDK's gzipped body).
 *
 * Exits with 1 on a wrong answer (a non-2xx status, a connection error), never on a figure.
 *
 *   BENCH_QUICK=1 npm exec -- node --conditions=@evil2root/source --expose-gc bench/http-load.ts
 */
import { execFile } from 'node:child_process';
import { Agent, createServer, get, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { initEnhancedMonitoring, silentLogger, type MonitoringService } from '../src/index.ts';
import { LATE_MS, median, recordAndTick, SLICE, TICK_MS, type LoopResult } from './bot-loop.ts';
import { promClientSignalRegistry, scrapeConfidence, scrapeLabelSet } from './contestants.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const LOAD_SECONDS = QUICK ? 5 : 30;
/** Each window of the bot alone, before and after the load. */
const ALONE_MS = QUICK ? 2000 : 5000;
const CONNECTIONS = 50;
/** Label sets of the signal counter and histogram, in the SDK and in prom-client. */
const LABEL_SETS = 1_000;
/** Each contestant's load in section 3. */
const SATURATE_SECONDS = QUICK ? 3 : 10;
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

/** One server of section 3 under 50 connections on /metrics, and what it did to the bot's loop. */
export interface SaturatedRow {
  name: string;
  gzip: boolean;
  /** Body of one answer, bytes (the mean over the run: responses with their heads / requests). */
  bytesPerResponse: number;
  route: RouteLoad;
  megabytesPerSecond: number;
  underLoad: LoopResult;
  /** Recording rate alone (mean of the windows before and after) / under this load. */
  slowdown: number;
  /**
   * The bot's time lost per response served, ms: (1 - 1 / slowdown) s per second over the
   * responses per second. Servers that answer at different rates compare on it.
   */
  botMsPerResponse: number;
}

export interface HttpLoadResult {
  labelSets: number;
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
  /** Section 3: /metrics alone saturated, server by server. */
  saturated: { seconds: number; rows: SaturatedRow[]; alone: LoopResult };
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

/** The windows of the bot alone as one: mean rate, ticks summed, worst lateness and gap. */
function mergeLoops(windows: readonly LoopResult[]): LoopResult {
  return {
    rate: Math.round(windows.reduce((t, w) => t + w.rate, 0) / windows.length),
    ticks: windows.reduce((t, w) => t + w.ticks, 0),
    lateTicks: windows.reduce((t, w) => t + w.lateTicks, 0),
    medianLateMs: round(median(windows.map((w) => w.medianLateMs))),
    maxLateMs: Math.max(...windows.map((w) => w.maxLateMs)),
    maxGapMs: Math.max(...windows.map((w) => w.maxGapMs)),
  };
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
  throughput: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon in a process of its own (its CLI, JSON out), so the load generator does not share the bot's event loop. */
function autocannon(url: string, connections: number, durationSeconds: number, gzip = false): Promise<CannonResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const headers = gzip ? ['-H', 'accept-encoding=gzip'] : [];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, '--json', ...headers, '-c', String(connections), '-d', String(durationSeconds), url],
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

/** Records the LABEL_SETS label sets of the signal counter and histogram (three signals each). */
function growLabelSets(monitoring: MonitoringService): void {
  for (let i = 0; i < LABEL_SETS; i++) {
    const { symbol, direction, model } = scrapeLabelSet(i);
    for (let k = 0; k < 3; k++)
      monitoring.recordTradingSignal({ symbol, direction, confidenceLevel: scrapeConfidence(i, k), modelType: model });
  }
}

/** A GET's body as it came over the wire (not decompressed). */
function fetchBody(url: string, agent: Agent, gzip: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        res.statusCode === 200 && (res.headers['content-encoding'] === 'gzip') === gzip
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`GET ${url} answered ${res.statusCode} ${String(res.headers['content-encoding'])}`)),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** A node:http server on 127.0.0.1, port 0, on this process's event loop. */
async function serve(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The floor: no SDK work at all, only Node's HTTP handling and the socket writes of the SDK's own
 * bodies (taken from it once, plain and gzipped), as any in-process server pays them.
 */
function floorServer(plain: Buffer, gzipped: Buffer) {
  return serve((req, res) => {
    const gzip = req.headers['accept-encoding']?.includes('gzip') === true;
    const body = gzip ? gzipped : plain;
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'content-length': body.length,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(body);
  });
}

/** prom-client as its users serve it: one `registry.metrics()` per request, plain text. */
function promClientServer() {
  const registry = promClientSignalRegistry(LABEL_SETS);
  return serve((_req, res) => {
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  });
}

export async function runHttpLoadBench(): Promise<HttpLoadResult> {
  const monitoring = await initEnhancedMonitoring({ port: 0, systemMetrics: true, logger: silentLogger });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    growLabelSets(monitoring);
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

    // Section 3: /metrics alone, server by server, the bot alone before and after each.
    const plainBody = await fetchBody(monitoring.metricsUrl!, agent, false);
    const gzippedBody = await fetchBody(monitoring.metricsUrl!, agent, true);
    const floor = await floorServer(plainBody, gzippedBody);
    const promClient = await promClientServer();
    const servers = [floor, promClient];
    const rows: SaturatedRow[] = [];
    const alone3: LoopResult[] = [];
    try {
      const contestants = [
        { name: 'bare node:http, precomputed body', url: floor.url, gzip: false },
        { name: 'our SDK', url: monitoring.metricsUrl!, gzip: false },
        { name: 'prom-client registry.metrics()', url: promClient.url, gzip: false },
        { name: 'bare node:http, precomputed body', url: floor.url, gzip: true },
        { name: 'our SDK', url: monitoring.metricsUrl!, gzip: true },
      ];
      alone3.push(await recordAndTickBot(monitoring, ALONE_MS));
      for (const c of contestants) {
        const load = autocannon(c.url, CONNECTIONS, SATURATE_SECONDS + 2, c.gzip);
        await new Promise((r) => setTimeout(r, 1000));
        const loop = await recordAndTickBot(monitoring, SATURATE_SECONDS * 1000);
        const cannon = await load;
        await new Promise((r) => setTimeout(r, 1000));
        const windowBefore = alone3.at(-1)!;
        const windowAfter = await recordAndTickBot(monitoring, ALONE_MS);
        alone3.push(windowAfter);
        const slowdown = (windowBefore.rate + windowAfter.rate) / 2 / loop.rate;
        rows.push({
          name: c.name,
          gzip: c.gzip,
          bytesPerResponse: Math.round(cannon.throughput.total / Math.max(1, cannon.requests.total)),
          route: routeLoad(cannon),
          megabytesPerSecond: round(cannon.throughput.average / 1e6, 1),
          underLoad: loop,
          slowdown: round(slowdown),
          botMsPerResponse: round(((1 - 1 / slowdown) * 1000) / Math.max(1, cannon.requests.average), 3),
        });
      }
    } finally {
      for (const server of servers) await server.close();
    }

    const late = [before, after];
    return {
      labelSets: LABEL_SETS,
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
      saturated: { seconds: SATURATE_SECONDS, rows, alone: mergeLoops(alone3) },
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
    `HTTP load check${QUICK ? ' (QUICK)' : ''}: node ${process.version}, SDK defaults (system metrics and dashboard on), ${r.labelSets} label sets, the bot recording 50 symbols`,
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
  console.log(
    `/metrics saturated: ${r.connections} connections, ${r.saturated.seconds} s per server, ${r.labelSets} label sets, the same bot loop (alone: ${r.saturated.alone.rate.toLocaleString('en-US')} calls/s, mean of the windows between loads)`,
  );
  for (const row of r.saturated.rows) {
    const x = row.route;
    const u = row.underLoad;
    console.log(
      `  ${`${row.name}${row.gzip ? ', gzip' : ''}`.padEnd(42)} slowdown x${row.slowdown} (${row.botMsPerResponse} ms of the bot per response); tick late ${u.lateTicks}/${u.ticks} (median ${ms(u.medianLateMs)} ms, worst ${ms(u.maxLateMs)} ms), longest gap ${ms(u.maxGapMs)} ms; ${x.requestsPerSecond} req/s of ${kb(row.bytesPerResponse)} (${row.megabytesPerSecond} MB/s), p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms; non-2xx ${x.non2xx}, errors ${x.errors}, timeouts ${x.timeouts}`,
    );
  }
  console.log(`JSON: ${JSON.stringify(r)}`);
  // A wrong answer fails the check; no figure does.
  const wrong = (x: RouteLoad) => x.non2xx + x.errors;
  if (wrong(r.metrics) + wrong(r.series) + r.saturated.rows.reduce((t, row) => t + wrong(row.route), 0) > 0)
    process.exitCode = 1;
}
