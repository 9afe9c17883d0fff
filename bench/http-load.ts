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
const SATURATE_SECONDS = QUICK ? 3 : 6;
/** Rounds of section 3: every server once per round, medians over the rounds. */
const SATURATE_ROUNDS = QUICK ? 1 : 3;
/** The bot alone after each load of section 3. */
const SATURATE_ALONE_MS = QUICK ? 2000 : 3000;
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

/** One server of section 3 under 50 connections on /metrics, and what it did to the bot's loop (medians over the rounds). */
export interface SaturatedRow {
  name: string;
  gzip: boolean;
  /** Body of one answer, bytes (the mean over the run: responses with their heads / requests). */
  bytesPerResponse: number;
  requestsPerSecond: number;
  megabytesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Summed over the rounds. */
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The windows under load, merged. */
  underLoad: LoopResult;
  /** Recording rate alone (mean of the windows before and after) / under this load. */
  slowdown: number;
  /**
   * The same in recording calls per ms of the loop thread's CPU time: what the server took from the
   * bot's thread, without the time other processes (the load generator among them) took from the machine.
   */
  cpuSlowdown: number;
  /** The loop thread's CPU time over wall time under this load. */
  loopCpuShare: number;
  /**
   * The loop thread's CPU time the server took per response, ms: the part of the thread's CPU time
   * the bot did not get, (1 - 1 / cpuSlowdown) x the thread's CPU ms per second, over the responses
   * per second. Servers that answer at different rates compare on it; other processes do not move it.
   */
  serverCpuMsPerResponse: number;
}

/** The bot alone or under load for a while: its loop, and its rate per ms of the loop thread's CPU time. */
interface BotWindow {
  loop: LoopResult;
  callsPerCpuMs: number;
  /** Loop-thread CPU time over wall time. */
  cpuShare: number;
}

interface SaturatedRun {
  cannon: CannonResult;
  loaded: BotWindow;
  around: [BotWindow, BotWindow];
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
  saturated: {
    seconds: number;
    rounds: number;
    rows: SaturatedRow[];
    alone: LoopResult;
    /** The loop thread's CPU time over wall time while the bot ran alone (below 1: the machine's other work took it). */
    aloneLoopCpuShare: number;
  };
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

/** The bot's loop for `ms`, with the loop thread's CPU time over it. */
async function botWindow(monitoring: MonitoringService, ms: number): Promise<BotWindow> {
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  const loop = await recordAndTickBot(monitoring, ms);
  const cpu = process.threadCpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    loop,
    callsPerCpuMs: (loop.rate * ms) / 1000 / cpuMs,
    cpuShare: cpuMs / (performance.now() - t0),
  };
}

/** One server's rounds as one row: medians of the rates and ratios, counts summed, loops merged. */
function saturatedRow(name: string, gzip: boolean, runs: readonly SaturatedRun[]): SaturatedRow {
  const med = (f: (run: SaturatedRun) => number) => median(runs.map(f));
  const sum = (f: (run: SaturatedRun) => number) => runs.reduce((t, run) => t + f(run), 0);
  const slowdownOf = ({ loaded, around: [a, b] }: SaturatedRun) => (a.loop.rate + b.loop.rate) / 2 / loaded.loop.rate;
  const cpuSlowdownOf = ({ loaded, around: [a, b] }: SaturatedRun) =>
    (a.callsPerCpuMs + b.callsPerCpuMs) / 2 / loaded.callsPerCpuMs;
  const routes = runs.map((run) => routeLoad(run.cannon));
  return {
    name,
    gzip,
    bytesPerResponse: Math.round(
      sum((r) => r.cannon.throughput.total) /
        Math.max(
          1,
          sum((r) => r.cannon.requests.total),
        ),
    ),
    requestsPerSecond: Math.round(med((r) => r.cannon.requests.average)),
    megabytesPerSecond: round(med((r) => r.cannon.throughput.average) / 1e6, 1),
    p50Ms: med((r) => r.cannon.latency.p50),
    p99Ms: med((r) => r.cannon.latency.p99),
    requests: sum((r) => r.cannon.requests.total),
    non2xx: routes.reduce((t, r) => t + r.non2xx, 0),
    errors: routes.reduce((t, r) => t + r.errors, 0),
    timeouts: routes.reduce((t, r) => t + r.timeouts, 0),
    underLoad: mergeLoops(runs.map((r) => r.loaded.loop)),
    slowdown: round(med(slowdownOf)),
    cpuSlowdown: round(med(cpuSlowdownOf)),
    loopCpuShare: round(med((r) => r.loaded.cpuShare)),
    serverCpuMsPerResponse: round(
      med((r) => ((1 - 1 / cpuSlowdownOf(r)) * r.loaded.cpuShare * 1000) / Math.max(1, r.cannon.requests.average)),
      3,
    ),
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

    // Section 3: /metrics alone, server by server, in rounds (the order turned each round), the bot
    // alone after each load (and once before the first): each load compares with the windows around it.
    const plainBody = await fetchBody(monitoring.metricsUrl!, agent, false);
    const gzippedBody = await fetchBody(monitoring.metricsUrl!, agent, true);
    const floor = await floorServer(plainBody, gzippedBody);
    const promClient = await promClientServer();
    const contestants = [
      { name: 'bare node:http, precomputed body', url: floor.url, gzip: false },
      { name: 'our SDK', url: monitoring.metricsUrl!, gzip: false },
      { name: 'prom-client registry.metrics()', url: promClient.url, gzip: false },
      { name: 'bare node:http, precomputed body', url: floor.url, gzip: true },
      { name: 'our SDK', url: monitoring.metricsUrl!, gzip: true },
    ];
    const runs = contestants.map(() => [] as SaturatedRun[]);
    const alone3: BotWindow[] = [];
    try {
      alone3.push(await botWindow(monitoring, SATURATE_ALONE_MS));
      for (let round = 0; round < SATURATE_ROUNDS; round++) {
        for (let k = 0; k < contestants.length; k++) {
          const index = (k + round) % contestants.length;
          const c = contestants[index]!;
          const load = autocannon(c.url, CONNECTIONS, SATURATE_SECONDS + 2, c.gzip);
          await new Promise((r) => setTimeout(r, 1000));
          const loaded = await botWindow(monitoring, SATURATE_SECONDS * 1000);
          const cannon = await load;
          await new Promise((r) => setTimeout(r, 1000));
          const windowBefore = alone3.at(-1)!;
          const windowAfter = await botWindow(monitoring, SATURATE_ALONE_MS);
          alone3.push(windowAfter);
          runs[index]!.push({ cannon, loaded, around: [windowBefore, windowAfter] });
        }
      }
    } finally {
      await floor.close();
      await promClient.close();
    }
    const rows = contestants.map((c, i) => saturatedRow(c.name, c.gzip, runs[i]!));

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
      saturated: {
        seconds: SATURATE_SECONDS,
        rounds: SATURATE_ROUNDS,
        rows,
        alone: mergeLoops(alone3.map((w) => w.loop)),
        aloneLoopCpuShare: round(median(alone3.map((w) => w.cpuShare))),
      },
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
  const sat = r.saturated;
  console.log(
    `/metrics saturated: ${r.connections} connections, ${sat.seconds} s per server and round, ${sat.rounds} round(s), medians; ${r.labelSets} label sets, the same bot loop (alone: ${sat.alone.rate.toLocaleString('en-US')} calls/s, its thread on a CPU ${(sat.aloneLoopCpuShare * 100).toFixed(0)} % of the time)`,
  );
  for (const row of sat.rows) {
    const u = row.underLoad;
    console.log(
      `  ${`${row.name}${row.gzip ? ', gzip' : ''}`.padEnd(42)} slowdown x${row.slowdown} (loop-thread CPU x${row.cpuSlowdown}, thread on a CPU ${(row.loopCpuShare * 100).toFixed(0)} %), ${row.serverCpuMsPerResponse} ms of the loop thread's CPU per response; tick late ${u.lateTicks}/${u.ticks} (median ${ms(u.medianLateMs)} ms, worst ${ms(u.maxLateMs)} ms), longest gap ${ms(u.maxGapMs)} ms; ${row.requestsPerSecond} req/s of ${kb(row.bytesPerResponse)} (${row.megabytesPerSecond} MB/s), p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms; non-2xx ${row.non2xx}, errors ${row.errors}, timeouts ${row.timeouts}`,
    );
  }
  console.log(`JSON: ${JSON.stringify(r)}`);
  // A wrong answer fails the check; no figure does.
  const wrong = (x: RouteLoad) => x.non2xx + x.errors;
  if (wrong(r.metrics) + wrong(r.series) + r.saturated.rows.reduce((t, row) => t + row.non2xx + row.errors, 0) > 0)
    process.exitCode = 1;
}
