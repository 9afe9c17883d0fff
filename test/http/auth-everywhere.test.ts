import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import express, { type Express } from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuthOptions, MonitoringService } from '../../src/index.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

// Every mounting of the SDK's routes × every path it serves there × no, wrong and right credentials.
// The paths come from the code: the surface's own list (httpHandler().paths, the same routes as the
// SDK's server), and, on the bot's apps, the routes the SDK added as the framework itself reports them.
// A route added later is covered without touching this test.

/** Served to anyone: liveness (probes without credentials) and the sign-in form itself. */
const EXEMPT = new Set(['/healthz', '/login', '/logout']);

const AUTHS: { name: string; auth: AuthOptions; right: string; wrong: string[] }[] = [
  {
    name: 'bearer',
    auth: { bearerToken: 'tok-3f9a1c' },
    right: 'Bearer tok-3f9a1c',
    wrong: ['Bearer tok-3f9a1d', 'Bearer ', `Basic ${Buffer.from('x:tok-3f9a1c').toString('base64')}`],
  },
  {
    name: 'basic',
    auth: { username: 'ops', password: 'pw-77' },
    right: `Basic ${Buffer.from('ops:pw-77').toString('base64')}`,
    wrong: [`Basic ${Buffer.from('ops:pw-78').toString('base64')}`, 'Basic !!', 'Bearer pw-77'],
  },
];

interface Mounting {
  name: string;
  origin: string;
  /** Path requested → the SDK route it reaches (a metricsHandler() mounted anywhere is the /metrics route). */
  paths: Map<string, string>;
}

const listen = async (server: Server): Promise<string> => {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The paths of an Express app's routes, as its router holds them. */
function expressPaths(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: { route?: { path: string } }[] } }).router.stack;
  return stack.flatMap((layer) => (layer.route === undefined ? [] : [layer.route.path]));
}

/** Records the path of every route a Fastify instance registers, from Fastify's own onRoute hook. */
function fastifyPaths(app: FastifyInstance): string[] {
  const paths: string[] = [];
  app.addHook('onRoute', (route) => void paths.push(route.url));
  return paths;
}

/** A path no mounting serves: refused before the lookup, so a 404 cannot tell which paths exist. */
const NOT_SERVED = '/no-such-path';

const added = (after: string[], before: string[]) => [...new Set(after.filter((p) => !before.includes(p)))];
const identity = (paths: readonly string[]) => new Map(paths.map((p) => [p, p]));

async function check(mounting: Mounting, creds: (typeof AUTHS)[number]): Promise<number> {
  let requests = 0;
  for (const [path, route] of mounting.paths) {
    const at = `${mounting.name} ${creds.name} ${path}`;
    const get = async (headers: Record<string, string>) => {
      requests++;
      return fetch(`${mounting.origin}${path}`, { headers, redirect: 'manual' });
    };
    const right = await get({ authorization: creds.right });
    assert.equal(right.status, route === NOT_SERVED ? 404 : 200, `${at} with the right credentials`);
    if (route === '/metrics') assert.match(await right.text(), /^# HELP /m, `${at} serves the exposition`);
    else await right.arrayBuffer();
    for (const [label, headers] of [
      ['none', {}],
      ['none, as a browser', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }],
      ...creds.wrong.map((w) => [`wrong ${JSON.stringify(w)}`, { authorization: w }] as const),
    ] as const) {
      const res = await get(headers);
      const body = await res.text();
      if (EXEMPT.has(route)) {
        assert.equal(res.status, 200, `${at} is exempt (${label})`);
        continue;
      }
      assert.equal(res.status, 401, `${at} with ${label} credentials`);
      const scheme = creds.name === 'bearer' ? /^Bearer realm=/ : /^Basic realm=/;
      assert.match(res.headers.get('www-authenticate') ?? '', scheme, `${at} (${label}) challenges`);
      assert.doesNotMatch(
        body,
        /# HELP|portfolio_value|"timestamps"|<script|function\s*\(/,
        `${at} (${label}) leaks nothing`,
      );
    }
  }
  return requests;
}

for (const creds of AUTHS) {
  for (const framework of ['express', 'fastify'] as const) {
    test(`${creds.name} auth, app: ${framework}: every mounting and every path it serves answers 401 without or with wrong credentials and 200 with the right ones`, async (t) => {
      const mountings: Mounting[] = [];
      // The bot's app, passed as `app`: the routes the SDK adds are what the framework reports after init.
      let monitoring: MonitoringService;
      let appOrigin: string;
      let appAdded: string[];
      if (framework === 'express') {
        const app = express();
        app.get('/orders/:id', (_req, res) => void res.send('ok'));
        const before = expressPaths(app);
        ({ monitoring } = await start({ app, auth: creds.auth }));
        appAdded = added(expressPaths(app), before);
        const server = createServer(app);
        t.after(() => server.close());
        appOrigin = await listen(server);
      } else {
        const app = Fastify();
        const paths = fastifyPaths(app);
        app.get('/orders/:id', async () => 'ok');
        const before = [...paths];
        ({ monitoring } = await start({ app, auth: creds.auth }));
        await app.listen({ port: 0, host: '127.0.0.1' });
        t.after(() => app.close());
        appAdded = added(paths, before);
        appOrigin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      }
      assert.deepEqual(appAdded, ['/metrics'], 'the app option adds the /metrics route');
      mountings.push({ name: `app option (${framework})`, origin: appOrigin, paths: identity(appAdded) });

      // The SDK's own server and httpHandler() on the bot's node:http server: the surface's list of paths.
      const surface = monitoring.httpHandler();
      assert.ok(surface.paths.includes('/dashboard') && surface.paths.includes('/metrics'));
      assert.equal(surface.paths.includes('/login'), creds.name === 'bearer', '/login only with a bearer token');
      const own = new URL(monitoring.metricsUrl!).origin;
      mountings.push({ name: 'own server', origin: own, paths: identity([...surface.paths, NOT_SERVED]) });
      const bot = createServer((req, res) => void surface(req, res));
      t.after(() => bot.close());
      mountings.push({
        name: 'httpHandler() on node:http',
        origin: await listen(bot),
        paths: identity([...surface.paths, NOT_SERVED]),
      });

      // metricsHandler() wherever the bot mounts it: it is the /metrics route under any path.
      const handler = monitoring.metricsHandler();
      const node = createServer((req, res) => void handler(req, res));
      t.after(() => node.close());
      mountings.push({
        name: 'metricsHandler() on node:http',
        origin: await listen(node),
        paths: new Map([['/x', '/metrics']]),
      });
      if (framework === 'express') {
        const other = express();
        other.get('/metrics', handler);
        other.get('/internal/scrape', handler);
        const server = createServer(other);
        t.after(() => server.close());
        mountings.push({
          name: 'metricsHandler() on express',
          origin: await listen(server),
          paths: new Map(expressPaths(other).map((p) => [p, '/metrics'])),
        });
      } else {
        const other = Fastify();
        const paths = fastifyPaths(other);
        other.get('/metrics', handler);
        other.get('/internal/scrape', handler);
        // The standalone plugin times requests and serves no route of its own.
        const before = [...paths];
        await other.register(monitoring.fastifyPlugin);
        await other.listen({ port: 0, host: '127.0.0.1' });
        t.after(() => other.close());
        assert.deepEqual(added(paths, before), [], 'fastifyPlugin adds no route');
        mountings.push({
          name: 'metricsHandler() on fastify',
          origin: `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`,
          paths: new Map([...new Set(paths)].map((p) => [p, '/metrics'])),
        });
      }

      let requests = 0;
      for (const mounting of mountings) {
        assert.ok(mounting.paths.size > 0, `${mounting.name} serves something`);
        requests += await check(mounting, creds);
      }
      assert.ok(requests > 100, `${requests} requests`);
    });
  }
}

test('authExemptPaths means the same on every mounting: listing /metrics opens the server, httpHandler(), the app option and metricsHandler(), and nothing else', async (t) => {
  const app = express();
  const { monitoring } = await start({ app, auth: { bearerToken: 'tok-e1' }, authExemptPaths: ['/metrics'] });
  const servers = [createServer(app), createServer((req, res) => void monitoring.httpHandler()(req, res))];
  const handler = monitoring.metricsHandler();
  servers.push(createServer((req, res) => void handler(req, res)));
  for (const s of servers) t.after(() => s.close());
  const origins = [new URL(monitoring.metricsUrl!).origin, ...(await Promise.all(servers.map(listen)))];
  for (const origin of origins) {
    const res = await fetch(`${origin}/metrics`);
    assert.equal(res.status, 200, origin);
    assert.match(await res.text(), /^# HELP /m);
  }
  // The SDK's server and httpHandler(): the whole surface.
  for (const origin of [origins[0]!, origins[2]!]) {
    assert.equal((await fetch(`${origin}/healthz`)).status, 401, `${origin}/healthz is no longer exempt`);
    assert.equal((await fetch(`${origin}/dashboard`)).status, 401);
  }
});
