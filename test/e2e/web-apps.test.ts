import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { find, parseExposition, type Exposition } from '../helpers/exposition.ts';

// Real bot apps in child processes (one CommonJS, one ES module), each with Express 5 and Fastify 5,
// attached with initEnhancedMonitoring({ app }); real requests over loopback; the app's own /metrics scraped.
const root = new URL('../..', import.meta.url).pathname;
const DURATION = 'http_server_request_duration';

async function startApp(
  t: { after(fn: () => void): void },
  file: string,
  framework: string,
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@evil2root/source', `test/fixtures/integrations/${file}`, framework],
    {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => child.kill());
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let out = '';
  for await (const chunk of child.stdout!) {
    out += (chunk as Buffer).toString();
    if (out.includes('\n')) break;
  }
  if (!out.includes('port')) throw new Error(`${file} ${framework} did not start: ${stderr}`);
  return { port: (JSON.parse(out.split('\n')[0] as string) as { port: number }).port, child };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A client that sends a request and hangs up before the answer. */
async function abort(port: number, path: string): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
}

function count(exp: Exposition, labels: Record<string, string>, without: string[] = []): number {
  return find(exp, `${DURATION}_count`, labels)
    .filter((s) => without.every((l) => !(l in s.labels)))
    .reduce((sum, s) => sum + s.value, 0);
}

for (const file of ['web-app.cjs', 'web-app.mjs']) {
  for (const framework of ['express', 'fastify']) {
    test(`${framework} in ${file.endsWith('.cjs') ? 'a CommonJS' : 'an ES module'} app: initEnhancedMonitoring({ app }) mounts /metrics and records http.server.request.duration by route template`, async (t) => {
      const { port } = await startApp(t, file, framework);
      assert.equal((await get(port, '/orders/1')).status, 200);
      assert.equal((await get(port, '/orders/2')).status, 200);
      assert.equal((await get(port, '/nope/secret-raw-path')).status, 404);
      assert.equal((await get(port, `/huge-${'y'.repeat(6000)}`)).status, 404);
      const boom = await get(port, '/boom');
      assert.equal(boom.status, 500);
      // The framework's own error handling, unchanged: Express's final handler, Fastify's JSON error.
      if (framework === 'express') assert.match(boom.body, /Internal Server Error/);
      else assert.equal((JSON.parse(boom.body) as { message: string }).message, 'boom');
      const streamed = await get(port, '/stream');
      assert.equal(streamed.status, 200);
      assert.equal(streamed.body, 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
      const malformed = await get(port, '/orders/%E0%A4%A');
      assert.ok(malformed.status >= 400 && malformed.status < 500, `malformed URL answered ${malformed.status}`);
      await abort(port, '/slow');

      let exp: Exposition | undefined;
      let text = '';
      for (let i = 0; i < 40; i++) {
        const res = await get(port, '/metrics');
        assert.equal(res.status, 200);
        text = res.body;
        exp = parseExposition(text);
        if (count(exp, { error_type: 'aborted' }) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(exp !== undefined);
      assert.equal(exp.types.get(DURATION), 'histogram');
      const base = { http_request_method: 'GET', url_scheme: 'http' };
      assert.equal(count(exp, { ...base, http_route: '/orders/:id', http_response_status_code: '200' }), 2);
      assert.equal(
        count(exp, { ...base, http_response_status_code: '404' }, ['http_route']),
        2,
        'unknown routes carry no http_route',
      );
      assert.equal(count(exp, { ...base, http_route: '/boom', http_response_status_code: '500' }), 1);
      const stream = find(exp, `${DURATION}_sum`, { ...base, http_route: '/stream', http_response_status_code: '200' });
      assert.equal(count(exp, { ...base, http_route: '/stream', http_response_status_code: '200' }), 1);
      assert.ok((stream[0]?.value ?? 0) >= 0.04, 'a streaming response is timed to its last chunk');
      assert.equal(count(exp, { ...base, http_response_status_code: String(malformed.status) }), 1);
      assert.equal(
        count(exp, { ...base, http_route: '/slow', error_type: 'aborted' }, ['http_response_status_code']),
        1,
      );
      assert.deepEqual(
        find(exp, `${DURATION}_bucket`, { http_route: '/boom' }).map((s) => s.labels['le']),
        ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'],
      );
      for (const raw of ['secret-raw-path', 'yyyy', '%E0', '/orders/1"'])
        assert.ok(!text.includes(raw), `raw path ${raw} on the scrape`);
    });
  }
}
