import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { afterEach, test } from 'node:test';
import { initEnhancedMonitoring, silentLogger } from '../../src/index.ts';
import { setApplyTap } from '../../src/workers/receiver.ts';

const BURST_WORKER = new URL('./fixtures/burst-worker.ts', import.meta.url);

afterEach(() => setApplyTap(undefined));

test('a burst of batches delivered in one callback is applied over several turns of the event loop, in order, entirely, with one acknowledgement per turn', async () => {
  const monitoring = await initEnhancedMonitoring({
    port: false,
    dashboard: false,
    systemMetrics: false,
    logger: silentLogger,
  });
  // 100,000 calls are 200 batches: far more than one 2 ms slice can apply on any machine.
  const count = 100_000;
  const batchSize = 500;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(BURST_WORKER, { workerData: { count, batchSize, flag } });
  try {
    const next = () =>
      new Promise<{ ready?: boolean; flushed?: boolean; acks?: number[] }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    assert.equal((await next()).ready, true);

    const confidences: number[] = [];
    let appliedWhenTimerRan: number | undefined;
    setApplyTap((_worker, method, _at, argument) => {
      assert.equal(method, 'recordTradingSignal');
      confidences.push((argument as { confidenceLevel: number }).confidenceLevel);
      // A timer set as the burst starts: the event loop runs it once the replay yields.
      if (confidences.length === 1) setTimeout(() => (appliedWhenTimerRan = confidences.length), 0);
    });
    worker.postMessage('go');
    // Blocked until the worker posted every batch: they all wait in the channel, and Node delivers
    // them in one callback (up to max(queued, 1000) messages, src/node_messaging.cc).
    assert.equal(Atomics.wait(flag, 0, 0, 30_000), 'ok');
    const answer = await next();
    assert.equal(answer.flushed, true);

    assert.ok(appliedWhenTimerRan !== undefined, 'the timer ran');
    assert.ok(
      appliedWhenTimerRan < count,
      `a timer due during the burst ran before it was all applied (it ran after ${appliedWhenTimerRan} calls of ${count})`,
    );
    assert.equal(confidences.length, count);
    for (let i = 0; i < count; i++) if (confidences[i] !== i / count) assert.fail(`call ${i} applied out of order`);

    // Each slice acknowledges the last batch it applied, once: fewer acknowledgements than batches
    // (one per batch unless every slice applied a single batch), in order, up to the last batch.
    const acks = answer.acks ?? [];
    const batches = count / batchSize;
    assert.equal(acks.at(-1), batches);
    assert.ok(acks.length < batches, `${acks.length} acknowledgements for ${batches} batches`);
    for (let i = 1; i < acks.length; i++) assert.ok(acks[i]! > acks[i - 1]!, 'acknowledgements in order');
  } finally {
    await worker.terminate();
    await monitoring.shutdown();
  }
});
