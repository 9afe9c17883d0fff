// Load check of the HTTP surface: 50 connections on /metrics and 50 on /api/v1/series (autocannon)
// for 30 s (BENCH_QUICK=1: 5 s) while a loop records at full speed; compares the recording rate
// with the same loop alone. Run: npm exec -- node --conditions=@evil2root/source bench/http-load.ts
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { initEnhancedMonitoring, type MonitoringService } from '../src/index.ts';

export interface HttpLoadResult {
  durationSeconds: number;
  connections: number;
  metrics: { requestsPerSecond: number; p99Ms: number; requests: number; non2xx: number; errors: number };
  series: { requestsPerSecond: number; p99Ms: number; requests: number; non2xx: number; errors: number };
  recordsPerSecondAlone: number;
  recordsPerSecondUnderLoad: number;
  /** Recording rate alone / under load (1 = no slowdown). */
  slowdown: number;
  /** Longest pause between two recording slices under load, ms (a stall would show here). */
  maxGapMs: number;
}

const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}/USD`);
const MODELS = Array.from({ length: 10 }, (_, i) => `model${i}`);

/** Records for `ms` in slices of 2000 calls, yielding to the event loop between slices (as a bot's loop does). */
async function recordFor(monitoring: MonitoringService, ms: number): Promise<{ rate: number; maxGapMs: number }> {
  const end = performance.now() + ms;
  let calls = 0;
  let i = 0;
  let last = performance.now();
  let maxGapMs = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 2000; k++, i++) {
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
    calls += 6000;
    await new Promise((r) => setImmediate(r));
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }
  return { rate: calls / (ms / 1000), maxGapMs };
}

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p99: number };
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
          reject(e);
        }
      },
    );
  });
}

function summary(r: CannonResult) {
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export async function runHttpLoadBench(): Promise<HttpLoadResult> {
  const durationSeconds = process.env.BENCH_QUICK === '1' ? 5 : 30;
  const monitoring = await initEnhancedMonitoring({
    port: 0,
    systemMetrics: true,
    logger: { info() {}, warn() {}, error() {} },
  });
  try {
    await recordFor(monitoring, 1000);
    await monitoring.sampleDashboardHistory();
    const alone = await recordFor(monitoring, durationSeconds * 1000);
    const base = monitoring.metricsUrl!.replace(/\/metrics$/, '');
    const run = (path: string) => autocannon(`${base}${path}`, 50, durationSeconds);
    const [metrics, series, loaded] = await Promise.all([
      run('/metrics'),
      run('/api/v1/series?names=portfolio_value,trading_signals_total'),
      recordFor(monitoring, durationSeconds * 1000),
    ]);
    return {
      durationSeconds,
      connections: 50,
      metrics: summary(metrics),
      series: summary(series),
      recordsPerSecondAlone: Math.round(alone.rate),
      recordsPerSecondUnderLoad: Math.round(loaded.rate),
      slowdown: Number((alone.rate / loaded.rate).toFixed(2)),
      maxGapMs: Number(loaded.maxGapMs.toFixed(1)),
    };
  } finally {
    await monitoring.shutdown();
  }
}

if (import.meta.main) {
  const r = await runHttpLoadBench();
  console.log(
    `${r.durationSeconds} s, ${r.connections} connections each on /metrics and /api/v1/series, recording at full speed`,
  );
  console.log(
    `/metrics        ${r.metrics.requestsPerSecond} req/s, p99 ${r.metrics.p99Ms} ms, ${r.metrics.requests} requests, non-2xx ${r.metrics.non2xx}, errors ${r.metrics.errors}`,
  );
  console.log(
    `/api/v1/series  ${r.series.requestsPerSecond} req/s, p99 ${r.series.p99Ms} ms, ${r.series.requests} requests, non-2xx ${r.series.non2xx}, errors ${r.series.errors}`,
  );
  console.log(
    `recording: ${r.recordsPerSecondAlone} calls/s alone, ${r.recordsPerSecondUnderLoad} under load (slowdown x${r.slowdown}), longest pause ${r.maxGapMs} ms`,
  );
  console.log(`JSON: ${JSON.stringify(r)}`);
  if (r.metrics.non2xx + r.metrics.errors + r.series.non2xx + r.series.errors > 0) process.exitCode = 1;
}
