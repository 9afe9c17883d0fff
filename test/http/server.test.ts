import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { afterEach, test } from 'node:test';
import {
  getMonitoringService,
  initEnhancedMonitoring,
  MonitoringConfigError,
  MonitoringStateError,
  PROMETHEUS_CONTENT_TYPE,
  silentLogger,
  type MonitoringService,
} from '../../src/index.ts';
import { start } from '../helpers/service.ts';

let monitoring: MonitoringService | undefined;
afterEach(async () => {
  await monitoring?.shutdown();
  monitoring = undefined;
});

function send(
  url: string,
  method: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET /metrics and GET / serve the exposition with the Prometheus content type', async () => {
  ({ monitoring } = await start());
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  const url = monitoring.metricsUrl!;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  for (const path of ['/metrics', '/', '/metrics?x=1']) {
    const res = await send(url, 'GET', path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['content-type'], PROMETHEUS_CONTENT_TYPE);
    assert.match(res.body, /^executed_trades_total\{symbol="BTC\/USD",direction="buy",status="success"\} 1$/m);
  }
});

test('HEAD answers 200 without a body; other methods 405 with Allow; other paths 404', async () => {
  ({ monitoring } = await start());
  const url = monitoring.metricsUrl!;
  const head = await send(url, 'HEAD', '/metrics');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const res = await send(url, method, '/metrics');
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, 'GET, HEAD');
  }
  for (const path of ['/metrics/', '/favicon.ico', '/metrics/../package.json', '/%2e%2e/package.json']) {
    assert.equal((await send(url, 'GET', path)).status, 404, path);
  }
});

test('a port in use fails init with a MonitoringConfigError naming host and port, and leaves nothing running', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(initEnhancedMonitoring({ port, logger: silentLogger, systemMetrics: false }), (e: unknown) => {
      assert.ok(e instanceof MonitoringConfigError);
      assert.equal(e.option, 'port');
      assert.match(
        e.message,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use \\(EADDRINUSE\\)`),
      );
      return true;
    });
    assert.throws(() => getMonitoringService(), MonitoringStateError);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('an address not on this machine fails init naming it', async () => {
  await assert.rejects(
    initEnhancedMonitoring({ port: 0, host: '192.0.2.1', logger: silentLogger, systemMetrics: false }),
    (e: unknown) => {
      assert.ok(e instanceof MonitoringConfigError);
      assert.equal(e.option, 'host');
      assert.match(
        e.message,
        /cannot listen on 192\.0\.2\.1:0: the address is not available on this machine \(EADDRNOTAVAIL\)/,
      );
      return true;
    },
  );
});

test('port: false starts no server; the exposition is still available in-process', async () => {
  ({ monitoring } = await start({ port: false }));
  assert.equal(monitoring.metricsUrl, undefined);
  assert.equal(monitoring.port, undefined);
  monitoring.setApiQuotaRemaining({ api: 'x', remaining: 3 });
  assert.match(await monitoring.metricsText(), /^api_quota_remaining\{api="x"\} 3$/m);
});

test('lifecycle: getMonitoringService before init, a second init, shutdown twice, init again', async () => {
  assert.throws(() => getMonitoringService(), /not initialized: await initEnhancedMonitoring/);
  const first = await initEnhancedMonitoring({ port: 0, logger: silentLogger, systemMetrics: false });
  assert.equal(getMonitoringService(), first);
  await assert.rejects(initEnhancedMonitoring({ port: 0 }), MonitoringStateError);
  const url = first.metricsUrl!;
  await first.shutdown();
  await first.shutdown();
  assert.throws(() => getMonitoringService(), MonitoringStateError);
  await assert.rejects(fetch(url), 'the server is closed after shutdown');
  monitoring = await initEnhancedMonitoring({ port: 0, logger: silentLogger, systemMetrics: false });
  assert.equal(getMonitoringService(), monitoring);
});

test('recording after shutdown does not throw', async () => {
  const { monitoring: m } = await start();
  await m.shutdown();
  assert.doesNotThrow(() => m.recordTradingSignal({ symbol: 'X', direction: 'buy', confidenceLevel: 0.5 }));
});
