import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { MonitoringConfigError } from '../../src/core/errors.ts';
import { resolveOptions as resolveOptionsForTest } from '../../src/config/options.ts';
import { MonitoringServer } from '../../src/http/server.ts';
import { silentLogger } from '../../src/index.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      target,
      { method: options.method ?? 'GET', headers: options.headers, ca: options.ca },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The raw request line as written, so no client normalizes `..` or `%2e` away. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (out += c));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('bearer auth: every path but /healthz needs the token; 401 carries WWW-Authenticate and no detail', async () => {
  const { monitoring } = await start({ auth: { bearerToken: 's3cret-token' } });
  const url = monitoring.metricsUrl!;
  for (const path of ['/metrics', '/', '/readyz', '/dashboard', '/api/v1/series', '/nope']) {
    const denied = await send(url, path);
    assert.equal(denied.status, 401, path);
    assert.match(String(denied.headers['www-authenticate']), /^Bearer realm=/);
    assert.equal(denied.body, 'unauthorized\n');
    assert.equal((await send(url, path, { headers: { authorization: 'Bearer wrong-token' } })).status, 401, path);
    assert.equal(
      (await send(url, path, { headers: { authorization: 'Bearer s3cret-token-longer' } })).status,
      401,
      path,
    );
    assert.equal((await send(url, path, { headers: { authorization: basic('s3cret', 'token') } })).status, 401, path);
  }
  assert.equal((await send(url, '/metrics', { headers: { authorization: 'Bearer s3cret-token' } })).status, 200);
  assert.equal(
    (await send(url, '/nope', { headers: { authorization: 'bearer s3cret-token' } })).status,
    404,
    'scheme is case-insensitive',
  );
  assert.equal((await send(url, '/healthz')).status, 200, '/healthz is exempt by default');
});

test('basic auth from MONITORING_BASIC_AUTH; the option wins over the environment; authExemptPaths is configurable', async () => {
  const env = { MONITORING_BASIC_AUTH: 'ops:pa:ss', MONITORING_AUTH_TOKEN: undefined };
  assert.deepEqual(resolveOptionsForTest({}, env).auth, { username: 'ops', password: 'pa:ss' });
  assert.deepEqual(resolveOptionsForTest({ auth: { bearerToken: 't' } }, env).auth, { bearerToken: 't' });
  assert.equal(resolveOptionsForTest({ auth: false }, { MONITORING_AUTH_TOKEN: 'x' }).auth, false);
  assert.deepEqual(resolveOptionsForTest({}, { MONITORING_AUTH_TOKEN: 'tok' }).auth, { bearerToken: 'tok' });
  assert.throws(
    () => resolveOptionsForTest({}, { MONITORING_BASIC_AUTH: 'nopassword' }),
    (e: unknown) => e instanceof MonitoringConfigError && e.option === 'auth',
  );
  assert.throws(
    () => resolveOptionsForTest({ auth: { bearerToken: '' } }),
    (e: unknown) => e instanceof MonitoringConfigError && e.option === 'auth',
  );

  const { monitoring } = await start({
    auth: { username: 'ops', password: 'pa:ss' },
    authExemptPaths: ['/healthz', '/readyz'],
  });
  const url = monitoring.metricsUrl!;
  const denied = await send(url, '/metrics');
  assert.equal(denied.status, 401);
  assert.match(String(denied.headers['www-authenticate']), /^Basic realm="[^"]+", charset="UTF-8"$/);
  assert.equal((await send(url, '/metrics', { headers: { authorization: basic('ops', 'pa:s') } })).status, 401);
  assert.equal((await send(url, '/metrics', { headers: { authorization: basic('ops', 'pa:ss') } })).status, 200);
  assert.equal((await send(url, '/readyz')).status, 200);
});

test('binding beyond loopback without auth logs one warning naming the risk; with auth, none', async () => {
  const { logger } = await start({ host: '0.0.0.0' });
  const warnings = logger.warnings.filter((w) => w.includes('without authentication'));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /0\.0\.0\.0.*balance, portfolio value and PnL/);
  await stopAll();
  const secured = await start({ host: '0.0.0.0', auth: { bearerToken: 'x' } });
  assert.equal(secured.logger.warnings.filter((w) => w.includes('without authentication')).length, 0);
  await stopAll();
  const local = await start({});
  assert.equal(local.logger.warnings.length, 0);
});

test('only GET and HEAD; traversals, encoded traversals and absolute paths are 404; bodies are refused', async () => {
  const { monitoring } = await start();
  const url = monitoring.metricsUrl!;
  const port = monitoring.port!;
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
    const res = await send(url, '/dashboard', { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, 'GET, HEAD');
  }
  assert.equal((await send(url, '/dashboard/uPlot.iife.min.js')).status, 200);
  for (const path of [
    '/dashboard/../package.json',
    '/dashboard/%2e%2e/package.json',
    '/dashboard/%2e%2e%2fpackage.json',
    '/dashboard/..%2f..%2fpackage.json',
    '/dashboard%2fpage.js',
    '/dashboard//page.js',
    '/dashboard/./page.js',
    '/dashboard/',
    '/etc/passwd',
    '//etc/passwd',
    '/dashboard/node_modules/uplot/package.json',
    '/dashboard/uPlot.js',
    '/dashboard/page.ts',
    '/dashboard/%2fetc%2fpasswd',
  ]) {
    const reply = await raw(port, `GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 404 /, path);
    assert.doesNotMatch(reply, /"name"|root:|\/work|node_modules|at [A-Za-z]+ \(/, path);
  }
  const abs = await raw(
    port,
    `GET http://localhost/../../package.json HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`,
  );
  assert.match(abs, /^HTTP\/1\.1 404 /);
  const withBody = await send(url, '/metrics', {
    headers: { 'content-type': 'text/plain', 'content-length': '100' },
    body: 'x'.repeat(100),
  });
  assert.equal(withBody.status, 413);
  const chunked = await raw(
    port,
    'GET /metrics HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  );
  assert.match(chunked, /^HTTP\/1\.1 413 /);
});

test('a request head over 8 KiB gets 431 with an empty body; a malformed request 400 with no detail', async () => {
  const { monitoring } = await start();
  const port = monitoring.port!;
  const big = await raw(port, `GET /metrics HTTP/1.1\r\nhost: localhost\r\nx-fill: ${'a'.repeat(9000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.match(big, /content-length: 0\r\n\r\n$/);
  const bad = await raw(port, 'GET /metrics HTTP/9.9 nonsense\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400 /);
  assert.match(bad, /content-length: 0\r\n\r\n$/, 'no body, so no detail');
});

test('security headers: CSP and nosniff everywhere, no-store on data, page CSP allows only this origin', async () => {
  const { monitoring } = await start();
  const url = monitoring.metricsUrl!;
  for (const path of ['/metrics', '/healthz', '/readyz', '/api/v1/series', '/nope']) {
    const res = await send(url, path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(res.headers['cache-control'], 'no-store', path);
    if (path !== '/metrics') assert.match(String(res.headers['content-security-policy']), /default-src 'none'/, path);
  }
  const page = await send(url, '/dashboard');
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no outside host');
});

test('a failing handler answers a bare 500 without stack or path, and recording carries on', async () => {
  const server = new MonitoringServer(
    new Map([
      [
        '/boom',
        () => {
          throw new Error(`secret at ${process.cwd()}/src/x.ts:1`);
        },
      ],
    ]),
    silentLogger,
  );
  const address = await server.listen('127.0.0.1', 0);
  try {
    const res = await send(`http://127.0.0.1:${address.port}`, '/boom');
    assert.equal(res.status, 500);
    assert.equal(res.body, 'internal error\n');
  } finally {
    await server.close();
  }
});

test('slowloris: a client sending its head byte by byte is cut off after headersTimeout while others are served', async () => {
  const server = new MonitoringServer(
    new Map([
      [
        '/ok',
        (_req, res) => {
          res.end('ok');
        },
      ],
    ]),
    silentLogger,
    { headersTimeoutMs: 1000, requestTimeoutMs: 2000 },
  );
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    const slow = connect(port, '127.0.0.1');
    let reply = '';
    slow.setEncoding('utf8');
    slow.on('data', (c: string) => (reply += c));
    const closed = new Promise<number>((resolve) => slow.on('close', () => resolve(Date.now())));
    slow.on('error', () => {});
    const head = 'GET /ok HTTP/1.1\r\nhost: localhost\r\nx-slow: ' + 'a'.repeat(200);
    let i = 0;
    const startedAt = Date.now();
    const drip = setInterval(() => {
      if (!slow.destroyed && i < head.length) slow.write(head[i++]!);
    }, 50);
    // Meanwhile ordinary clients are answered.
    for (let n = 0; n < 5; n++) {
      const res = await send(`http://127.0.0.1:${port}`, '/ok');
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const closedAt = await closed;
    clearInterval(drip);
    assert.ok(i < head.length, `the slow client was cut off before it finished (${i} of ${head.length} bytes sent)`);
    assert.ok(closedAt - startedAt < 5000, 'cut off within a few seconds');
    assert.doesNotMatch(reply, /200 OK/);
    assert.equal((await send(`http://127.0.0.1:${port}`, '/ok')).status, 200, 'the server still answers');
  } finally {
    await server.close();
  }
});

test('TLS: a certificate generated by openssl, a client that trusts it, auth over HTTPS; unreadable files fail init naming tls', async (t) => {
  if (!requireBinary(t, 'openssl', 'apt-get install openssl')) return;
  const dir = mkdtempSync(join(tmpdir(), 'monitoring-tls-'));
  try {
    const { key, cert } = selfSignedCertificate(dir, 'IP:127.0.0.1,DNS:localhost');
    const ca = readFileSync(cert);
    const { monitoring } = await start({ tls: { key, cert: ca.toString('utf8') }, auth: { bearerToken: 'tls-token' } });
    const url = monitoring.metricsUrl!;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const ok = await send(url, '/metrics', { ca, headers: { authorization: 'Bearer tls-token' } });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^# HELP /m);
    assert.equal((await send(url, '/metrics', { ca })).status, 401);
    assert.equal((await send(url, '/healthz', { ca })).status, 200);
    await assert.rejects(
      send(url, '/healthz'),
      /self[- ]signed|unable to verify|certificate/i,
      'a client that does not trust the certificate is refused',
    );
    await assert.rejects(
      start({ tls: { key: join(dir, 'missing.pem'), cert } }),
      (e: unknown) => e instanceof MonitoringConfigError && e.option === 'tls' && !/\n\s+at /.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
