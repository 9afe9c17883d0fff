/**
 * The registry written as bytes (family names copied, label texts copied within a chunk, integers
 * written digit by digit) against OpenTelemetry's serializer on the same registry: the oracle for
 * every number form JavaScript prints, label texts that are not ASCII, series that straddle chunks
 * and one larger than a chunk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { emptyResource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import * as sdkMetrics from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/contract/metrics.ts';
import { forPrometheus } from '../../src/export/exposition.ts';
import { createPullReader } from '../../src/export/sdk.ts';
import { PrometheusEndpoint } from '../../src/export/prometheus.ts';
import { RegistryWriter } from '../../src/export/registry-writer.ts';
import { RegistryProducer } from '../../src/storage/producer.ts';
import { InstrumentRegistry } from '../../src/storage/registry.ts';
import { RecordingLogger } from '../helpers/service.ts';

const VALUES = [
  0,
  -0,
  1,
  9,
  10,
  99,
  100,
  123_456_789,
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1.5e300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -1,
  -1.5,
  -(2 ** 53),
  0.1 + 0.2,
  1e-7,
  123.456,
  Infinity,
  -Infinity,
];

async function bothWays(registry: InstrumentRegistry): Promise<{ direct: string; old: string }> {
  const producer = new RegistryProducer(registry, emptyResource(), { name: 'test' });
  const reader = createPullReader(sdkMetrics);
  const endpoint = new PrometheusEndpoint(registry, producer, reader, () => Promise.resolve(), new RecordingLogger());
  const provider = new MeterProvider({ readers: [reader] });
  try {
    const direct = await endpoint.render();
    const { resourceMetrics } = await endpoint.collect();
    const old = new PrometheusSerializer('', false, undefined, false, true).serialize(forPrometheus(resourceMetrics));
    return { direct, old };
  } finally {
    await provider.shutdown();
  }
}

test('every number form and label text is written as OpenTelemetry writes it', async () => {
  const registry = new InstrumentRegistry(100_000, () => {});
  const positions = registry.gauge(METRICS.openPositions);
  VALUES.forEach((value, i) => positions.set(positions.table.get2(`S${i}`, 'buy'), value));
  positions.set(positions.table.get2('ünïcødé/€ 𝄞', 'sell'), 7);
  positions.set(positions.table.get2('ODD "quoted" \\ back\nslash', 'sell'), 8);
  const portfolio = registry.gauge(METRICS.portfolioValue);
  portfolio.set(portfolio.table.get0(), -12_345.678);
  const latency = registry.histogram(METRICS.apiLatency);
  const trades = registry.counter(METRICS.executedTrades);
  // Enough series to fill several chunks, so that series straddle chunk boundaries.
  for (let i = 0; i < 5_000; i++) {
    const s = latency.get2(`/api/é${i}`, i % 2 === 0 ? 'GET' : 'POST');
    s.record(VALUES[i % VALUES.length]! === Infinity ? 20 : Math.abs(VALUES[i % 7]!) / 1000);
    s.record(0.003 * i);
    trades.get3(`S${i}`, 'buy', 'success').value = i * 1_000_003;
  }
  // One series larger than a chunk.
  trades.get3('x'.repeat(300_000), 'sell', 'failed').value = 3;
  const { direct, old } = await bothWays(registry);
  assert.ok(direct.length > 1_000_000, 'several chunks');
  assert.equal(direct, old);
  assert.match(direct, /open_positions\{symbol="ünïcødé\/€ 𝄞",direction="sell"\} 7\n/);
  assert.match(direct, /open_positions\{symbol="S10",direction="buy"\} 9007199254740992\n/);
  assert.match(direct, /open_positions\{symbol="S12",direction="buy"\} 1e\+21\n/);
});

test('the writer hands out chunks that hold whole lines and resolves to whether it wrote anything', async () => {
  const registry = new InstrumentRegistry(100_000, () => {});
  const writer = new RegistryWriter(registry);
  const none: Buffer[] = [];
  assert.equal(await writer.write('text', (c) => none.push(c)), false);
  assert.equal(none.length, 0);
  const trades = registry.counter(METRICS.executedTrades);
  for (let i = 0; i < 20_000; i++) trades.get3(`SYM${i}/USD`, 'buy', 'success').value = i;
  const chunks: Buffer[] = [];
  assert.equal(await writer.write('text', (c) => chunks.push(c)), true);
  assert.ok(chunks.length > 1);
  for (const chunk of chunks) assert.equal(chunk.at(-1), 0x0a, 'a chunk ends with a whole line');
  const lines = Buffer.concat(chunks).toString().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('executed_trades_total{')).length, 20_000);
});
