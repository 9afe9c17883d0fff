import assert from 'node:assert/strict';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { Agent, request } from 'node:http';
import { afterEach, test } from 'node:test';
import { setApplyTap } from '../../src/workers/receiver.ts';
import { parseExposition } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';

const WORKER = new URL('./fixtures/cluster-worker.ts', import.meta.url).pathname;
const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
afterEach(async () => {
  setApplyTap(undefined);
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
  await stopAll();
});

/** GET over a keep-alive agent; resolves the body. */
function get(agent: Agent, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

function nextMessage<T>(worker: ClusterWorker, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (message: { cmd?: string }) => {
      if (message?.cmd !== cmd) return;
      worker.off('message', on);
      resolve(message as T);
    };
    worker.on('message', on);
  });
}

async function fork(): Promise<{ worker: ClusterWorker; port: number }> {
  const worker = cluster.fork();
  const { port } = await nextMessage<{ port: number }>(worker, 'listening');
  return { worker, port };
}

async function flushAll(): Promise<void> {
  await Promise.all(
    Object.values(cluster.workers ?? {}).map(async (worker) => {
      if (worker === undefined) return;
      const answer = nextMessage<{ flushed: boolean }>(worker, 'flushed');
      worker.send({ cmd: 'flush' });
      assert.equal((await answer).flushed, true);
    }),
  );
}

for (const serialization of ['json', 'advanced'] as const) {
  test(`node:cluster (${serialization} IPC): keep-alive scrapes of the primary see every worker's trades, never go backwards, and a SIGKILLed worker loses nothing it flushed`, async () => {
    cluster.setupPrimary({ exec: WORKER, execArgv, serialization, silent: false });
    const { monitoring } = await start({ dashboard: false });
    // Port 0 in every worker: the primary binds one port for all of them (the shared handle).
    const forked = await Promise.all([1, 2, 3, 4].map(() => fork()));
    const appPort = (forked[0] as { port: number }).port;
    const workers = forked.map((f) => f.worker);
    assert.ok(forked.every((f) => f.port === appPort));

    const app = new Agent({ keepAlive: true, maxSockets: 8 });
    const scraper = new Agent({ keepAlive: true, maxSockets: 1 });
    const metricsPort = monitoring.port as number;
    const servedBy = new Map<string, number>();
    let requests = 0;
    const totals: number[] = [];
    const scrape = async () => {
      const { samples } = parseExposition(await get(scraper, metricsPort, '/metrics'));
      totals.push(samples.filter((s) => s.name === 'executed_trades_total').reduce((sum, s) => sum + s.value, 0));
    };
    const traffic = async (n: number) => {
      await Promise.all(
        Array.from({ length: n }, async () => {
          const id = await get(app, appPort, '/trade');
          servedBy.set(id, (servedBy.get(id) ?? 0) + 1);
          requests++;
        }),
      );
    };

    for (let round = 0; round < 50; round++) {
      await traffic(20);
      await scrape();
    }
    // Every request so far is answered; the workers flush, then one of them is killed and re-forked.
    await flushAll();
    const victim = workers[1] as ClusterWorker;
    const exited = new Promise((resolve) => victim.once('exit', resolve));
    victim.process.kill('SIGKILL');
    await exited;
    assert.equal((await fork()).port, appPort);
    for (let round = 0; round < 50; round++) {
      await traffic(20);
      await scrape();
    }
    await flushAll();
    await scrape();
    app.destroy();
    scraper.destroy();

    assert.equal(totals.length, 101);
    for (let i = 1; i < totals.length; i++)
      assert.ok(totals[i]! >= totals[i - 1]!, `scrape ${i}: ${totals[i]} after ${totals[i - 1]}`);
    assert.equal(totals.at(-1), requests);
    assert.ok(servedBy.size >= 4, `requests were served by ${[...servedBy.keys()].join(', ')}`);
    const { samples } = parseExposition(await monitoring.metricsText());
    const closed = samples.filter((s) => s.name === 'trades_closed_total').reduce((sum, s) => sum + s.value, 0);
    assert.equal(closed, requests);
  });
}

test('initEnhancedMonitoring in a cluster worker fails with MonitoringConfigError naming connectMonitoring; under PM2 it explains cluster mode', async () => {
  cluster.setupPrimary({ exec: WORKER, execArgv });
  for (const [env, expected] of [
    [{ CLUSTER_TEST_ROLE: 'init' }, /connectMonitoring\(\)/],
    [
      { CLUSTER_TEST_ROLE: 'init', NODE_APP_INSTANCE: '3' },
      /PM2 cluster mode \(instance 3\).*fork mode.*allowInWorker/,
    ],
  ] as const) {
    const worker = cluster.fork(env);
    const answer = await nextMessage<{ ok: boolean; name: string; message: string }>(worker, 'init');
    assert.equal(answer.ok, false);
    assert.equal(answer.name, 'MonitoringConfigError');
    assert.match(answer.message, expected);
    await new Promise((resolve) => worker.once('exit', resolve));
  }
});
