// Per-request cost of the web integrations: Express 5 and Fastify 5 with and without the request
// metrics (autocannon in its own process, 10 connections, interleaved rounds), and `fetch` with and
// without the undici instrumentation (a bounded loop of sequential requests on loopback).
// Run: npm exec -- node --conditions=@evil2root/source bench/http-middleware.ts   (BENCH_QUICK=1: short)
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import express from 'express';
import Fastify from 'fastify';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { initEnhancedMonitoring, silentLogger } from '../src/index.ts';
import { table } from './harness.ts';

export interface ServerContestant {
  /** Median requests per second over the rounds. */
  requestsPerSecond: number;
  /** 1e6 / requestsPerSecond: CPU-bound cost of one request on the single server thread. */
  microsPerRequest: number;
  p99Ms: number;
}

export interface HttpMiddlewareResult {
  node: string;
  connections: number;
  secondsPerRun: number;
  rounds: number;
  express: { without: ServerContestant; with: ServerContestant; overheadMicros: number };
  fastify: { without: ServerContestant; with: ServerContestant; overheadMicros: number };
  fetch: { requests: number; withoutMicros: number; withMicros: number; overheadMicros: number };
}

interface CannonResult {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}

function autocannon(url: string, connections: number, seconds: number): Promise<CannonResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, '--json', '-c', String(connections), '-d', String(seconds), url],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) return reject(error);
        try {
          resolve(JSON.parse(stdout) as CannonResult);
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function runHttpMiddlewareBench(): Promise<HttpMiddlewareResult> {
  const quick = process.env.BENCH_QUICK === '1';
  const seconds = quick ? 2 : 5;
  const rounds = quick ? 1 : 3;
  const connections = 10;
  const monitoring = await initEnhancedMonitoring({
    port: false,
    systemMetrics: false,
    dashboard: false,
    logger: silentLogger,
  });
  try {
    const expressApp = (instrumented: boolean) => {
      const app = express();
      if (instrumented) app.use(monitoring.expressMiddleware());
      app.get('/orders/:id', (req, res) => {
        res.json({ id: req.params.id });
      });
      return app;
    };
    const fastifyApp = async (instrumented: boolean) => {
      const app = Fastify();
      if (instrumented) await app.register(monitoring.fastifyPlugin);
      app.get('/orders/:id', async (request) => ({ id: (request.params as { id: string }).id }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return app;
    };
    const ePlain = createServer(expressApp(false));
    const eWith = createServer(expressApp(true));
    const fPlain = await fastifyApp(false);
    const fWith = await fastifyApp(true);
    const urls = {
      expressWithout: `${await listen(ePlain)}/orders/42`,
      expressWith: `${await listen(eWith)}/orders/42`,
      fastifyWithout: `http://127.0.0.1:${(fPlain.server.address() as AddressInfo).port}/orders/42`,
      fastifyWith: `http://127.0.0.1:${(fWith.server.address() as AddressInfo).port}/orders/42`,
    };
    const runs: Record<keyof typeof urls, CannonResult[]> = {
      expressWithout: [],
      expressWith: [],
      fastifyWithout: [],
      fastifyWith: [],
    };
    for (let r = 0; r < rounds; r++) {
      for (const key of Object.keys(urls) as (keyof typeof urls)[]) {
        const result = await autocannon(urls[key], connections, seconds);
        if (result.non2xx > 0 || result.errors > 0)
          throw new Error(`${key}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        runs[key].push(result);
        process.stderr.write(`round ${r + 1}/${rounds} ${key}: ${Math.round(result.requests.average)} req/s\n`);
      }
    }
    const contestant = (key: keyof typeof urls): ServerContestant => {
      const rps = median(runs[key].map((x) => x.requests.average));
      return {
        requestsPerSecond: Math.round(rps),
        microsPerRequest: Number((1e6 / rps).toFixed(2)),
        p99Ms: median(runs[key].map((x) => x.latency.p99)),
      };
    };
    const pair = (without: ServerContestant, withIt: ServerContestant) => ({
      without,
      with: withIt,
      overheadMicros: Number((withIt.microsPerRequest - without.microsPerRequest).toFixed(2)),
    });
    const expressResult = pair(contestant('expressWithout'), contestant('expressWith'));
    const fastifyResult = pair(contestant('fastifyWithout'), contestant('fastifyWith'));
    await new Promise((resolve) => ePlain.close(resolve));
    await new Promise((resolve) => eWith.close(resolve));
    await fPlain.close();
    await fWith.close();

    // fetch: sequential requests to a plain node server, the instrumentation toggled between rounds.
    const target = createServer((_req, res) => res.end('ok'));
    const base = await listen(target);
    const undici = new UndiciInstrumentation();
    undici.setMeterProvider(monitoring.meterProvider);
    undici.disable();
    const requests = quick ? 500 : 2000;
    const loop = async () => {
      const t0 = performance.now();
      for (let i = 0; i < requests; i++) await (await fetch(`${base}/ticker`)).text();
      return ((performance.now() - t0) * 1000) / requests;
    };
    await loop(); // warm-up: connection pool, JIT
    const without: number[] = [];
    const withIt: number[] = [];
    for (let r = 0; r < (quick ? 2 : 5); r++) {
      without.push(await loop());
      undici.enable();
      withIt.push(await loop());
      undici.disable();
    }
    await new Promise((resolve) => target.close(resolve));
    const fetchResult = {
      requests,
      withoutMicros: Number(median(without).toFixed(1)),
      withMicros: Number(median(withIt).toFixed(1)),
      overheadMicros: Number((median(withIt) - median(without)).toFixed(1)),
    };
    return {
      node: process.version,
      connections,
      secondsPerRun: seconds,
      rounds,
      express: expressResult,
      fastify: fastifyResult,
      fetch: fetchResult,
    };
  } finally {
    await monitoring.shutdown();
  }
}

if (import.meta.main) {
  const r = await runHttpMiddlewareBench();
  console.log(
    `\nHTTP integrations, ${r.rounds} interleaved round(s) of ${r.secondsPerRun} s, ${r.connections} connections, Node ${r.node} (medians)\n`,
  );
  console.log(
    table(
      ['contestant', 'req/s', 'µs/request', 'p99 ms', 'overhead µs'],
      [
        [
          'Express 5',
          String(r.express.without.requestsPerSecond),
          String(r.express.without.microsPerRequest),
          String(r.express.without.p99Ms),
          '',
        ],
        [
          'Express 5 + expressMiddleware()',
          String(r.express.with.requestsPerSecond),
          String(r.express.with.microsPerRequest),
          String(r.express.with.p99Ms),
          String(r.express.overheadMicros),
        ],
        [
          'Fastify 5',
          String(r.fastify.without.requestsPerSecond),
          String(r.fastify.without.microsPerRequest),
          String(r.fastify.without.p99Ms),
          '',
        ],
        [
          'Fastify 5 + fastifyPlugin',
          String(r.fastify.with.requestsPerSecond),
          String(r.fastify.with.microsPerRequest),
          String(r.fastify.with.p99Ms),
          String(r.fastify.overheadMicros),
        ],
      ],
    ),
  );
  console.log(
    `\nfetch, ${r.fetch.requests} sequential requests per round: ${r.fetch.withoutMicros} µs without, ${r.fetch.withMicros} µs with the undici instrumentation (+${r.fetch.overheadMicros} µs)`,
  );
  console.log(`JSON: ${JSON.stringify(r)}`);
}
