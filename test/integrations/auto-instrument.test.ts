import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import { find, parseExposition, type Exposition } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, unknown> };
// By package name once package.json exports ./register; the source file until then.
const REGISTER = pkg.exports['./register'] !== undefined ? '@evil2root/monitoring/register' : './src/register.ts';
const CLIENT = 'http_client_request_duration_count';

function runClient(flag: '--import' | '--require', register: string, fixture: string, source = true): Exposition {
  const out = execFileSync(
    process.execPath,
    [...(source ? ['--conditions=@evil2root/source'] : []), flag, register, `test/fixtures/integrations/${fixture}`],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  return parseExposition((JSON.parse(out) as { text: string }).text);
}

function assertClientMetrics(exp: Exposition): void {
  assert.equal(exp.types.get('http_client_request_duration'), 'histogram');
  const local = { server_address: '127.0.0.1' };
  // fetch (undici) reports url.scheme; node:http does not: one series each for the two GETs.
  const gets = find(exp, CLIENT, { ...local, http_request_method: 'GET', http_response_status_code: '200' });
  assert.equal(gets.filter((s) => s.labels['url_scheme'] === 'http').length, 1, 'fetch GET');
  assert.equal(gets.filter((s) => !('url_scheme' in s.labels)).length, 1, 'http.request GET');
  assert.ok(gets.every((s) => s.value === 1 && /^\d+$/.test(s.labels['server_port'] ?? '')));
  assert.equal(
    find(exp, CLIENT, { ...local, http_request_method: 'POST', http_response_status_code: '404', error_type: '404' })[0]
      ?.value,
    1,
  );
  assert.ok(
    !exp.samples.some((s) => Object.values(s.labels).some((v) => v.includes('/ticker') || v.includes('/orders'))),
    'no URL path in labels',
  );
}

test('node --import <register>: an ES module bot gets http.client.request.duration for fetch and http.request', () => {
  assertClientMetrics(runClient('--import', REGISTER, 'client.mjs'));
});

test('node --require <register>: a CommonJS bot gets http.client.request.duration for fetch and http.request', () => {
  assertClientMetrics(runClient('--require', REGISTER, 'client.cjs'));
});

test('the CommonJS build: node --require dist/cjs/register.js with the CommonJS package', (t) => {
  if (!existsSync(`${root}dist/cjs/register.js`)) {
    t.skip('dist/cjs/register.js not built (npm test builds it)');
    return;
  }
  assertClientMetrics(runClient('--require', './dist/cjs/register.js', 'client.cjs', false));
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici leaves fetch alone', () => {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@evil2root/source', '--import', REGISTER, 'test/fixtures/integrations/client.mjs'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' },
    },
  );
  const exp = parseExposition((JSON.parse(out) as { text: string }).text);
  assert.equal(find(exp, CLIENT, { http_request_method: 'POST' }).length, 0, 'fetch not measured');
  assert.equal(find(exp, CLIENT, { http_request_method: 'GET' }).length, 1, 'http.request measured');
});

test('autoInstrument: { fetch: true, http: false } measures fetch only, without the register entry point', async (t) => {
  const server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { monitoring } = await start({ port: false, autoInstrument: { fetch: true, http: false } });
  await (await fetch(`${base}/a`)).text();
  await new Promise<void>((resolve) =>
    request(`${base}/b`, (res) => {
      res.resume();
      res.on('end', resolve);
    }).end(),
  );
  const exp = parseExposition(await monitoring.metricsText());
  const series = find(exp, CLIENT, { server_address: '127.0.0.1' });
  assert.equal(series.length, 1);
  assert.equal(series[0]?.labels['url_scheme'], 'http');
  await monitoring.shutdown();
  // After shutdown the instrumentation records nothing; a new init with autoInstrument off attaches nothing.
  const { monitoring: next } = await start({ port: false });
  await (await fetch(`${base}/c`)).text();
  assert.equal(find(parseExposition(await next.metricsText()), CLIENT).length, 0);
});
