import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { readinessFailures } from '../../src/http/health.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(url: string): Promise<{ status: number; body: Record<string, unknown>; cache: string | null }> {
  const res = await fetch(url);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    cache: res.headers.get('cache-control'),
  };
}

test('/healthz answers 200 while the process is up; /readyz is ready before any heartbeat', async () => {
  const { monitoring } = await start();
  const base = monitoring.metricsUrl!;
  assert.deepEqual((await get(new URL('/healthz', base).href)).body, { status: 'ok' });
  const ready = await get(new URL('/readyz', base).href);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: 'ready' });
  assert.equal(ready.cache, 'no-store');
});

test('/readyz fails with 503 naming the stalled loop and since when; a per-loop timeout applies to that loop only', async () => {
  const { monitoring } = await start({ heartbeatTimeoutSeconds: { main: 0.4, slow: 30 } });
  const readyz = new URL('/readyz', monitoring.metricsUrl).href;
  monitoring.heartbeat('main');
  monitoring.heartbeat('slow');
  const beatAt = Date.now();
  assert.equal((await get(readyz)).status, 200);
  await sleep(700);
  const failed = await get(readyz);
  assert.equal(failed.status, 503);
  assert.equal(failed.body.status, 'not ready');
  const checks = failed.body.failed as { check: string; since: string; detail: string }[];
  assert.deepEqual(
    checks.map((c) => c.check),
    ['heartbeat:main'],
    'slow has 30 s',
  );
  const since = Date.parse(checks[0]!.since);
  assert.ok(
    Math.abs(since - (beatAt + 400)) < 250,
    `since is the last heartbeat plus the timeout (${checks[0]!.since})`,
  );
  assert.match(checks[0]!.detail, /timeout 0\.4 s/);
  assert.equal((await get(new URL('/healthz', monitoring.metricsUrl).href)).status, 200, 'liveness is not readiness');
  monitoring.heartbeat('main');
  assert.equal((await get(readyz)).status, 200, 'ready again after a heartbeat');
});

test('readiness: heartbeat ages against their timeouts, exporters failing past the grace time', () => {
  const now = 1_700_000_000_000;
  const inputs = (beats: [string, number][], failing: [string, number][]) => ({
    heartbeats: () => beats,
    failingExporters: () => failing,
    now: () => now,
  });
  const settings = { heartbeatTimeoutSeconds: 60, exportFailureGraceSeconds: 300 };
  assert.deepEqual(readinessFailures(inputs([['main', now / 1000 - 59]], [['otlp', now - 299_000]]), settings), []);
  const failed = readinessFailures(
    inputs(
      [
        ['main', now / 1000 - 61],
        ['risk', now / 1000],
      ],
      [
        ['otlp', now - 301_000],
        ['file', now - 1000],
      ],
    ),
    settings,
  );
  assert.deepEqual(
    failed.map((f) => f.check),
    ['heartbeat:main', 'exporter:otlp'],
  );
  assert.equal(failed[0]!.since, new Date(now - 1000).toISOString());
  assert.equal(failed[1]!.since, new Date(now - 301_000).toISOString());
  const perLoop = readinessFailures(
    inputs(
      [
        ['main', now / 1000 - 61],
        ['other', now / 1000 - 61],
      ],
      [],
    ),
    { heartbeatTimeoutSeconds: { main: 120 }, exportFailureGraceSeconds: 300 },
  );
  assert.deepEqual(
    perLoop.map((f) => f.check),
    ['heartbeat:other'],
    'loops not listed keep the 60 s default',
  );
});
