/**
 * Every benchmark, one after the other, each in a process of its own (same node and flags as this
 * one), so that no bench inherits another's JIT state or heap:
 *
 *   npm run bench                  full run
 *   BENCH_QUICK=1 npm run bench    smoke run
 *
 * hot-path.ts (which writes bench/results.json), then the others (trading-analytics.ts,
 * model-analytics.ts, analytics.ts, execution.ts, ..., scrape.ts, footprint.ts, workers.ts, worker-call.ts), which end with a `JSON: {...}`
 * line. Each section's output is passed through as it comes; at the end a summary is printed and
 * the combined results are written to bench/results-all.json. Exits with 1 when a bench failed
 * (its own exit code, or no result).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { table } from './harness.ts';

interface Section {
  readonly key: string;
  readonly file: string;
  /** Where its result comes from: the last `JSON: ` line of its output, or a file it writes. */
  readonly result: 'json-line' | { readonly file: string };
}

const SECTIONS: readonly Section[] = [
  { key: 'hotPath', file: 'hot-path.ts', result: { file: 'results.json' } },
  { key: 'tradingAnalytics', file: 'trading-analytics.ts', result: 'json-line' },
  { key: 'modelAnalytics', file: 'model-analytics.ts', result: 'json-line' },
  { key: 'analytics', file: 'analytics.ts', result: 'json-line' },
  { key: 'execution', file: 'execution.ts', result: 'json-line' },
  { key: 'httpMiddleware', file: 'http-middleware.ts', result: 'json-line' },
  { key: 'httpLoad', file: 'http-load.ts', result: 'json-line' },
  { key: 'seriesApi', file: 'series-api.ts', result: 'json-line' },
  { key: 'durableState', file: 'durable-state.ts', result: 'json-line' },
  { key: 'scrape', file: 'scrape.ts', result: 'json-line' },
  { key: 'footprint', file: 'footprint.ts', result: 'json-line' },
  { key: 'workers', file: 'workers.ts', result: 'json-line' },
  { key: 'workerCall', file: 'worker-call.ts', result: 'json-line' },
];
const JSON_PREFIX = 'JSON: ';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const OUT = here('./results-all.json');

interface SectionOutcome {
  readonly file: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly seconds: number;
  readonly error?: string;
  readonly result?: unknown;
}

/** Runs `bench/<file>` with this process's node and flags; its stdout is echoed and returned, its stderr (progress) inherited. */
function runChild(file: string): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, here(`./${file}`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(chunks).toString('utf8') }));
  });
}

async function runSection(s: Section): Promise<SectionOutcome> {
  const started = Date.now();
  const base = { file: `bench/${s.file}` };
  let run: Awaited<ReturnType<typeof runChild>>;
  try {
    run = await runChild(s.file);
  } catch (error) {
    return {
      ...base,
      ok: false,
      exitCode: null,
      signal: null,
      seconds: (Date.now() - started) / 1000,
      error: `could not start: ${(error as Error).message}`,
    };
  }
  const seconds = (Date.now() - started) / 1000;
  const outcome = { ...base, exitCode: run.code, signal: run.signal, seconds };
  if (run.code !== 0) return { ...outcome, ok: false, error: `exited with ${run.signal ?? `code ${run.code}`}` };
  try {
    if (s.result === 'json-line') {
      const line = run.stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(JSON_PREFIX));
      if (line === undefined) return { ...outcome, ok: false, error: `no '${JSON_PREFIX}' line in its output` };
      return { ...outcome, ok: true, result: JSON.parse(line.slice(JSON_PREFIX.length)) };
    }
    const path = here(`./${s.result.file}`);
    // A file older than this section is a previous run's: this run wrote none.
    if (statSync(path).mtimeMs < started)
      return { ...outcome, ok: false, error: `bench/${s.result.file} was not written by this run` };
    return { ...outcome, ok: true, result: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (error) {
    return { ...outcome, ok: false, error: `unreadable result: ${(error as Error).message}` };
  }
}

/** The value at `path` inside a parsed result, or undefined. */
function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** A few headline numbers per section for the closing summary; '?' where a field is missing. */
function headline(key: string, r: unknown): string {
  const ns = (v: unknown) => (typeof v === 'number' ? `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ns` : '?');
  const fixed = (v: unknown, digits: number) => (typeof v === 'number' ? v.toFixed(digits) : '?');
  const met = (v: unknown) => (v === true ? 'PASS' : v === false ? 'MISS' : '?');
  switch (key) {
    case 'hotPath':
      return (
        `signal ${ns(at(r, 'targets', 'a', 'sdkNs'))}; target (a) ${met(at(r, 'targets', 'a', 'met'))}, (b) ${met(at(r, 'targets', 'b', 'met'))} ` +
        `(${fixed(at(r, 'targets', 'b', 'speedup'), 1)}x vs OTel 3 readers)`
      );
    case 'tradingAnalytics':
      return `TradeAnalytics.add ${ns(at(r, 'tradeAddNs'))}, EquityAnalytics.update ${ns(at(r, 'equityUpdateNs'))}, naive ${fixed(at(r, 'naiveOverStreaming'), 0)}x`;
    case 'modelAnalytics': {
      const results = at(r, 'results');
      const name = Object.keys(typeof results === 'object' && results !== null ? results : {}).find((n) =>
        n.startsWith('streaming pipeline'),
      );
      return `streaming pipeline ${ns(name === undefined ? undefined : at(results, name, 'medianNs'))}/event`;
    }
    case 'analytics':
      return (
        `closed trade ${ns(at(r, 'cases', 'closedMinimal', 'medianNs'))}, portfolioValue ${ns(at(r, 'cases', 'equity', 'medianNs'))}, ` +
        `prediction ${ns(at(r, 'cases', 'resolved', 'medianNs'))} (${met(at(r, 'targets', 'predictionBelow1us', 'met'))} < 1 µs), pair ${ns(at(r, 'cases', 'pair', 'medianNs'))}; ` +
        `1M trades ${fixed(at(r, 'feed', 'ms'), 0)} ms, heap +${fixed((at(r, 'feed', 'heapGrowthBytes') as number) / 1024, 0)} KiB`
      );
    case 'durableState':
      return (
        `recording state on/off ${fixed(at(r, 'recording', 'ratio'), 3)}x; ${fixed(at(r, 'restore', 'trades'), 0)} trades restored in ${fixed(at(r, 'restore', 'ms'), 0)} ms; ` +
        `${fixed((at(r, 'largeState', 'bytes') as number) / 1024, 0)} KiB state serialized in ${fixed(at(r, 'largeState', 'serializeMs'), 1)} ms`
      );
    case 'scrape': {
      const ratios = at(r, 'goals', 'thirdOfPromClient', 'ratios');
      const perSize = Object.entries(typeof ratios === 'object' && ratios !== null ? ratios : {})
        .map(([n, v]) => `${n}: ${fixed(v, 2)}x`)
        .join(', ');
      const pause = at(r, 'goals', 'pauseUnder10msAt100k', 'maxPauseMs');
      return (
        `SDK/prom-client ${perSize || '?'} (1/3 ${met(at(r, 'goals', 'thirdOfPromClient', 'met'))}); ` +
        `pause at 100k (GET gzip) ${pause === null ? 'n/a' : `${fixed(pause, 1)} ms (${met(at(r, 'goals', 'pauseUnder10msAt100k', 'met'))})`}; ` +
        `recording slowdown: 50 scrapes/s x${fixed(at(r, 'http', 'bursts', 'all', 'slowdown'), 2)}, ` +
        `50 saturating x${fixed(at(r, 'goals', 'slowdownAtMost2x', 'slowdown'), 1)} (${met(at(r, 'goals', 'slowdownAtMost2x', 'met'))})`
      );
    }
    case 'footprint':
      return (
        `idle RSS +${fixed(at(r, 'variants', 'sdk', 'rssOverBareMiB'), 1)} MiB (private +${fixed(at(r, 'variants', 'sdk', 'anonOverBareMiB'), 1)}) ` +
        `vs prom-client +${fixed(at(r, 'variants', 'promClient', 'rssOverBareMiB'), 1)} (+${fixed(at(r, 'variants', 'promClient', 'anonOverBareMiB'), 1)}); ` +
        `import+init ${fixed(at(r, 'variants', 'sdk', 'startMs'), 0)} ms vs ${fixed(at(r, 'variants', 'promClient', 'startMs'), 0)} ms`
      );
    case 'seriesApi':
      return (
        `/api/v1/series at ${fixed(at(r, 'series'), 0)} series x ${fixed(at(r, 'samples'), 0)} samples: page ${fixed(at(r, 'cases', 'page', 'ms'), 1)} ms ` +
        `(${fixed((at(r, 'cases', 'page', 'bytes') as number) / 1024, 0)} KiB), no parameter ${fixed(at(r, 'cases', 'full', 'ms'), 1)} ms, poll ${fixed(at(r, 'cases', 'poll', 'ms'), 1)} ms, ` +
        `longest slice ${fixed(at(r, 'cases', 'full', 'longestSliceMs'), 1)} ms; unbounded ${fixed(at(r, 'unbounded', 'ms'), 0)} ms (${fixed((at(r, 'unbounded', 'bytes') as number) / 1048576, 0)} MiB)`
      );
    case 'workers': {
      const results = at(r, 'results');
      const calls = Object.entries(typeof results === 'object' && results !== null ? results : {})
        .map(([name, v]) => `${name} ${fixed(at(v, 'ratio'), 2)}x`)
        .join(', ');
      return (
        `worker call / main thread call: ${calls || '?'} (at most 2x ${met(at(r, 'goalMet'))}); ` +
        `4 flooding workers: main thread's longest delay ${fixed(at(r, 'floodLongestDelayMs'), 0)} ms (spinning threads, no SDK: ${fixed(at(r, 'baselineLongestDelayMs'), 0)} ms), ` +
        `its most CPU between two ticks ${fixed(at(r, 'floodMaxCpuInGapMs'), 1)} ms (at most 10 ${met(at(r, 'floodGoalMet'))})`
      );
    }
    case 'workerCall': {
      const results = at(r, 'results');
      const calls = Object.entries(typeof results === 'object' && results !== null ? results : {})
        .map(([name, v]) => `${name} ${fixed(at(v, 'ratio', '0'), 2)}x`)
        .join(', ');
      return `worker call / main thread call, paired round by round: ${calls || '?'}`;
    }
    default:
      return '';
  }
}

const quick = process.env['BENCH_QUICK'] === '1';
const date = new Date().toISOString();
const load = loadavg();
const command = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' ');
console.log(
  `@evil2root/monitoring benchmarks${quick ? ' (QUICK mode)' : ''}: ${SECTIONS.map((s) => s.file).join(', ')}, one process each`,
);
console.log(
  `node ${process.version} ${process.execArgv.join(' ')} | ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical CPUs) | load ${load.map((l) => l.toFixed(2)).join(' ')} | ${date}`,
);
if (!process.execArgv.includes('--expose-gc'))
  console.log('WARNING: no --expose-gc: the benches cannot collect garbage between runs; run `npm run bench`');

const outcomes: Record<string, SectionOutcome> = {};
for (const s of SECTIONS) {
  console.log('');
  console.log(`==== ${s.key}: bench/${s.file} ${'='.repeat(Math.max(4, 60 - s.key.length - s.file.length))}`);
  const outcome = await runSection(s);
  outcomes[s.key] = outcome;
  console.log(`---- ${s.key}: ${outcome.ok ? 'ok' : `FAILED (${outcome.error})`} in ${outcome.seconds.toFixed(1)} s`);
}

const ok = Object.values(outcomes).every((o) => o.ok);
console.log('');
console.log(`==== summary ${'='.repeat(60)}`);
console.log(
  table(
    ['section', 'status', 'seconds'],
    SECTIONS.map((s) => {
      const o = outcomes[s.key]!;
      return [s.key, o.ok ? 'ok' : 'FAILED', o.seconds.toFixed(1)];
    }),
  ),
);
console.log('');
console.log('Headlines (medians):');
for (const s of SECTIONS) {
  const o = outcomes[s.key]!;
  console.log(`  ${`${s.key}:`.padEnd(18)}${o.ok ? headline(s.key, o.result) : `FAILED: ${o.error ?? ''}`}`);
}
writeFileSync(
  OUT,
  `${JSON.stringify({ date, quick, node: process.version, execArgv: process.execArgv, cpu: cpus()[0]?.model, logicalCpus: cpus().length, loadAverageAtStart: load, command, ok, sections: outcomes }, null, 2)}\n`,
);
console.log('');
console.log(`Combined results written to ${OUT}${ok ? '' : ' (with failures)'}`);
if (!ok) process.exitCode = 1;
