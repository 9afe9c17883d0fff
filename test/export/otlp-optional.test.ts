import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { importOptional, OTLP_GRPC_PACKAGE } from '../../src/export/otlp.ts';
import { MonitoringConfigError } from '../../src/index.ts';
import { metricsByName, OtlpHttpReceiver } from '../helpers/otlp-receiver.ts';
import { NOTE_LOADED_PACKAGES } from '../helpers/loaded-packages.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A real install of the SDK (its source and package.json) whose node_modules holds every package of
 * this repository's but `without`: what a bot gets with `npm install @evil2root/monitoring` alone
 * (gRPC and protobuf left out), or under a strict layout (pnpm) where a peer's own dependencies are
 * not visible to the SDK. Packages are links into the repository's node_modules.
 */
function installWithout(without: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-install-'));
  dirs.push(dir);
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const modules = join(ROOT, 'node_modules');
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.') || without.includes(entry)) continue;
    if (!entry.startsWith('@')) {
      symlinkSync(join(modules, entry), join(dir, 'node_modules', entry));
      continue;
    }
    mkdirSync(join(dir, 'node_modules', entry), { recursive: true });
    for (const name of readdirSync(join(modules, entry)))
      if (!without.includes(`${entry}/${name}`))
        symlinkSync(join(modules, entry, name), join(dir, 'node_modules', entry, name));
  }
  return dir;
}

const WITHOUT_GRPC = [
  '@grpc',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/otlp-grpc-exporter-base',
  'protobufjs',
  '@protobufjs',
];

/**
 * Runs `initEnhancedMonitoring(options)` in a child process on the install at `dir`, pushes one
 * trade when it starts, shuts down, and reports the outcome and the packages the process loaded.
 */
async function initIn(
  dir: string,
  options: Record<string, unknown>,
): Promise<{
  error?: { name: string; option: string; message: string; isConfigError: boolean };
  loaded: string[];
}> {
  const code = `
    ${NOTE_LOADED_PACKAGES}
    const lib = await import(${JSON.stringify(`${dir}/src/index.ts`)});
    const options = { port: false, systemMetrics: false, runtimeMetrics: false, dashboard: false, logger: lib.silentLogger, ...${JSON.stringify(options)} };
    let error;
    try {
      const m = await lib.initEnhancedMonitoring(options);
      m.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
      await m.metricsText();
      await m.shutdown();
    } catch (e) {
      error = { name: e.name, option: e.option, message: e.message, isConfigError: e instanceof lib.MonitoringConfigError };
    }
    console.log(JSON.stringify({ error, loaded: [...loaded].sort() }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof initIn>>;
}

test('without gRPC and protobuf installed: Prometheus and OTLP over HTTP/protobuf work and load neither', async () => {
  const dir = installWithout(WITHOUT_GRPC);
  const prometheus = await initIn(dir, {});
  assert.equal(prometheus.error, undefined);
  const receiver = new OtlpHttpReceiver();
  const endpoint = await receiver.listen();
  try {
    const pushed = await initIn(dir, { otlp: { endpoint, protocol: 'http/protobuf', intervalSeconds: 3600 } });
    assert.equal(pushed.error, undefined);
    // The final push at shutdown reached a real receiver, which decoded it with the OTLP protos.
    const trades = metricsByName(receiver.requests).get('executed_trades');
    assert.ok(trades !== undefined && trades.length > 0, 'the protobuf push carried the trade');
    assert.ok(pushed.loaded.includes('@opentelemetry/sdk-metrics'), 'the hook saw the packages loaded');
    // Prometheus alone needs no MeterProvider: none of OpenTelemetry's packages is loaded.
    assert.deepEqual(
      prometheus.loaded.filter((pkg) => pkg.startsWith('@opentelemetry/')),
      [],
    );
    for (const { loaded } of [prometheus, pushed])
      for (const pkg of loaded) assert.doesNotMatch(pkg, /grpc|protobuf/, `${pkg} was loaded`);
    assert.ok(pushed.loaded.includes('@opentelemetry/otlp-transformer'));
  } finally {
    await receiver.close();
  }
});

test('OTLP over gRPC without its package: init fails with a MonitoringConfigError naming the package to install', async () => {
  const dir = installWithout(WITHOUT_GRPC);
  const { error } = await initIn(dir, { otlp: { endpoint: 'http://127.0.0.1:4317', protocol: 'grpc' } });
  assert.ok(error !== undefined, 'init rejected');
  assert.equal(error.isConfigError, true);
  assert.equal(error.option, 'otlp.protocol');
  assert.match(error.message, /npm install @opentelemetry\/exporter-metrics-otlp-grpc@0\.301$/);
});

test('OTLP over gRPC with the exporter but @grpc/grpc-js out of reach (a strict layout): the error names @grpc/grpc-js', async () => {
  const dir = installWithout(['@grpc']);
  const { error } = await initIn(dir, { otlp: { endpoint: 'http://127.0.0.1:4317', protocol: 'grpc' } });
  assert.ok(error !== undefined && error.isConfigError);
  assert.match(error.message, /npm install @grpc\/grpc-js@1$/);
});

test('importOptional: a missing module (import or require) names the package; another failure is its cause', async () => {
  const nowhere = '@evil2root/no-such-package';
  const missing = await importOptional(() => import(nowhere), OTLP_GRPC_PACKAGE).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(missing instanceof MonitoringConfigError);
  assert.match(missing.message, /is not installed: npm install @opentelemetry\/exporter-metrics-otlp-grpc@0\.301/);
  const { createRequire } = await import('node:module');
  const required = await importOptional(
    () => Promise.resolve().then(() => createRequire(import.meta.url)(nowhere) as unknown),
    OTLP_GRPC_PACKAGE,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(required instanceof MonitoringConfigError && /is not installed/.test(required.message));
  const broken = new Error('Unexpected token');
  const other = await importOptional(() => Promise.reject(broken), OTLP_GRPC_PACKAGE).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(other instanceof MonitoringConfigError);
  assert.equal(other.cause, broken);
  assert.match(other.message, /could not be loaded \(Unexpected token\)/);
});

test('the package declares gRPC as optional peers, and keeps it for its own tests', async () => {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, unknown> | undefined
  >;
  for (const name of ['@opentelemetry/exporter-metrics-otlp-grpc', '@grpc/grpc-js']) {
    assert.equal(pkg['dependencies']?.[name], undefined, `${name} is not a dependency`);
    assert.ok(pkg['peerDependencies']?.[name] !== undefined, `${name} is a peer`);
    assert.deepEqual(pkg['peerDependenciesMeta']?.[name], { optional: true });
    assert.ok(pkg['devDependencies']?.[name] !== undefined, `${name} is a devDependency`);
  }
  for (const name of Object.keys(pkg['dependencies'] ?? {})) assert.doesNotMatch(name, /grpc|protobuf/);
});
