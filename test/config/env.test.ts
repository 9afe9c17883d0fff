import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { MonitoringConfigError } from '../../src/index.ts';
import { resolveOptions } from '../../src/config/options.ts';
import { attributesOf, OtlpHttpReceiver } from '../helpers/otlp-receiver.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

test('OTEL_* variables configure OTLP, the resource and the Prometheus endpoint', () => {
  const o = resolveOptions(
    {},
    {
      OTEL_SERVICE_NAME: 'momentum-bot',
      OTEL_RESOURCE_ATTRIBUTES:
        'service.name=ignored,deployment.environment.name=prod,bot.owner=desk%202,service.instance.id=bot-7',
      OTEL_METRICS_EXPORTER: 'otlp, prometheus',
      OTEL_EXPORTER_PROMETHEUS_PORT: '9464',
      OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc,tenant=a',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'tenant=b',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '15000',
      OTEL_METRIC_EXPORT_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'LowMemory',
    },
  );
  assert.equal(o.serviceName, 'momentum-bot', 'OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES');
  assert.equal(o.serviceInstanceId, 'bot-7');
  assert.deepEqual(o.resourceAttributes, { 'deployment.environment.name': 'prod', 'bot.owner': 'desk 2' });
  assert.equal(o.port, 9464);
  assert.equal(o.host, '0.0.0.0');
  assert.deepEqual(o.otlp, {
    endpoint: 'http://collector:4318/v1/metrics',
    protocol: 'http/json',
    headers: { 'api-key': 'abc', tenant: 'b' },
    intervalMs: 15000,
    timeoutMs: 5000,
    temporality: 'delta',
  });
});

test('the signal-specific endpoint is used as given; gRPC takes the base endpoint as is', () => {
  const env = {
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://otlp.example.com/custom/path',
  };
  assert.equal((resolveOptions({}, env).otlp as { endpoint: string }).endpoint, 'https://otlp.example.com/custom/path');
  const grpc = resolveOptions(
    {},
    {
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    },
  );
  assert.equal((grpc.otlp as { endpoint: string }).endpoint, 'http://collector:4317');
  assert.equal(
    (resolveOptions({ otlp: true }, {}).otlp as { endpoint: string }).endpoint,
    'http://localhost:4318/v1/metrics',
  );
  assert.equal(
    (resolveOptions({ otlp: { endpoint: 'http://c:4318' } }, {}).otlp as { endpoint: string }).endpoint,
    'http://c:4318/v1/metrics',
  );
});

test('explicit options win over the environment', () => {
  const env = {
    OTEL_SERVICE_NAME: 'from-env',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_PROMETHEUS_PORT: '9464',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=env,b=env',
    OTEL_METRIC_EXPORT_INTERVAL: '15000',
    OTEL_RESOURCE_ATTRIBUTES: 'team=env,region=eu',
  };
  const o = resolveOptions(
    {
      serviceName: 'explicit',
      port: 8001,
      otlp: { endpoint: 'http://opt:4318/v1/metrics', headers: { a: 'opt' }, intervalSeconds: 30 },
      resourceAttributes: { team: 'opt' },
    },
    env,
  );
  assert.equal(o.serviceName, 'explicit');
  assert.equal(
    o.port,
    8001,
    'an explicit port starts the endpoint even when OTEL_METRICS_EXPORTER leaves prometheus out',
  );
  assert.deepEqual(o.resourceAttributes, { team: 'opt', region: 'eu' });
  const otlp = o.otlp as { endpoint: string; headers: Record<string, string>; intervalMs: number };
  assert.equal(otlp.endpoint, 'http://opt:4318/v1/metrics');
  assert.deepEqual(otlp.headers, { a: 'opt', b: 'env' });
  assert.equal(otlp.intervalMs, 30000);
  assert.equal(resolveOptions({ otlp: false }, env).otlp, false, 'otlp: false keeps it off');
  assert.equal(resolveOptions({}, env).port, false, 'OTEL_METRICS_EXPORTER=otlp alone starts no Prometheus endpoint');
  assert.equal(resolveOptions({}, { OTEL_METRICS_EXPORTER: 'none' }).otlp, false);
  assert.equal(resolveOptions({}, { OTEL_METRICS_EXPORTER: 'none' }).port, false);
});

const INVALID: [string, string, RegExp][] = [
  [
    'OTEL_METRICS_EXPORTER',
    'console',
    /OTEL_METRICS_EXPORTER="console" is invalid: expected a comma-separated list of prometheus, otlp or none/,
  ],
  ['OTEL_METRICS_EXPORTER', 'none,otlp', /'none' alone/],
  [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'collector:4318',
    /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is invalid: expected an http:\/\/ or https:\/\/ URL/,
  ],
  ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'not a url', /OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.*absolute/],
  ['OTEL_EXPORTER_OTLP_HEADERS', 'novalue', /OTEL_EXPORTER_OTLP_HEADERS.*key=value/],
  ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'k=%zz', /OTEL_EXPORTER_OTLP_METRICS_HEADERS.*percent-encoded/],
  [
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'http',
    /OTEL_EXPORTER_OTLP_PROTOCOL="http" is invalid: expected one of http\/protobuf, http\/json, grpc/,
  ],
  ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'udp', /OTEL_EXPORTER_OTLP_METRICS_PROTOCOL/],
  [
    'OTEL_METRIC_EXPORT_INTERVAL',
    '10s',
    /OTEL_METRIC_EXPORT_INTERVAL="10s" is invalid: expected a positive integer number of milliseconds/,
  ],
  ['OTEL_METRIC_EXPORT_TIMEOUT', '0', /OTEL_METRIC_EXPORT_TIMEOUT/],
  ['OTEL_RESOURCE_ATTRIBUTES', '=x', /OTEL_RESOURCE_ATTRIBUTES/],
  ['OTEL_EXPORTER_PROMETHEUS_PORT', '80000', /OTEL_EXPORTER_PROMETHEUS_PORT/],
  [
    'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
    'sometimes',
    /OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE/,
  ],
];
for (const [variable, value, message] of INVALID) {
  test(`${variable}=${value} fails naming the variable`, () => {
    assert.throws(
      () => resolveOptions({}, { [variable]: value }),
      (e: unknown) => e instanceof MonitoringConfigError && e.option === variable && message.test(e.message),
    );
  });
}

test('initEnhancedMonitoring reads process.env: OTLP on from OTEL_METRICS_EXPORTER, resource and headers from the environment', async () => {
  const receiver = new OtlpHttpReceiver();
  const endpoint = await receiver.listen();
  const saved = { ...process.env };
  Object.assign(process.env, {
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_SERVICE_NAME: 'env-bot',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.replace('/v1/metrics', ''),
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  });
  try {
    const { monitoring } = await start({ port: undefined });
    assert.equal(monitoring.metricsUrl, undefined, 'no Prometheus endpoint: OTEL_METRICS_EXPORTER lists only otlp');
    monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
    await monitoring.shutdown();
    await receiver.waitFor(1);
    const req = receiver.requests.at(-1)!;
    assert.equal(req.headers['authorization'], 'Bearer t0ken');
    const resource = attributesOf(req.body.resourceMetrics[0]!.resource?.attributes);
    assert.equal(resource['service.name'], 'env-bot');
    assert.equal(resource['deployment.environment.name'], 'staging');
  } finally {
    process.env = saved;
    await receiver.close();
  }
});
