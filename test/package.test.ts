import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
