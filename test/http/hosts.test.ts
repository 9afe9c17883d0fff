import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import { resolveOptions } from '../../src/config/options.ts';
import { createHostCheck, defaultAllowedHosts, hostName } from '../../src/http/hosts.ts';
import { MonitoringServer, type RouteHandler } from '../../src/http/server.ts';
import { createSurfaceHandler } from '../../src/http/surface.ts';
import { MonitoringConfigError, silentLogger } from '../../src/index.ts';
import { start, stopAll } from '../helpers/service.ts';
import { wire } from './wire.ts';

afterEach(stopAll);

/** One route that counts its calls, to show a refused Host never reaches the handler. */
function countingRoutes(): { routes: Map<string, RouteHandler>; calls: () => number } {
  let calls = 0;
  const routes = new Map<string, RouteHandler>([
    [
      '/metrics',
      (_req, res) => {
        calls++;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
        res.end('ok\n');
      },
    ],
  ]);
  return { routes, calls: () => calls };
}

async function withServer(
  settings: ConstructorParameters<typeof MonitoringServer>[2],
  address: string,
  body: (port: number, calls: () => number) => Promise<void>,
): Promise<void> {
  const { routes, calls } = countingRoutes();
  const server = new MonitoringServer(routes, silentLogger, settings);
  const { port } = await server.listen(address, 0);
  try {
    await body(port, calls);
  } finally {
    await server.close();
  }
}

const get = (port: number, host: string | undefined, address = '127.0.0.1', version = '1.1') =>
  wire(port, `GET /metrics HTTP/${version}${host === undefined ? '' : `\r\nhost: ${host}`}`, address);

test('DNS rebinding: on a loopback bind an unknown Host gets 421 with the security headers and never reaches the handler', async () => {
  await withServer({}, '127.0.0.1', async (port, calls) => {
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `LOCALHOST.evil.example`,
      `localhost:${port}@evil.example`,
      `localhost:80x`,
      `[::1`,
      '',
    ]) {
      const reply = await get(port, host);
      assert.equal(reply.status, 421, host);
      assert.equal(reply.body, 'misdirected request: host not allowed\n', host);
      assert.equal(reply.headers['x-frame-options'], 'DENY', host);
      assert.equal(reply.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", host);
    }
    const head = await wire(port, `HEAD /metrics HTTP/1.1\r\nhost: evil.example:${port}`);
    assert.equal(head.status, 421);
    assert.equal(head.headers['referrer-policy'], 'no-referrer');
    assert.equal(calls(), 0, 'the handler never ran');
  });
});

test('loopback names are served with or without the port, in any case, IPv6 in brackets; no Host on HTTP/1.0 is served, on HTTP/1.1 is 400', async () => {
  await withServer({}, '127.0.0.1', async (port, calls) => {
    for (const host of [
      `localhost:${port}`,
      'localhost',
      `LocalHost:${port}`,
      `localhost.:${port}`,
      `127.0.0.1:${port}`,
      '127.0.0.1',
      `[::1]:${port}`,
      '[::1]',
    ]) {
      assert.equal((await get(port, host)).status, 200, host);
    }
    assert.equal((await get(port, undefined, '127.0.0.1', '1.0')).status, 200, 'HTTP/1.0 without Host');
    const missing = await get(port, undefined);
    assert.equal(missing.status, 400, 'HTTP/1.1 without Host (RFC 9112 §3.2)');
    assert.equal(missing.headers['x-content-type-options'], 'nosniff');
    assert.equal(calls(), 9);
  });
});

test('an IPv6 loopback bind serves [::1]:port and refuses other names', async (t) => {
  const probe = createServer();
  const ipv6 = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
  if (!ipv6) return t.skip('no IPv6 loopback on this machine');
  await withServer({}, '::1', async (port) => {
    assert.equal((await get(port, `[::1]:${port}`, '::1')).status, 200);
    assert.equal((await get(port, `localhost:${port}`, '::1')).status, 200);
    assert.equal((await get(port, `[0:0:0:0:0:0:0:1]:${port}`, '::1')).status, 200, 'any spelling of ::1');
    assert.equal((await get(port, `evil.example:${port}`, '::1')).status, 421);
  });
});

test('a bound loopback address other than 127.0.0.1 is allowed by default; a non-loopback bind allows any Host', async () => {
  assert.deepEqual(defaultAllowedHosts('127.0.0.1'), ['localhost', '127.0.0.1', '[::1]']);
  assert.deepEqual(defaultAllowedHosts('localhost'), ['localhost', '127.0.0.1', '[::1]']);
  assert.ok((defaultAllowedHosts('127.0.0.2') as string[]).includes('127.0.0.2'));
  assert.ok((defaultAllowedHosts('::1') as string[]).includes('[::1]'));
  assert.equal(defaultAllowedHosts('0.0.0.0'), false);
  assert.equal(defaultAllowedHosts('::'), false);
  assert.equal(defaultAllowedHosts('10.0.0.5'), false);
  await withServer({}, '0.0.0.0', async (port) => {
    assert.equal((await get(port, `bot.example.com:${port}`)).status, 200, 'not locked out');
    assert.equal((await get(port, `evil.example:${port}`)).status, 200);
  });
});

test('allowedHosts: a list adds names (a leading dot adds subdomains) to the loopback ones, on any bind; false turns the check off', async () => {
  const allowedHosts = ['Bot.Example.com', '.lan', '10.0.0.5', '::1'];
  for (const address of ['127.0.0.1', '0.0.0.0']) {
    await withServer({ allowedHosts }, address, async (port) => {
      for (const host of [`bot.example.com:${port}`, 'BOT.EXAMPLE.COM', 'box.lan', 'a.b.lan:1', 'lan', '10.0.0.5:80'])
        assert.equal((await get(port, host)).status, 200, `${address}: ${host}`);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
        assert.equal((await get(port, host)).status, 200, `${address}: ${host} (loopback names stay)`);
      for (const host of [
        'evil.example',
        'example.com',
        'xbot.example.com',
        'evillan',
        'bot.example.com.evil',
        '10.0.0.6',
      ])
        assert.equal((await get(port, host)).status, 421, `${address}: ${host}`);
    });
  }
  await withServer({ allowedHosts: false }, '127.0.0.1', async (port) => {
    assert.equal((await get(port, `evil.example:${port}`)).status, 200);
  });
});

test("httpHandler() on the bot's own server: any Host by default; an allowedHosts list applies there too", async () => {
  const serve = async (allowedHosts: false | string[] | undefined, body: (port: number) => Promise<void>) => {
    const { routes } = countingRoutes();
    const handler = createSurfaceHandler(routes, {
      auth: false,
      authExemptPaths: [],
      allowedHosts,
      logger: silentLogger,
    });
    const server: Server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await body((server.address() as AddressInfo).port);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  await serve(undefined, async (port) => {
    const reply = await get(port, `bot.internal:${port}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['x-frame-options'], 'DENY', "the bot's server gets the security headers too");
  });
  await serve(['bot.internal'], async (port) => {
    assert.equal((await get(port, `bot.internal:${port}`)).status, 200);
    assert.equal((await get(port, `localhost:${port}`)).status, 200);
    assert.equal((await get(port, `evil.example:${port}`)).status, 421);
  });
});

test('the SDK started with its defaults refuses a rebinding Host and serves localhost', async () => {
  const { monitoring } = await start();
  const port = monitoring.port!;
  assert.equal((await get(port, `evil.example:${port}`)).status, 421);
  assert.equal((await get(port, `localhost:${port}`)).status, 200);
  assert.equal((await fetch(monitoring.metricsUrl!)).status, 200, 'the advertised URL works');
  assert.equal((await fetch(monitoring.dashboardUrl!)).status, 200);
});

test('allowedHosts is validated at init: a port, a scheme, a path, a wildcard or a non-string fail naming the option and the entry', () => {
  assert.equal(resolveOptions({}, {}).allowedHosts, undefined, 'undefined: the default of where it is served');
  assert.equal(resolveOptions({ allowedHosts: false }, {}).allowedHosts, false);
  const given = ['bot.example.com', '.lan', '::1', '[::1]', '10.0.0.5', 'bot.example.com.'];
  const resolved = resolveOptions({ allowedHosts: given }, {}).allowedHosts;
  assert.deepEqual(resolved, given);
  assert.notEqual(resolved, given, 'a copy');
  assert.ok(Object.isFrozen(resolved));
  assert.deepEqual(resolveOptions({ allowedHosts: [] }, {}).allowedHosts, []);
  for (const [value, shown] of [
    ['*', /got "\*"/],
    [true, /got true/],
    [['bot.example.com:8000'], /"bot\.example\.com:8000" is not one/],
    [['http://bot.example.com'], /"http:\/\/bot\.example\.com" is not one/],
    [['bot.example.com/metrics'], /is not one/],
    [['*'], /"\*" is not one/],
    [['*.example.com'], /"\*\.example\.com" is not one/],
    [[''], /"" is not one/],
    [['ok', 7], /7 is not one/],
    [['[::1]:8000'], /is not one/],
  ] as const) {
    assert.throws(
      () => resolveOptions({ allowedHosts: value }, {}),
      (e: unknown) =>
        e instanceof MonitoringConfigError &&
        e.option === 'allowedHosts' &&
        /option 'allowedHosts' must be false, or an array of host names or IP addresses without scheme or port/.test(
          e.message,
        ) &&
        shown.test(e.message),
      JSON.stringify(value),
    );
  }
});

test('hostName and createHostCheck: entries as compared, Host headers as parsed', () => {
  assert.equal(hostName('::1'), '[::1]');
  assert.equal(hostName('[0:0:0:0:0:0:0:1]'), '[::1]');
  assert.equal(hostName('Bot.Example.COM.'), 'bot.example.com');
  assert.equal(hostName('.example.com'), '.example.com');
  assert.equal(hostName('bot:1'), undefined);
  const check = createHostCheck(['.example.com']);
  assert.ok(check.allows('example.com:1'));
  assert.ok(check.allows('a.example.com'));
  assert.ok(!check.allows('aexample.com'));
  assert.ok(!check.allows('example.com:x'));
  assert.ok(!check.allows('[::1'));
  assert.ok(!check.allows('[evil.example]'));
  assert.ok(check.allows('[0:0::1]:8000'));
  assert.ok(check.allows('localhost:'), 'an empty port is valid (RFC 3986)');
  assert.ok(!check.allows('[::1]x'));
});

test('allowedHosts through initEnhancedMonitoring: a list serves its names, false serves any Host', async () => {
  const { request } = await import('node:http');
  const get = (port: number, host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const listed = (await start({ allowedHosts: ['bot.example.com'] })).monitoring;
    assert.equal(await get(listed.port!, `bot.example.com:${listed.port}`), 200);
    assert.equal(await get(listed.port!, 'evil.example'), 421);
    await stopAll();
    const open = (await start({ allowedHosts: false })).monitoring;
    assert.equal(await get(open.port!, 'evil.example'), 200);
  } finally {
    await stopAll();
  }
});

test('a Host check answers each value on its own, whatever was asked before', () => {
  const check = createHostCheck(['.example.com']);
  const asks: [string, boolean][] = [
    ['localhost:9464', true],
    ['evil.test', false],
    ['localhost:9464', true],
    ['api.example.com', true],
    ['localhost:9464.evil.test', false],
    ['api.example.com', true],
    ['api.example.com.evil.test', false],
    ['127.0.0.1:9464', true],
  ];
  for (const [host, allowed] of asks) assert.equal(check.allows(host), allowed, host);
});
