import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { METRIC_LIST, otelName } from '../../src/contract/metrics.ts';
import { otlpDelivery, otlpFailureReason, type OtlpFailureReason } from '../../src/export/otlp.ts';
import { driveEverything } from '../helpers/drive.ts';
import {
  attributesOf,
  metricsByName,
  OtlpGrpcReceiver,
  OtlpHttpReceiver,
  type ReceivedMetric,
} from '../helpers/otlp-receiver.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';
import { find } from '../helpers/exposition.ts';

const HOUR = 3600;
// OTLP enum values (opentelemetry/proto/metrics/v1/metrics.proto, AggregationTemporality).
const DELTA = 1;
const CUMULATIVE = 2;

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAll();
  await Promise.all(closers.splice(0).map((c) => c()));
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
});

function lastPointValue(
  metrics: ReceivedMetric[] | undefined,
  where: (attrs: Record<string, unknown>) => boolean,
): number | undefined {
  const m = metrics?.at(-1);
  const points = m?.sum?.dataPoints ?? m?.gauge?.dataPoints ?? [];
  const p = points.find((dp) => where(attributesOf(dp.attributes)));
  return p?.asInt ?? p?.asDouble;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
  test(`OTLP ${protocol}: every metric of the contract arrives with its values and the resource`, async () => {
    const receiver = protocol === 'grpc' ? new OtlpGrpcReceiver() : new OtlpHttpReceiver();
    const endpoint = await receiver.listen();
    closers.push(() => receiver.close());
    const { monitoring } = await start({
      serviceName: 'otlp-test-bot',
      serviceInstanceId: 'bot-a',
      resourceAttributes: { 'deployment.environment.name': 'test' },
      otlp: { endpoint, protocol, intervalSeconds: HOUR, headers: { 'x-api-key': 'secret-1' } },
      // Durable state on, so that its self-metric exists too.
      stateDirectory: await mkdtemp(join(tmpdir(), 'otlp-state-')),
      returnsIntervalSeconds: 0.001,
      periodsPerYear: 365,
    });
    await driveEverything(monitoring);
    await monitoring.shutdown();
    await receiver.waitFor(1);

    const req = receiver.requests.at(-1)!;
    assert.equal(req.transport, protocol);
    assert.equal(req.headers['x-api-key'], 'secret-1');
    const resource = attributesOf(req.body.resourceMetrics[0]!.resource?.attributes);
    assert.equal(resource['service.name'], 'otlp-test-bot');
    assert.equal(resource['service.instance.id'], 'bot-a');
    assert.equal(resource['deployment.environment.name'], 'test');
    assert.equal(resource['process.pid'], process.pid);
    assert.equal(typeof resource['host.name'], 'string');
    assert.equal(resource['telemetry.sdk.language'], 'nodejs');

    const byName = metricsByName(receiver.requests);
    const expected = METRIC_LIST.filter(
      (d) => d.name !== 'monitoring_series_overflow_total' && d.name !== 'monitoring_export_failures_total',
    ).map(otelName);
    for (const name of expected) assert.ok(byName.has(name), `${name} arrived over OTLP`);
    const signals = byName.get('trading_signals')!.at(-1)!;
    assert.equal(signals.sum?.isMonotonic, true);
    assert.equal(signals.sum?.aggregationTemporality, CUMULATIVE);
    assert.equal(
      lastPointValue(
        byName.get('trading_signals'),
        (a) => a['symbol'] === 'BTC/USD' && a['direction'] === 'buy' && a['model_type'] === 'price_prediction',
      ),
      1,
    );
    assert.equal(
      lastPointValue(byName.get('portfolio_value'), () => true),
      10400,
      'the last equity driveEverything sets',
    );
    assert.equal(
      lastPointValue(byName.get('win_rate'), (a) => a['symbol'] === 'all' && a['window'] === 'lifetime'),
      // driveEverything's closed trades: a win, a loss, a draw, and a win with a rebate.
      2 / 4,
    );
    assert.equal(
      lastPointValue(byName.get('open_positions'), (a) => a['symbol'] === 'BTC/USD' && a['direction'] === 'buy'),
      2,
    );
    const confidence = byName.get('trading_signal_confidence')!.at(-1)!.histogram!;
    const btc = confidence.dataPoints.find((p) => attributesOf(p.attributes)['symbol'] === 'BTC/USD')!;
    assert.equal(btc.count, 1);
    assert.equal(btc.sum, 0.85);
    assert.deepEqual(btc.explicitBounds, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    assert.deepEqual(btc.bucketCounts, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert.equal(
      lastPointValue(
        byName.get('monitoring_invalid_inputs'),
        (a) => a['method'] === 'recordTradingSignal' && a['reason'] === 'empty_string',
      ),
      1,
    );
  });
}

test('OTLP delta temporality: each push carries the change since the last delivered one', async () => {
  const receiver = new OtlpHttpReceiver();
  const endpoint = await receiver.listen();
  closers.push(() => receiver.close());
  const { monitoring } = await start({
    otlp: { endpoint, protocol: 'http/json', intervalSeconds: 0.2, temporality: 'delta' },
  });
  for (let i = 0; i < 3; i++) monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  await receiver.waitFor(1);
  const seen = receiver.requests.length;
  for (let i = 0; i < 2; i++) monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  await monitoring.shutdown();
  const values = metricsByName(receiver.requests)
    .get('executed_trades')!
    .map((m) => {
      assert.equal(m.sum?.aggregationTemporality, DELTA);
      return m.sum!.dataPoints[0]!.asInt;
    });
  assert.ok(receiver.requests.length > seen);
  // Pushes with no change leave the series out, so the deltas are exactly 3 then 2.
  assert.deepEqual(values, [3, 2]);
});

for (const temporality of ['cumulative', 'delta'] as const) {
  test(`OTLP ${temporality}: endpoint down at start, then up, then down and up again: counted, no crash, nothing lost`, async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}/v1/metrics`;
    const { monitoring, logger } = await start({
      otlp: { endpoint, protocol: 'http/protobuf', intervalSeconds: 0.1, timeoutSeconds: 0.1, temporality },
    });
    const trade = () => monitoring.recordExecutedTrade({ symbol: 'ETH/USD', direction: 'sell', success: true });
    trade();
    trade();
    const failures = async () =>
      find(await scrape(monitoring), 'monitoring_export_failures_total', {
        exporter: 'otlp',
        reason: 'unreachable',
      }).reduce((s, x) => s + x.value, 0);
    while ((await failures()) < 3) await new Promise((r) => setTimeout(r, 50));
    assert.equal(logger.warnings.filter((w) => w.includes('OTLP export')).length, 1, 'the failure is logged once');

    let receiver = new OtlpHttpReceiver();
    await receiver.listen(port);
    await receiver.waitFor(1);
    const total = (r: OtlpHttpReceiver) =>
      (metricsByName(r.requests).get('executed_trades') ?? []).reduce(
        (s, m) => s + (m.sum!.dataPoints[0]!.asInt ?? 0),
        0,
      );
    const last = (r: OtlpHttpReceiver) =>
      metricsByName(r.requests).get('executed_trades')!.at(-1)!.sum!.dataPoints[0]!.asInt;
    assert.equal(
      temporality === 'delta' ? total(receiver) : last(receiver),
      2,
      'trades recorded while the endpoint was down arrive',
    );
    await receiver.close();

    const before = await failures();
    trade();
    while ((await failures()) <= before) await new Promise((r) => setTimeout(r, 50));
    const deliveredBefore = total(receiver);
    receiver = new OtlpHttpReceiver();
    await receiver.listen(port);
    closers.push(() => receiver.close());
    await monitoring.shutdown();
    if (temporality === 'delta')
      assert.equal(deliveredBefore + total(receiver), 3, 'the delta missed during the second outage is delivered once');
    else assert.equal(last(receiver), 3);
  });
}

test('OTLP failures keep memory bounded over many failed pushes', async () => {
  const port = await freePort();
  const { monitoring } = await start({
    otlp: { endpoint: `http://127.0.0.1:${port}/v1/metrics`, intervalSeconds: 0.02, timeoutSeconds: 0.02 },
  });
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const failures = async () =>
    find(await scrape(monitoring), 'monitoring_export_failures_total', { exporter: 'otlp' }).reduce(
      (s, x) => s + x.value,
      0,
    );
  while ((await failures()) < 20) await new Promise((r) => setTimeout(r, 20));
  gc();
  const heapAfterWarmup = process.memoryUsage().heapUsed;
  const first = await failures();
  while ((await failures()) < first + 150) {
    monitoring.recordTradingSignal({ symbol: 'BTC/USD', direction: 'buy', confidenceLevel: 0.7 });
    await new Promise((r) => setTimeout(r, 20));
  }
  gc();
  const growth = process.memoryUsage().heapUsed - heapAfterWarmup;
  // Not a timing: 150 failed pushes must not keep their payloads. A leak of one 2 kB payload each would show as 300 kB+.
  assert.ok(growth < 8 * 1024 * 1024, `heap grew ${(growth / 1024).toFixed(0)} kB over 150 failed pushes`);
});

test('otlpFailureReason and otlpDelivery: HTTP statuses, gRPC codes and socket errors', async () => {
  const { OTLPExporterError } = await import('@opentelemetry/otlp-exporter-base');
  const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });
  const cases: [unknown, OtlpFailureReason, 'not_delivered' | 'unknown'][] = [
    // OpenTelemetry's OTLPExporterError carries the HTTP status: the Collector answered.
    [new OTLPExporterError('Service Unavailable', 503), 'server_error', 'not_delivered'],
    [new OTLPExporterError('Too Many Requests', 429), 'throttled', 'not_delivered'],
    [new OTLPExporterError('Bad Request', 400), 'rejected', 'not_delivered'],
    [
      grpc(14, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:4317'),
      'unreachable',
      'not_delivered',
    ],
    [grpc(14, 'Connection dropped'), 'connection_lost', 'unknown'],
    [grpc(14, 'data refused due to high memory usage'), 'server_error', 'not_delivered'],
    [grpc(4, 'Deadline exceeded after 0.201s,LB pick: 0.001s,remote_addr=127.0.0.1:4317'), 'timeout', 'unknown'],
    [grpc(4, 'Deadline exceeded after 0.200s,Waiting for LB pick'), 'timeout', 'not_delivered'],
    [grpc(8, 'quota'), 'throttled', 'not_delivered'],
    [grpc(13, 'internal'), 'server_error', 'unknown'],
    [grpc(16, 'no key'), 'rejected', 'not_delivered'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'unreachable', 'not_delivered'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'connection_lost', 'unknown'],
    [new Error('Concurrent export limit reached'), 'other', 'not_delivered'],
    [new Error('something else'), 'other', 'unknown'],
  ];
  for (const [error, reason, delivery] of cases) {
    assert.equal(otlpFailureReason(error), reason, String(error));
    assert.equal(otlpDelivery(error), delivery, String(error));
  }
});

test('OTLP with the default collectors: host, runtime and dashboard instruments, the bot’s own and the contract arrive in one push', async () => {
  const receiver = new OtlpHttpReceiver();
  const endpoint = await receiver.listen();
  closers.push(() => receiver.close());
  const { monitoring } = await start({
    systemMetrics: true,
    runtimeMetrics: true,
    otlp: { endpoint, protocol: 'http/json', intervalSeconds: HOUR },
  });
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  monitoring.meterProvider.getMeter('bot').createCounter('bot.orders').add(2, { venue: 'x' });
  // A scrape first: the runtime's delay gauges need samples, and the scrape collects the same instruments.
  assert.match(await monitoring.metricsText(), /system_cpu_time_total\{/);
  await monitoring.shutdown();
  await receiver.waitFor(1);
  const byName = metricsByName(receiver.requests);
  for (const name of [
    'system.cpu.time',
    'system.memory.usage',
    'process.cpu.time',
    'system.filesystem.usage',
    'nodejs.eventloop.utilization',
    'v8js.memory.heap.used',
    'bot.orders',
    'executed_trades',
  ])
    assert.ok(byName.has(name), `${name} arrived over OTLP`);
  assert.equal(
    lastPointValue(byName.get('bot.orders'), (a) => a['venue'] === 'x'),
    2,
  );
});
