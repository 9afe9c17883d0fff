/**
 * What a Collector holds after each way a push can fail, through real sockets: the sum of the delta
 * values it kept for a series never exceeds what the bot recorded, equals it when every failure was
 * one where the Collector provably kept nothing, and falls short only by the batches whose fate was
 * unknown (a timeout, a connection lost after sending) that the Collector did not keep.
 */
import assert from 'node:assert/strict';
import { afterEach, test, type TestContext } from 'node:test';
import type { MonitoringService } from '../../src/index.ts';
import { find } from '../helpers/exposition.ts';
import { OtlpHttpReceiver } from '../helpers/otlp-receiver.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';
import { FaultyGrpcCollector, FaultyHttpCollector, pointsOf, sumOf, type Behaviour } from './faulty-collector.ts';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAll();
  await Promise.all(closers.splice(0).map((c) => c()));
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
});

const TRADES = 'executed_trades';

/** Records one trade every `everyMs` until stopped; `stop()` returns how many. */
function recordContinuously(monitoring: MonitoringService, everyMs = 5): { stop(): number } {
  let count = 0;
  const timer = setInterval(() => {
    monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
    count++;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return count;
    },
  };
}

async function failures(monitoring: MonitoringService): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of find(await scrape(monitoring), 'monitoring_export_failures_total', { exporter: 'otlp' }))
    out.set(s.labels['reason']!, (out.get(s.labels['reason']!) ?? 0) + s.value);
  return out;
}

/** The failure counts once `count` failures were counted (or after 5 s). */
async function failuresAfter(monitoring: MonitoringService, count: number): Promise<Map<string, number>> {
  const deadline = Date.now() + 5000;
  let counted = new Map<string, number>();
  while ([...counted.values()].reduce((a, b) => a + b, 0) < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    counted = await failures(monitoring);
  }
  return counted;
}

/** No (start, end) window was kept twice: no batch was delivered twice. */
function assertNoBatchTwice(collector: FaultyHttpCollector | FaultyGrpcCollector): void {
  const windows = pointsOf(collector.kept, TRADES).map(([start, end]) => `${start}-${end}`);
  assert.equal(new Set(windows).size, windows.length, 'no batch was kept twice');
}

/**
 * Runs a delta push against `collector` misbehaving as `behaviour` for `attempts` requests while
 * the bot records, then lets it recover; returns what was recorded and what the Collector kept.
 */
async function misbehaveThenRecover(
  t: TestContext,
  collector: FaultyHttpCollector | FaultyGrpcCollector,
  behaviour: Behaviour,
  otlp: { protocol: 'http/protobuf' | 'grpc'; intervalSeconds: number; timeoutSeconds: number },
  attempts = 6,
) {
  const endpoint = await collector.listen();
  closers.push(() => collector.close());
  collector.behaviour = behaviour;
  const { monitoring, logger } = await start({ otlp: { endpoint, temporality: 'delta', ...otlp } });
  const recorder = recordContinuously(monitoring);
  await collector.until(() => collector.attempts >= attempts, `${attempts} push attempts`);
  collector.behaviour = { kind: 'ok' };
  const acknowledged = collector.acknowledged;
  await collector.until(() => collector.acknowledged > acknowledged, 'a push acknowledged after recovery');
  const recorded = recorder.stop();
  const reasons = await failures(monitoring);
  await monitoring.shutdown();
  const kept = sumOf(collector.kept, TRADES);
  const discarded = sumOf(collector.discarded, TRADES);
  t.diagnostic(
    `${behaviour.kind}: recorded ${recorded}, kept ${kept} (${(kept / recorded).toFixed(3)}x), read and discarded ${discarded}, ${collector.attempts} requests, failures ${JSON.stringify(Object.fromEntries(reasons))}`,
  );
  return { recorded, kept, discarded, reasons, logger };
}

test('delta, slow Collector (keeps each batch, answers after timeoutSeconds): it holds exactly what was recorded', async (t) => {
  const collector = new FaultyHttpCollector();
  const { recorded, kept, reasons } = await misbehaveThenRecover(
    t,
    collector,
    { kind: 'slow', answerAfterMs: 600 },
    { protocol: 'http/protobuf', intervalSeconds: 0.25, timeoutSeconds: 0.2 },
  );
  assert.equal(kept, recorded);
  assertNoBatchTwice(collector);
  assert.ok((reasons.get('timeout') ?? 0) >= 5, 'counted as timeout');
});

test('delta, Collector that keeps the batch and drops the connection: exactly what was recorded, each batch once', async (t) => {
  const collector = new FaultyHttpCollector();
  const { recorded, kept, reasons } = await misbehaveThenRecover(
    t,
    collector,
    { kind: 'drop', keep: true },
    { protocol: 'http/protobuf', intervalSeconds: 0.25, timeoutSeconds: 0.2 },
  );
  assert.equal(kept, recorded);
  assertNoBatchTwice(collector);
  assert.ok((reasons.get('connection_lost') ?? 0) >= 5, 'counted as connection_lost');
});

test('delta, dropped connection with time left for a retry: the batch is not sent again within the export', async () => {
  const collector = new FaultyHttpCollector();
  const endpoint = await collector.listen();
  closers.push(() => collector.close());
  collector.behaviour = { kind: 'drop', keep: true };
  const { monitoring } = await start({
    otlp: { endpoint, protocol: 'http/protobuf', intervalSeconds: 1.5, timeoutSeconds: 1.5, temporality: 'delta' },
  });
  for (let i = 0; i < 5; i++) monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  await collector.until(() => collector.attempts >= 1, 'the first push');
  // OpenTelemetry's own HTTP transport retries a reset connection after 0.8 to 1.2 s.
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(collector.attempts, 1, 'sent once');
  collector.behaviour = { kind: 'ok' };
  await monitoring.shutdown();
  assert.equal(sumOf(collector.kept, TRADES), 5);
  assertNoBatchTwice(collector);
});

test('delta, Collector that reads the batch, loses it and drops the connection: never more than recorded; the loss is those batches', async (t) => {
  const collector = new FaultyHttpCollector();
  const { recorded, kept, discarded, logger } = await misbehaveThenRecover(
    t,
    collector,
    { kind: 'drop', keep: false },
    { protocol: 'http/protobuf', intervalSeconds: 0.25, timeoutSeconds: 0.2 },
  );
  assert.ok(kept < recorded, 'the batches the Collector lost are not sent again');
  assert.equal(kept + discarded, recorded, 'each change was sent exactly once');
  assert.ok(
    logger.warnings.some((w) => w.includes('connection_lost') && w.includes('not sent again')),
    'the warning says what happens to the data',
  );
});

test('delta, 503: nothing kept, nothing lost: the next push carries it', async (t) => {
  const collector = new FaultyHttpCollector();
  const { recorded, kept, discarded, reasons } = await misbehaveThenRecover(
    t,
    collector,
    { kind: 'status', status: 503 },
    { protocol: 'http/protobuf', intervalSeconds: 0.25, timeoutSeconds: 0.2 },
  );
  assert.ok(discarded > 0);
  assert.equal(kept, recorded);
  assert.ok((reasons.get('server_error') ?? 0) >= 5, 'counted as server_error');
});

test('delta over gRPC, slow Collector (answers after the deadline): exactly what was recorded', async (t) => {
  const collector = new FaultyGrpcCollector();
  const { recorded, kept, reasons } = await misbehaveThenRecover(
    t,
    collector,
    { kind: 'slow', answerAfterMs: 600 },
    { protocol: 'grpc', intervalSeconds: 0.25, timeoutSeconds: 0.2 },
  );
  assert.equal(kept, recorded);
  assertNoBatchTwice(collector);
  assert.ok((reasons.get('timeout') ?? 0) >= 5, 'counted as timeout');
});

test('delta over gRPC, UNAVAILABLE from the Collector (a memory_limiter refusal): nothing lost', async (t) => {
  const collector = new FaultyGrpcCollector();
  const { recorded, kept, reasons } = await misbehaveThenRecover(
    t,
    collector,
    { kind: 'status', status: 14 },
    { protocol: 'grpc', intervalSeconds: 0.25, timeoutSeconds: 0.2 },
  );
  assert.equal(kept, recorded);
  assert.ok((reasons.get('server_error') ?? 0) >= 5, 'counted as server_error');
});

for (const [status, reason] of [
  [503, 'server_error'],
  [500, 'server_error'],
  [502, 'server_error'],
  [429, 'throttled'],
  [400, 'rejected'],
  [401, 'rejected'],
] as const) {
  test(`HTTP ${status} from the Collector is counted as reason="${reason}"`, async () => {
    const receiver = new OtlpHttpReceiver();
    const endpoint = await receiver.listen();
    closers.push(() => receiver.close());
    receiver.status = status;
    const { monitoring } = await start({
      otlp: { endpoint, protocol: 'http/protobuf', intervalSeconds: 0.1, timeoutSeconds: 0.1 },
      // The final push would retry a retryable status for the whole shutdown budget.
      shutdownTimeoutMs: 300,
    });
    monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
    const counted = await failuresAfter(monitoring, 2);
    assert.deepEqual([...counted.keys()], [reason], 'no other reason');
  });
}

for (const [code, name, reason] of [
  [8, 'RESOURCE_EXHAUSTED', 'throttled'],
  [13, 'INTERNAL', 'server_error'],
  [3, 'INVALID_ARGUMENT', 'rejected'],
  [16, 'UNAUTHENTICATED', 'rejected'],
] as const) {
  test(`gRPC ${name} from the Collector is counted as reason="${reason}"`, async () => {
    const collector = new FaultyGrpcCollector();
    const endpoint = await collector.listen();
    closers.push(() => collector.close());
    collector.behaviour = { kind: 'status', status: code };
    const { monitoring } = await start({
      otlp: { endpoint, protocol: 'grpc', intervalSeconds: 0.1, timeoutSeconds: 0.1 },
      shutdownTimeoutMs: 300,
    });
    const counted = await failuresAfter(monitoring, 2);
    assert.deepEqual([...counted.keys()], [reason], 'no other reason');
  });
}
