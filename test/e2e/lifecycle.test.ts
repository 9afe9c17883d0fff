import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { metricsByName, OtlpHttpReceiver } from '../helpers/otlp-receiver.ts';
import { start, stopAll } from '../helpers/service.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'evil2root-lifecycle-'));
  dirs.push(dir);
  return dir;
}
afterEach(stopAll);
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function snapshots(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^metrics-.*\.json$/.test(f)).sort();
}

test('shutdown flushes every reader: a final snapshot file and a final OTLP push', async () => {
  const dir = await tempDir();
  const receiver = new OtlpHttpReceiver();
  const endpoint = await receiver.listen();
  try {
    const { monitoring } = await start({
      exportDirectory: dir,
      exportIntervalSeconds: 3600,
      otlp: { endpoint, intervalSeconds: 3600 },
    });
    monitoring.recordExecutedTrade({ symbol: 'SOL/USD', direction: 'sell', success: false });
    assert.deepEqual(await snapshots(dir), [], 'nothing written before the interval');
    await monitoring.shutdown();
    await monitoring.shutdown();
    const files = await snapshots(dir);
    assert.equal(files.length, 1, 'one final snapshot');
    const snapshot = JSON.parse(await readFile(join(dir, files[0]!), 'utf8'));
    const trades = snapshot.metrics.find((m: { name: string }) => m.name === 'executed_trades_total');
    assert.deepEqual(trades.points, [{ labels: { symbol: 'SOL/USD', direction: 'sell', status: 'failed' }, value: 1 }]);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')), snapshot);
    assert.equal(receiver.requests.length, 1, 'one final push');
    assert.equal(metricsByName(receiver.requests).get('executed_trades')![0]!.sum!.dataPoints[0]!.asInt, 1);
  } finally {
    await receiver.close();
  }
});

test('shutdown resolves within shutdownTimeoutMs when an exporter hangs, and says so', async () => {
  const held: Server = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  const { port } = held.address() as { port: number };
  try {
    const { monitoring, logger } = await start({
      shutdownTimeoutMs: 200,
      otlp: { endpoint: `http://127.0.0.1:${port}/v1/metrics`, intervalSeconds: 3600, timeoutSeconds: 2 },
    });
    monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
    const outcome = await Promise.race([
      monitoring.shutdown().then(() => 'resolved'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000).unref()),
    ]);
    assert.equal(outcome, 'resolved');
    assert.ok(
      logger.warnings.some((w) => w.includes('after 200 ms (shutdownTimeoutMs)')),
      logger.warnings.join('\n'),
    );
    const res = await fetch(monitoring.metricsUrl!).catch((e: unknown) => e);
    assert.ok(res instanceof Error, 'the server is closed');
  } finally {
    held.closeAllConnections();
    held.close();
  }
});

test("after shutdown with an unreachable Collector the process exits on its own, not after the exporter's retries", async () => {
  const probe = createServer(() => {});
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const script = fileURLToPath(new URL('../fixtures/lifecycle/unreachable-collector.ts', import.meta.url));
  const child = spawn(process.execPath, [script, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.match(stdout, /shut down/);
  // OpenTelemetry's retry timers are not unref'd: without the short final exporter the process lived ~13 s more.
  assert.doesNotMatch(stdout, /still alive/);
});

const BOT = fileURLToPath(new URL('../fixtures/lifecycle/signal-bot.ts', import.meta.url));

async function runBot(
  dir: string,
  mode: 'plain' | 'own-handler',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, [BOT, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('ready')) resolve();
    }),
  );
  await ready;
  child.kill('SIGTERM');
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout };
}

test('handleSignals: SIGTERM writes a final snapshot, then the process ends by the signal as it would have', async () => {
  const dir = await tempDir();
  const { code, signal } = await runBot(dir, 'plain');
  assert.equal(signal, 'SIGTERM');
  assert.equal(code, null);
  const files = await snapshots(dir);
  assert.equal(files.length, 1);
  const snapshot = JSON.parse(await readFile(join(dir, files[0]!), 'utf8'));
  assert.equal(snapshot.metrics.find((m: { name: string }) => m.name === 'executed_trades_total').points[0].value, 1);
});

test("handleSignals keeps the bot's own SIGTERM handler in charge of the exit", async () => {
  const dir = await tempDir();
  const { code, signal, stdout } = await runBot(dir, 'own-handler');
  assert.match(stdout, /bot handler ran/);
  assert.equal(signal, null);
  assert.equal(code, 3, "the bot's exit code, not ours");
  assert.equal((await snapshots(dir)).length, 1);
});
