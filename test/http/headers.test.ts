import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { MonitoringServer, type RouteHandler } from '../../src/http/server.ts';
import { PAGE_CSP } from '../../src/http/security-headers.ts';
import { silentLogger } from '../../src/index.ts';
import { start, stopAll } from '../helpers/service.ts';
import { wire, type WireReply } from './wire.ts';

afterEach(stopAll);

const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The headers every response of the surface carries, whatever its route, status or method. */
function assertSecured(reply: WireReply, what: string, csp = DATA_CSP): void {
  assert.ok(reply.status > 0, `${what}: an HTTP response (${JSON.stringify(reply.text.slice(0, 80))})`);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff', `${what}: x-content-type-options`);
  assert.equal(reply.headers['x-frame-options'], 'DENY', `${what}: x-frame-options`);
  assert.equal(reply.headers['referrer-policy'], 'no-referrer', `${what}: referrer-policy`);
  assert.equal(reply.headers['cross-origin-resource-policy'], 'same-origin', `${what}: cross-origin-resource-policy`);
  assert.equal(reply.headers['content-security-policy'], csp, `${what}: content-security-policy`);
  assert.ok(reply.headers['cache-control'] === 'no-store' || csp === PAGE_CSP, `${what}: cache-control`);
  assert.doesNotMatch(reply.text, /\n\s+at |\/work\/|node_modules/, `${what}: no stack or path`);
}

const PAGE_ROUTES = [
  '/dashboard',
  '/dashboard/page.js',
  '/dashboard/page.css',
  '/dashboard/uPlot.iife.min.js',
  '/dashboard/uPlot.min.css',
];
const DATA_ROUTES = ['/metrics', '/', '/metrics?x=1', '/healthz', '/readyz', '/api/v1/series'];

test('security headers: every route of the SDK, GET and HEAD, with and without credentials, carries the same set', async () => {
  const { monitoring } = await start({ auth: { bearerToken: 'headers-token' } });
  const port = monitoring.port!;
  for (const method of ['GET', 'HEAD']) {
    for (const path of [...DATA_ROUTES, ...PAGE_ROUTES]) {
      const page = PAGE_ROUTES.includes(path);
      const what = `${method} ${path}`;
      const ok = await wire(
        port,
        `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer headers-token`,
      );
      assert.equal(ok.status, 200, what);
      assertSecured(ok, what, page ? PAGE_CSP : DATA_CSP);
      if (page) assert.equal(ok.headers['cache-control'], 'no-cache', what);
      if (method === 'HEAD') assert.equal(ok.body, '', `${what}: no body`);
      const anonymous = await wire(port, `${method} ${path} HTTP/1.1\r\nhost: localhost:${port}`);
      assert.equal(anonymous.status, path === '/healthz' ? 200 : 401, `${what} without the token`);
      assertSecured(anonymous, `${what} without the token`);
    }
  }
});

test('security headers: 400, 404, 405, 413, 417, 421 and 431 from the SDK server carry the same set', async () => {
  const { monitoring } = await start();
  const port = monitoring.port!;
  const host = `host: localhost:${port}`;
  const cases: [head: string, status: number][] = [
    [`GET /nope HTTP/1.1\r\n${host}`, 404],
    [`HEAD /nope HTTP/1.1\r\n${host}`, 404],
    [`GET /dashboard/../package.json HTTP/1.1\r\n${host}`, 404],
    [`POST /metrics HTTP/1.1\r\n${host}\r\ncontent-length: 0`, 405],
    [`OPTIONS / HTTP/1.1\r\n${host}`, 405],
    [`GET /metrics HTTP/1.1\r\n${host}\r\ncontent-length: 3\r\n\r\nabc`, 413],
    [`GET /metrics HTTP/1.1\r\n${host}\r\nexpect: something-else`, 417],
    [`GET /metrics HTTP/1.1\r\nhost: evil.example:${port}`, 421],
    [`HEAD /metrics HTTP/1.1\r\nhost: evil.example:${port}`, 421],
    ['GET /metrics HTTP/1.1', 400],
    ['GET /metrics HTTP/9.9 nonsense', 400],
    [`GET /metrics HTTP/1.1\r\n${host}\r\nx-fill: ${'a'.repeat(9000)}`, 431],
  ];
  for (const [head, status] of cases) {
    const what = head.split('\r\n')[0]!.slice(0, 60);
    const reply = await wire(port, head);
    assert.equal(reply.status, status, what);
    assertSecured(reply, `${what} (${status})`);
  }
});

test('security headers: a route that writes its own head, one that only ends, and 500s (sync, async, after setting headers)', async () => {
  const routes = new Map<string, RouteHandler>([
    // As the Prometheus handler does: writeHead with its own headers merges with the surface's.
    [
      '/own-head',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, 'x-content-type-options': 'nosniff' });
        res.end('own');
      },
    ],
    ['/end-only', (_req, res) => void res.end('bare')],
    [
      '/throws',
      () => {
        throw new Error('sync');
      },
    ],
    ['/rejects', () => Promise.reject(new Error('async'))],
    [
      '/dirty',
      (_req, res) => {
        res.setHeader('content-length', '999');
        res.setHeader('x-route', 'half-done');
        res.setHeader('content-security-policy', PAGE_CSP);
        throw new Error('after setting headers');
      },
    ],
  ]);
  const server = new MonitoringServer(routes, silentLogger);
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    for (const method of ['GET', 'HEAD']) {
      for (const [path, status, body] of [
        ['/own-head', 200, 'own'],
        ['/end-only', 200, 'bare'],
        ['/throws', 500, 'internal error\n'],
        ['/rejects', 500, 'internal error\n'],
        ['/dirty', 500, 'internal error\n'],
      ] as const) {
        const what = `${method} ${path}`;
        const reply = await wire(port, `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}`);
        assert.equal(reply.status, status, what);
        assertSecured(reply, what);
        assert.equal(reply.body, method === 'HEAD' ? '' : body, what);
        if (status === 500) {
          assert.equal(reply.headers['x-route'], undefined, `${what}: the route's headers are dropped`);
          assert.equal(reply.headers['content-length'], String(Buffer.byteLength(body)), what);
        }
      }
    }
  } finally {
    await server.close();
  }
});
