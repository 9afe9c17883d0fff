/**
 * Footprint at rest: the memory and start-up time monitoring adds to a process, our SDK against
 * prom-client, each in a fresh child process (this node, these flags, --expose-gc):
 *
 *   bare node       nothing loaded: the baseline
 *   our SDK         `import('@evil2root/monitoring')`, then `await initEnhancedMonitoring({ port: 0 })`
 *                   (the defaults a bot runs: system metrics, dashboard, the server on loopback)
 *   prom-client     `import('prom-client')` and node:http, `collectDefaultMetrics()`, a /metrics
 *                   server on port 0
 *
 * Each child idles for a second after init, collects garbage twice and reports its RSS and heap;
 * the figure is the median over the runs (interleaved), minus bare node's. Import and init are
 * timed apart. The SDK is measured three times: as its TypeScript source (`--conditions=@evil2root/source`:
 * Node loads its type stripper and strips every file at load) and as users run it, built, both the
 * ES module build (`import`) and the CommonJS one (`require`, which loads OpenTelemetry's CommonJS
 * files: lighter than its ES modules under Node 24): the bench first compiles src/ to JavaScript
 * (tsc, the two builds of `npm run build`, without declarations) in
 * node_modules/.cache/evil2root-footprint, so the figures are those of the current source even when
 * dist/ is stale.
 *
 * With FOOTPRINT_BASELINE=<git ref>, the SDK as of that commit is built the same way and measured in
 * the same runs, for a before/after under the same load.
 *
 *   npm run bench                        (all sections)
 *   npm exec -- node --conditions=@evil2root/source --expose-gc bench/footprint.ts
 *   FOOTPRINT_BASELINE=main npm exec -- node --conditions=@evil2root/source --expose-gc bench/footprint.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { table } from './harness.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const BASELINE = process.env['FOOTPRINT_BASELINE'];
const RUNS = QUICK ? 3 : 9;
const IDLE_MS = 1000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_CONDITION = '--conditions=@evil2root/source';
const progress = (line: string) => process.stderr.write(`  ${line}\n`);

/** What a child reports, on one `FOOTPRINT {...}` line. */
interface ChildReport {
  rss: number;
  /** Private resident memory (RssAnon of /proc/self/status): RSS without the pages of node's binary and shared libraries; null outside Linux. */
  anon: number | null;
  heapUsed: number;
  /** ms to import the monitoring package (and, for prom-client, node:http). */
  importMs?: number;
  /** ms of init: `initEnhancedMonitoring`, or default metrics plus a listening server. */
  initMs?: number;
}

// The child's code, as an ES module given to `node -e`, run with the repository as working
// directory: `@evil2root/monitoring` resolves through the package's own exports (source or dist).
const PRELUDE = `
const { readFileSync } = await import('node:fs');
const idle = () => new Promise((r) => setTimeout(r, ${IDLE_MS}));
const report = (timings) => {
  globalThis.gc(); globalThis.gc();
  const m = process.memoryUsage();
  let anon = null;
  try {
    anon = Number(/RssAnon:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  } catch {}
  console.log('FOOTPRINT ' + JSON.stringify({ rss: m.rss, anon, heapUsed: m.heapUsed, ...timings }));
};
`;

const CHILDREN = {
  bare: () => `${PRELUDE}
await idle();
report({});
`,
  sdk: (specifier: string) => `${PRELUDE}
const t0 = performance.now();
const { initEnhancedMonitoring } = await import(${JSON.stringify(specifier)});
const t1 = performance.now();
const monitoring = await initEnhancedMonitoring({ port: 0 });
const t2 = performance.now();
await idle();
report({ importMs: t1 - t0, initMs: t2 - t1 });
await monitoring.shutdown();
`,
  promClient: () => `${PRELUDE}
const t0 = performance.now();
const prom = await import('prom-client');
const http = await import('node:http');
const t1 = performance.now();
prom.collectDefaultMetrics();
const server = http.createServer(async (_req, res) => {
  res.setHeader('content-type', prom.register.contentType);
  res.end(await prom.register.metrics());
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const t2 = performance.now();
await idle();
report({ importMs: t1 - t0, initMs: t2 - t1 });
server.close();
`,
} as const;

type ChildKind = keyof typeof CHILDREN;

interface Variant {
  readonly key: string;
  readonly label: string;
  readonly kind: ChildKind;
  /** What the SDK child imports. */
  readonly specifier?: string;
}

/** This process's flags, with the source condition and --expose-gc. */
function childFlags(): string[] {
  const flags = process.execArgv.filter((f) => f !== SOURCE_CONDITION && f !== '--expose-gc');
  return [...flags, '--expose-gc', SOURCE_CONDITION];
}

const BUILD_DIR = join(ROOT, 'node_modules/.cache/evil2root-footprint');

/**
 * Compiles src/ as `npm run build` does its ES module half (without declarations or source maps)
 * into BUILD_DIR, and returns the URL of its entry point. A type error elsewhere in the tree does
 * not stop tsc from emitting: it is reported and the build used. With `ref`, the src/ of that commit
 * (extracted with git archive next to the build, so it resolves this repository's node_modules).
 */
function buildSdk(ref?: string, format: 'esm' | 'cjs' = 'esm'): string {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const outDir = join(BUILD_DIR, ref === undefined ? format : `baseline-${format}`);
  let project = format === 'esm' ? 'tsconfig.build.json' : 'tsconfig.cjs.json';
  if (ref === undefined && format === 'esm') rmSync(BUILD_DIR, { recursive: true, force: true });
  if (ref !== undefined) {
    const tree = join(BUILD_DIR, 'baseline-src');
    mkdirSync(tree, { recursive: true });
    const archive = execFileSync('git', ['archive', ref, 'src', 'tsconfig.json', 'tsconfig.build.json'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', tree], { input: archive });
    project = join(tree, 'tsconfig.build.json');
  }
  const started = performance.now();
  try {
    execFileSync(
      process.execPath,
      [
        tsc,
        '-p',
        project,
        '--outDir',
        outDir,
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    const entry = join(outDir, 'index.js');
    if (!existsSync(entry)) throw error;
    progress(
      `tsc reported errors (the build was emitted and is used): ${String((error as { stdout?: Buffer }).stdout ?? '').slice(0, 500)}`,
    );
  }
  writeFileSync(join(outDir, 'package.json'), `{ "type": "${format === 'esm' ? 'module' : 'commonjs'}" }\n`);
  progress(`built ${ref ?? 'src/'} into ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return pathToFileURL(join(outDir, 'index.js')).href;
}

/** OTEL_* and MONITORING_* variables would change the SDK's defaults (an OTLP push, auth): the children run without them. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('OTEL_') && !k.startsWith('MONITORING_')) env[k] = v;
  return env;
}

function runChild(v: Variant): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const code = v.kind === 'sdk' ? CHILDREN.sdk(v.specifier!) : CHILDREN[v.kind]();
    const child = spawn(process.execPath, [...childFlags(), '--input-type=module', '-e', code], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('FOOTPRINT '));
      if (code !== 0 || line === undefined)
        return reject(new Error(`${v.label}: exited with ${code}, no report\n${err.slice(-2000)}`));
      resolve(JSON.parse(line.slice('FOOTPRINT '.length)) as ChildReport);
    });
  });
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const MB = 1024 * 1024;
const round = (v: number, digits = 1) => Number(v.toFixed(digits));

interface VariantResult {
  label: string;
  runs: number;
  /** Median RSS after GC, MiB. */
  rssMiB: number;
  /** Median RSS minus bare node's median, MiB. */
  rssOverBareMiB: number;
  /** Median private resident memory minus bare node's, MiB (null outside Linux). */
  anonOverBareMiB: number | null;
  heapUsedMiB: number;
  importMs: number | null;
  initMs: number | null;
  /** importMs + initMs (medians of the sums). */
  startMs: number | null;
  importMsRange: [number, number] | null;
  initMsRange: [number, number] | null;
}

export interface FootprintResult {
  runs: number;
  idleMs: number;
  /** bare, sdk (ES module build, as users run it), sdkCjs (CommonJS build), baseline (FOOTPRINT_BASELINE), sdkSource (TypeScript source), promClient. */
  variants: Record<string, VariantResult>;
}

export async function runFootprintBench(): Promise<FootprintResult> {
  const variants: Variant[] = [
    { key: 'bare', label: 'bare node', kind: 'bare' },
    { key: 'sdk', label: 'our SDK (built)', kind: 'sdk', specifier: buildSdk() },
    { key: 'sdkCjs', label: 'our SDK (CommonJS build)', kind: 'sdk', specifier: buildSdk(undefined, 'cjs') },
    ...(BASELINE === undefined
      ? []
      : [{ key: 'baseline', label: `our SDK at ${BASELINE}`, kind: 'sdk' as const, specifier: buildSdk(BASELINE) }]),
    { key: 'promClient', label: 'prom-client', kind: 'promClient' },
    { key: 'sdkSource', label: 'our SDK (TS source)', kind: 'sdk', specifier: '@evil2root/monitoring' },
  ];

  const reports = new Map<Variant, ChildReport[]>(variants.map((v) => [v, []]));
  const started = performance.now();
  for (let r = 0; r < RUNS; r++) {
    // Rotating order: drift (other load, page cache) spreads over the variants.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length]!;
      reports.get(v)!.push(await runChild(v));
    }
    progress(`run ${r + 1}/${RUNS} done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const bare = reports.get(variants[0]!)!;
  const bareRss = median(bare.map((x) => x.rss)) / MB;
  const medianAnon = (rs: ChildReport[]) => (rs[0]!.anon === null ? null : median(rs.map((x) => x.anon!)) / MB);
  const bareAnon = medianAnon(bare);
  const out: Record<string, VariantResult> = {};
  for (const v of variants) {
    const rs = reports.get(v)!;
    const timed = rs[0]!.importMs !== undefined;
    const values = (f: (x: ChildReport) => number) => rs.map(f);
    const range = (xs: number[]): [number, number] => [round(Math.min(...xs)), round(Math.max(...xs))];
    const rss = median(values((x) => x.rss)) / MB;
    out[v.key] = {
      label: v.label,
      runs: rs.length,
      rssMiB: round(rss),
      rssOverBareMiB: round(rss - bareRss),
      anonOverBareMiB: bareAnon === null ? null : round(medianAnon(rs)! - bareAnon),
      heapUsedMiB: round(median(values((x) => x.heapUsed)) / MB),
      importMs: timed ? round(median(values((x) => x.importMs!))) : null,
      initMs: timed ? round(median(values((x) => x.initMs!))) : null,
      startMs: timed ? round(median(values((x) => x.importMs! + x.initMs!))) : null,
      importMsRange: timed ? range(values((x) => x.importMs!)) : null,
      initMsRange: timed ? range(values((x) => x.initMs!)) : null,
    };
  }
  return { runs: RUNS, idleMs: IDLE_MS, variants: out };
}

function printResult(r: FootprintResult): void {
  const ms = (v: number | null, range: [number, number] | null) =>
    v === null ? '-' : `${v.toFixed(0)} [${range![0].toFixed(0)}-${range![1].toFixed(0)}]`;
  console.log('');
  console.log(
    `Idle footprint, each in a fresh process, ${r.runs} runs, medians (MiB after ${r.idleMs} ms idle and a full GC; private: RssAnon, RSS without node's binary and shared libraries; ms [min-max])`,
  );
  console.log(
    table(
      [
        'process',
        'RSS MiB',
        'RSS over bare',
        'private over bare',
        'heap MiB',
        'import ms',
        'init ms',
        'import+init ms',
      ],
      Object.values(r.variants).map((v) => [
        v.label,
        v.rssMiB.toFixed(1),
        v.label === 'bare node' ? '-' : `+${v.rssOverBareMiB.toFixed(1)}`,
        v.label === 'bare node' || v.anonOverBareMiB === null ? '-' : `+${v.anonOverBareMiB.toFixed(1)}`,
        v.heapUsedMiB.toFixed(1),
        ms(v.importMs, v.importMsRange),
        ms(v.initMs, v.initMsRange),
        v.startMs === null ? '-' : v.startMs.toFixed(0),
      ]),
    ),
  );
  const sdk = r.variants['sdk']!;
  const promClient = r.variants['promClient']!;
  const baseline = r.variants['baseline'];
  if (baseline !== undefined)
    console.log(
      `SDK (built) against ${baseline.label.replace('our SDK at ', '')}: RSS over bare +${sdk.rssOverBareMiB.toFixed(1)} vs +${baseline.rssOverBareMiB.toFixed(1)} MiB, import+init ${sdk.startMs!.toFixed(0)} vs ${baseline.startMs!.toFixed(0)} ms (${(sdk.startMs! / baseline.startMs!).toFixed(2)}x); ${baseline.label} over prom-client: RSS ${(baseline.rssOverBareMiB / promClient.rssOverBareMiB).toFixed(1)}x, import+init ${(baseline.startMs! / promClient.startMs!).toFixed(1)}x`,
    );
  console.log(
    `SDK (built) over prom-client: RSS +${sdk.rssOverBareMiB.toFixed(1)} vs +${promClient.rssOverBareMiB.toFixed(1)} MiB (${(sdk.rssOverBareMiB / promClient.rssOverBareMiB).toFixed(1)}x), import+init ${sdk.startMs!.toFixed(0)} vs ${promClient.startMs!.toFixed(0)} ms (${(sdk.startMs! / promClient.startMs!).toFixed(1)}x)`,
  );
}

if (import.meta.main) {
  console.log(`Footprint bench${QUICK ? ' (QUICK mode)' : ''}: node ${process.version}, ${RUNS} runs per process`);
  const r = await runFootprintBench();
  printResult(r);
  console.log(`JSON: ${JSON.stringify(r)}`);
}
