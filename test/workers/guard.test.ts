import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { test } from 'node:test';
import { pm2Instance, workerKind } from '../../src/workers/context.ts';

const PROBE_WORKER = new URL('./fixtures/probe-worker.ts', import.meta.url);

function initInThread(options: Record<string, unknown>): Promise<{ ok: boolean; name?: string; message?: string }> {
  const worker = new Worker(PROBE_WORKER, { workerData: { scenario: 'init', options } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

test('initEnhancedMonitoring in a worker thread fails with MonitoringConfigError saying to call connectMonitoring()', async () => {
  const answer = await initInThread({});
  assert.equal(answer.ok, false);
  assert.equal(answer.name, 'MonitoringConfigError');
  assert.match(
    answer.message ?? '',
    /worker thread: call it once in the main thread, and here `const monitoring = await connectMonitoring\(\)`/,
  );
});

test('allowInWorker: true starts a separate monitoring in a worker thread', async () => {
  assert.deepEqual(await initInThread({ allowInWorker: true }), { ok: true });
});

test('where the code runs: the main thread of a plain process is neither a thread nor a cluster worker; PM2 instances are told by NODE_APP_INSTANCE', () => {
  assert.equal(workerKind(), undefined);
  assert.equal(pm2Instance({ NODE_APP_INSTANCE: '2' }), '2');
  assert.equal(pm2Instance({ NODE_APP_INSTANCE: '' }), undefined);
  assert.equal(pm2Instance({}), undefined);
});
