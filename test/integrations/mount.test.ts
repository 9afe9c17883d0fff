import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import {
  initEnhancedMonitoring,
  MonitoringConfigError,
  PROMETHEUS_CONTENT_TYPE,
  silentLogger,
} from '../../src/index.ts';
import { find, parseExposition } from '../helpers/exposition.ts';
import { stopAll, start } from '../helpers/service.ts';

afterEach(stopAll);

const url = (server: Server, path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
const listen = async (server: Server) => {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
};

test('metricsHandler() serves the exposition from Express 5, Fastify 5 and plain node:http, next to expressMiddleware() and fastifyPlugin', async (t) => {
  const { monitoring } = await start({ port: false });
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });

  const app = express();
  app.use(monitoring.expressMiddleware());
  app.get('/metrics', monitoring.metricsHandler());
  const users = express.Router();
  users.get('/orders/:id', (_req, res) => {
    res.send('ok');
  });
  app.use('/users/:uid', users);
  const e = await listen(createServer(app));
  t.after(() => e.close());

  const f = Fastify();
  await f.register(monitoring.fastifyPlugin);
  f.get('/metrics', monitoring.metricsHandler());
  await f.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => f.close());

  const handler = monitoring.metricsHandler();
  const n = await listen(createServer((req, res) => void handler(req, res)));
  t.after(() => n.close());

  assert.equal((await fetch(url(e, '/users/42/orders/7'))).status, 200);
  for (const target of [url(e, '/metrics'), url(f.server, '/metrics'), url(n, '/metrics')]) {
    const res = await fetch(target);
    assert.equal(res.status, 200, target);
    assert.equal(res.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
    assert.match(await res.text(), /executed_trades_total\{symbol="BTC\/USD",direction="buy",status="success"\} 1/);
  }
  const exp = parseExposition(await monitoring.metricsText());
  // A nested router's mount template, not its concrete path.
  assert.equal(find(exp, 'http_server_request_duration_count', { http_route: '/users/:uid/orders/:id' })[0]?.value, 1);
  // The scrapes themselves, through the middleware (Express) and the plugin (Fastify).
  assert.equal(find(exp, 'http_server_request_duration_count', { http_route: '/metrics' })[0]?.value, 2);
});

test('the app option accepts only an Express or Fastify app, and fails init naming it', async () => {
  for (const app of [{}, () => {}, 'express', null, Fastify.prototype]) {
    await assert.rejects(
      initEnhancedMonitoring({ port: false, systemMetrics: false, logger: silentLogger, app }),
      (error: unknown) => {
        assert.ok(error instanceof MonitoringConfigError);
        assert.equal(error.option, 'app');
        assert.match(error.message, /option 'app' must be an Express app \(express\(\)\) or a Fastify instance/);
        return true;
      },
    );
  }
  const listening = Fastify();
  await listening.listen({ port: 0, host: '127.0.0.1' });
  try {
    await assert.rejects(
      initEnhancedMonitoring({ port: 0, systemMetrics: false, logger: silentLogger, app: listening }),
      (error: unknown) => {
        assert.ok(error instanceof MonitoringConfigError);
        assert.equal(error.option, 'app');
        assert.match(error.message, /before the app listens/);
        return true;
      },
    );
  } finally {
    await listening.close();
  }
  // The failed init left nothing running: a new one starts.
  const { monitoring } = await start({ port: false, app: express() });
  assert.ok(monitoring);
});
