import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import type { HttpMethod } from '../../src/index.ts';
import { find, value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

// A real local API: /ok answers 200, /limited 429, /broken 500, /slow waits 30 ms.
let api: Server;
let base: string;
before(async () => {
  api = createServer((req, res) => {
    const status = req.url === '/limited' ? 429 : req.url === '/broken' ? 500 : 200;
    setTimeout(
      () => res.writeHead(status, { 'content-type': 'application/json' }).end('{"price":100}'),
      req.url === '/slow' ? 30 : 0,
    );
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => api.close(() => resolve())));

afterEach(stopAll);

test("an async fetch call returns fn's value and records request, status and latency", async () => {
  const { monitoring } = await start();
  const data = await monitoring.trackApiRequest('/api/market/data', 'get', async (call) => {
    const res = await fetch(`${base}/slow`);
    call.statusCode = res.status;
    return res.json() as Promise<{ price: number }>;
  });
  assert.deepEqual(data, { price: 100 });
  const exp = await scrape(monitoring);
  assert.equal(
    value(exp, 'api_requests_total', { endpoint: '/api/market/data', method: 'GET', status_code: '200' }),
    1,
  );
  assert.equal(value(exp, 'api_latency_seconds_count', { endpoint: '/api/market/data', method: 'GET' }), 1);
  const seconds = value(exp, 'api_latency_seconds_sum', { endpoint: '/api/market/data', method: 'GET' });
  assert.ok(seconds >= 0.025 && seconds < 10, `latency ${seconds} s covers the 30 ms server delay`);
  assert.equal(
    value(exp, 'api_latency_seconds_bucket', { endpoint: '/api/market/data', method: 'GET', le: '0.01' }),
    0,
  );
  assert.equal(find(exp, 'api_errors_total').length, 0);
});

test('a status >= 400 taken from the returned Response counts an http_<status> error', async () => {
  const { monitoring } = await start();
  const res = await monitoring.trackApiRequest('/api/orders', 'POST', () =>
    fetch(`${base}/limited`, { method: 'POST' }),
  );
  assert.equal(res.status, 429);
  await monitoring.trackApiRequest('/api/orders', 'POST', () => fetch(`${base}/broken`, { method: 'POST' }));
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/api/orders', status_code: '429' }), 1);
  assert.equal(value(exp, 'api_errors_total', { endpoint: '/api/orders', method: 'POST', error_type: 'http_429' }), 1);
  assert.equal(value(exp, 'api_errors_total', { endpoint: '/api/orders', method: 'POST', error_type: 'http_500' }), 1);
});

test('a synchronous fn works and its value comes back synchronously; a value without status records "unknown"', async () => {
  const { monitoring } = await start();
  const result = monitoring.trackApiRequest('/sync', 'GET', () => ({ statusCode: 201, body: 'x' }));
  assert.deepEqual(result, { statusCode: 201, body: 'x' });
  await new Promise<void>((resolve, reject) => {
    monitoring.trackApiRequest('/api/http', 'GET', () =>
      request(`${base}/ok`, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end(),
    );
  });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/sync', status_code: '201' }), 1);
  assert.equal(
    value(exp, 'api_requests_total', { endpoint: '/api/http', status_code: 'unknown' }),
    1,
    'no status known: "unknown", never a guess',
  );
});

test('what fn throws or rejects with is re-thrown unchanged and counted by its code, name or HTTP status', async () => {
  const { monitoring } = await start();
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  await assert.rejects(
    monitoring.trackApiRequest('/a', 'GET', async () => {
      throw refused;
    }),
    (e) => e === refused,
  );
  const typeError = new TypeError('bad');
  assert.throws(
    () =>
      monitoring.trackApiRequest('/a', 'GET', () => {
        throw typeError;
      }),
    (e) => e === typeError,
  );
  const axiosLike = Object.assign(new Error('Request failed with status code 503'), { response: { status: 503 } });
  await assert.rejects(
    monitoring.trackApiRequest('/a', 'GET', () => Promise.reject(axiosLike)),
    (e) => e === axiosLike,
  );
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(monitoring.trackApiRequest('/a', 'GET', () => fetch(`http://127.0.0.1:${closedPort}/`)));
  const exp = await scrape(monitoring);
  assert.equal(
    value(exp, 'api_errors_total', { endpoint: '/a', error_type: 'ECONNREFUSED' }),
    2,
    'the thrown code, and the code behind fetch\'s "fetch failed"',
  );
  assert.equal(value(exp, 'api_errors_total', { endpoint: '/a', error_type: 'TypeError' }), 1);
  assert.equal(value(exp, 'api_errors_total', { endpoint: '/a', error_type: 'http_503' }), 1);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/a', status_code: 'error' }), 3);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/a', status_code: '503' }), 1);
  assert.equal(value(exp, 'api_latency_seconds_count', { endpoint: '/a' }), 4);
});

test("call.statusCode set by fn wins over the returned object's status", async () => {
  const { monitoring } = await start();
  monitoring.trackApiRequest('/b', 'GET', (call) => {
    call.statusCode = 404;
    return { status: 200 };
  });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'api_requests_total', { endpoint: '/b', status_code: '404' }), 1);
  assert.equal(value(exp, 'api_errors_total', { endpoint: '/b', error_type: 'http_404' }), 1);
});

test('setApiQuotaRemaining sets the quota gauge per API', async () => {
  const { monitoring } = await start();
  monitoring.setApiQuotaRemaining({ api: 'binance', remaining: 1180 });
  monitoring.setApiQuotaRemaining({ api: 'binance', remaining: 1179 });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'api_quota_remaining', { api: 'binance' }), 1179);
  assert.equal(exp.types.get('api_quota_remaining'), 'gauge');
});

test('a standard HTTP method in any case is recorded upper-cased; any other non-empty method is recorded as _OTHER', async () => {
  const { monitoring } = await start();
  // What a JavaScript caller (or a cast) can pass: HttpMethod itself is the standard methods in upper or lower case.
  const raw = (method: string) => method as HttpMethod;
  monitoring.trackApiRequest('/m', 'get', () => ({ status: 200 }));
  monitoring.trackApiRequest('/m', raw('Patch'), () => ({ status: 200 }));
  monitoring.trackApiRequest('/m', 'DELETE', () => ({ status: 204 }));
  monitoring.trackApiRequest('/m', raw('FETCH'), () => ({ status: 200 }));
  monitoring.trackApiRequest('/m', raw('purge'), () => ({ status: 200 }));
  await assert.rejects(
    monitoring.trackApiRequest('/m', raw('x'.repeat(100)), async () => {
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    }),
  );
  const exp = await scrape(monitoring);
  const methods = find(exp, 'api_requests_total')
    .map((s) => `${s.labels['method']} ${s.labels['status_code']}`)
    .sort();
  assert.deepEqual(methods, ['DELETE 204', 'GET 200', 'PATCH 200', '_OTHER 200', '_OTHER error']);
  assert.equal(
    value(exp, 'api_requests_total', { endpoint: '/m', method: '_OTHER', status_code: '200' }),
    2,
    'FETCH and purge share one series',
  );
  assert.equal(value(exp, 'api_latency_seconds_count', { endpoint: '/m', method: '_OTHER' }), 3);
  assert.equal(value(exp, 'api_errors_total', { endpoint: '/m', method: '_OTHER', error_type: 'ECONNRESET' }), 1);
  assert.equal(find(exp, 'monitoring_invalid_inputs_total').length, 0, 'an unknown method is recorded, not dropped');
});
