import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

// A child process in which express, fastify and pg cannot be resolved (as for a bot without them)
// and which reports every package the SDK's main entry loads.
const SCRIPT = `
  import { registerHooks } from 'node:module';
  const loaded = new Set();
  registerHooks({
    resolve(specifier, context, next) {
      if (/^(express|fastify|pg)(\\/|$)/.test(specifier)) throw new Error('not installed: ' + specifier);
      if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:') && !specifier.startsWith('/')) loaded.add(specifier);
      return next(specifier, context);
    },
  });
  const warnings = [];
  process.on('warning', (w) => warnings.push(w.message));
  const lib = await import('@evil2root/monitoring');
  const m = await lib.initEnhancedMonitoring({ port: 0, systemMetrics: false, logger: lib.silentLogger });
  m.expressMiddleware();
  m.fastifyPlugin;
  await m.shutdown();
  console.log(JSON.stringify({ loaded: [...loaded], warnings }));
`;

test('the SDK loads, starts and offers the integrations without express, fastify or pg, and without loading the instrumentations', () => {
  const out = execFileSync(process.execPath, ['--conditions=@evil2root/source', '--input-type=module', '-e', SCRIPT], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const { loaded, warnings } = JSON.parse(out) as { loaded: string[]; warnings: string[] };
  assert.ok(loaded.includes('@evil2root/monitoring'), 'the hook saw the imports');
  for (const name of loaded)
    assert.doesNotMatch(name, /^(express|fastify|pg|@opentelemetry\/instrumentation-(http|undici))(\/|$)/, name);
  assert.deepEqual(warnings, []);
});
