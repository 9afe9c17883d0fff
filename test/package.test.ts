import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VERSION } from '../src/index.ts';

// These tests run against the built output (npm test builds first), imported by package name.
const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
};

function run(args: string[]): string {
  return execFileSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

const USE = `
  const m = await lib.initEnhancedMonitoring({ port: false, systemMetrics: false, logger: lib.silentLogger });
  m.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  const text = await m.metricsText();
  await m.shutdown();
  console.log(JSON.stringify({ names: Object.keys(lib).sort(), ok: /executed_trades_total\\{symbol="BTC\\/USD",direction="buy",status="success"\\} 1/.test(text) }));
`;

test('VERSION matches package.json', () => {
  assert.equal(VERSION, pkg.version);
});

test('the ESM build imports by package name and works', () => {
  const out = JSON.parse(
    run(['--input-type=module', '-e', `const lib = await import('@evil2root/monitoring'); ${USE}`]),
  );
  assert.equal(out.ok, true);
  assert.ok(out.names.includes('initEnhancedMonitoring') && out.names.includes('getMonitoringService'));
});

test('the CommonJS build requires by package name, works, and exports the same names', () => {
  const esm = JSON.parse(
    run(['--input-type=module', '-e', `const lib = await import('@evil2root/monitoring'); ${USE}`]),
  );
  const cjs = JSON.parse(run(['-e', `const lib = require('@evil2root/monitoring'); (async () => { ${USE} })()`]));
  assert.equal(cjs.ok, true);
  assert.deepEqual(cjs.names, esm.names);
  assert.match(
    execFileSync(process.execPath, ['-p', `require.resolve('@evil2root/monitoring')`], { cwd: root, encoding: 'utf8' }),
    /dist\/cjs\/index\.js/,
  );
});

test('the ESM and CommonJS builds share one running instance', () => {
  const out = run([
    '--input-type=module',
    '-e',
    `
    import { createRequire } from 'node:module';
    const esm = await import('@evil2root/monitoring');
    const cjs = createRequire(process.cwd() + '/')('@evil2root/monitoring');
    const m = await esm.initEnhancedMonitoring({ port: false, systemMetrics: false });
    console.log(cjs.getMonitoringService() === m);
    await m.shutdown();
  `,
  ]);
  // The last line: the SDK's startup line comes first.
  assert.equal(out.trim().split('\n').at(-1), 'true');
});

test('type declarations ship for both builds', () => {
  for (const file of ['dist/esm/index.d.ts', 'dist/cjs/index.d.ts', 'dist/cjs/package.json'])
    assert.ok(existsSync(`${root}${file}`), file);
  assert.match(readFileSync(`${root}dist/cjs/index.d.ts`, 'utf8'), /initEnhancedMonitoring/);
});

// Each optional part of the SDK, as a file of either build: loaded only when its option is on.
const OPTIONAL_PARTS = [
  'export/otlp.js',
  'export/file-exporter.js',
  'state/store.js',
  'collectors/system.js',
  'collectors/runtime.js',
  'dashboard/dashboard.js',
];
const OFF = `{ port: false, systemMetrics: false, runtimeMetrics: false, dashboard: false, logger: lib.silentLogger }`;
const ON = (dir: string) =>
  `{ port: false, logger: lib.silentLogger, exportDirectory: ${JSON.stringify(dir)}, exportIntervalSeconds: 3600, otlp: { endpoint: 'http://127.0.0.1:9', intervalSeconds: 3600 }, shutdownTimeoutMs: 200 }`;
/** Inits with `options`, and prints the SDK files and the packages loaded since the import. */
const LOADED = (options: string) => `
  const m = await lib.initEnhancedMonitoring(${options});
  await m.shutdown();
  console.log(JSON.stringify([...files].filter((f) => /dist\\/(esm|cjs)\\/|node_modules\\//.test(f))));
`;

function loadedBy(build: 'esm' | 'cjs', options: string): string[] {
  const out =
    build === 'esm'
      ? run([
          '--input-type=module',
          '-e',
          `import { registerHooks } from 'node:module';
           const files = new Set();
           registerHooks({ resolve(s, c, next) { const r = next(s, c); files.add(r.url); return r; } });
           const lib = await import('@evil2root/monitoring');
           ${LOADED(options)}`,
        ])
      : run([
          '-e',
          `const lib = require('@evil2root/monitoring');
           (async () => { const files = { [Symbol.iterator]: () => Object.keys(require.cache)[Symbol.iterator]() }; ${LOADED(options)} })()`,
        ]);
  return JSON.parse(out.trim().split('\n').at(-1)!) as string[];
}

for (const build of ['esm', 'cjs'] as const) {
  test(`the ${build} build loads the optional parts only when they are on, and never gRPC or protobuf.js`, () => {
    const off = loadedBy(build, OFF);
    const dir = mkdtempSync(join(tmpdir(), 'package-parts-'));
    try {
      const on = loadedBy(build, ON(dir));
      for (const part of OPTIONAL_PARTS) {
        assert.ok(!off.some((f) => f.endsWith(`/dist/${build}/${part}`)), `${part} not loaded when off`);
        assert.ok(
          on.some((f) => f.endsWith(`/dist/${build}/${part}`)),
          `${part} loaded when on`,
        );
      }
      assert.ok(
        on.some((f) => f.includes('@opentelemetry/sdk-metrics')),
        'the listing sees packages: the parts that push load the SDK',
      );
      assert.deepEqual(
        off.filter((f) => f.includes('/@opentelemetry/')),
        [],
        'with the optional parts off, no OpenTelemetry package is loaded',
      );
      for (const f of [...off, ...on]) assert.doesNotMatch(f, /@grpc|protobufjs|exporter-metrics-otlp-grpc/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
