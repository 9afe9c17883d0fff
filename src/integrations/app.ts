import type { IncomingMessage, ServerResponse } from 'node:http';
import { MonitoringConfigError } from '../core/errors.ts';
import { refuse, type AccessGate } from '../http/gate.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import type { RouteHandler } from '../http/surface.ts';
import { attachExpress } from './express.ts';
import { attachFastify, createFastifyPlugin } from './fastify.ts';
import type { HttpServerMetrics } from './http-server.ts';

/** The web frameworks `initEnhancedMonitoring({ app })` attaches to. */
export type WebFramework = 'express' | 'fastify';

/** What the `app` option accepts, for error messages. */
export const APP_EXPECTED = 'an Express app (express()) or a Fastify instance (fastify()) created before listen()';

const isFn = (v: unknown, key: string) => typeof (v as Record<string, unknown>)[key] === 'function';

/** Which framework an app value is, by shape (neither package is imported); undefined for anything else. */
export function detectFramework(app: unknown): WebFramework | undefined {
  if (typeof app === 'function' && ['use', 'handle', 'set', 'listen', 'get'].every((k) => isFn(app, k)))
    return 'express';
  if (
    typeof app === 'object' &&
    app !== null &&
    ['register', 'addHook', 'route', 'inject', 'get'].every((k) => isFn(app, k))
  )
    return 'fastify';
  return undefined;
}

/** A Fastify request as far as the metrics handler needs it. */
export interface RawRequestHolder {
  /** The node:http request underneath (Fastify's `request.raw`). */
  raw: IncomingMessage;
}
/** A Fastify reply as far as the metrics handler needs it. */
export interface RawReplyHolder {
  /** The node:http response underneath (Fastify's `reply.raw`), which the handler writes to. */
  raw: ServerResponse;
  /** Tells Fastify the handler answers on `raw` itself, so Fastify sends nothing; its return value is ignored. */
  hijack(): unknown;
}

/**
 * The handler of `monitoring.metricsHandler()`: a node:http `(req, res)` handler (plain node:http,
 * Express) that also accepts Fastify's `(request, reply)`, so `app.get('/metrics', handler)` works
 * on all three. The exposition comes from the same handler as the SDK's own server.
 */
export interface MetricsHandler {
  /** node:http or Express: writes the exposition to `res`; resolves once the response is written. */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Fastify: hijacks `reply` and writes the exposition to `reply.raw`; resolves once the response is written. */
  (request: RawRequestHolder, reply: RawReplyHolder): Promise<void>;
}

/** The route the handler serves wherever it is mounted: exempt from `auth` only when `authExemptPaths` lists it. */
export const METRICS_PATH = '/metrics';

/**
 * The exposition behind `gate`: the same credentials as the SDK's own server (header or session),
 * a 401 with `WWW-Authenticate` otherwise, whatever path the bot mounts it on.
 */
export function createMetricsHandler(handle: RouteHandler, gate: AccessGate): MetricsHandler {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The same headers as every response of the SDK's own server.
    setSecurityHeaders(res);
    if (!gate.admits(req, METRICS_PATH)) {
      refuse(gate, res);
      return;
    }
    await handle(req, res);
  };
  return (async (req: IncomingMessage | RawRequestHolder, res: ServerResponse | RawReplyHolder): Promise<void> => {
    if (!('writeHead' in res) && 'raw' in res && 'raw' in req) {
      // Fastify: it must not answer the request itself once our handler writes to the raw response.
      res.hijack();
      await serve(req.raw, res.raw);
      return;
    }
    await serve(req as IncomingMessage, res as ServerResponse);
  }) as MetricsHandler;
}

/**
 * `initEnhancedMonitoring({ app })`: mounts GET `/metrics` (behind `auth`) and the request metrics on an Express or
 * Fastify app. Throws MonitoringConfigError (option `app`) for anything else or an app that can no
 * longer take routes.
 */
export function attachApp(app: unknown, recorder: HttpServerMetrics, metrics: MetricsHandler): WebFramework {
  const framework = detectFramework(app);
  if (framework === undefined)
    throw new MonitoringConfigError(
      `option 'app' must be ${APP_EXPECTED}, got ${typeof app === 'function' ? 'a function' : app === null ? 'null' : typeof app}`,
      'app',
    );
  try {
    if (framework === 'express') attachExpress(app, recorder, metrics);
    else attachFastify(app, createFastifyPlugin(recorder, metrics));
  } catch (error) {
    throw new MonitoringConfigError(
      `option 'app': cannot attach to the ${framework} app (${(error as Error).message}); pass it before the app listens`,
      'app',
      { cause: error },
    );
  }
  return framework;
}
