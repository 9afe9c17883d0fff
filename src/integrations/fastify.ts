import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServerMetrics } from './http-server.ts';

/** The parts of a Fastify instance, request and reply used here (duck-typed: fastify is an optional peer and never imported). */
interface FastifyInstanceLike {
  server?: {
    prependListener?: (event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void) => unknown;
  };
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown;
  get(path: string, handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => unknown): unknown;
}
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { url?: string };
  routerPath?: string;
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): unknown;
}

/** A Fastify plugin function with fastify-plugin's markers, so its hook applies to the whole app, not an encapsulated child. */
export interface FastifyMetricsPlugin {
  /**
   * Called by Fastify's `register`: adds the request timing (and GET `/metrics` when mounted by the `app` option) to
   * `instance`; `options` are ignored; `done` gets the error when that fails.
   */
  (instance: unknown, options: unknown, done: (error?: Error) => void): void;
}

const ROUTE = Symbol.for('@evil2root/monitoring.fastify.route');
type Routed = IncomingMessage & { [ROUTE]?: string };

/**
 * The plugin of `monitoring.fastifyPlugin`. Requests are timed from the raw server's `request`
 * event, so even those Fastify answers before any hook (a malformed URL) are counted; an
 * `onRequest` hook then records the route template Fastify matched (`request.routeOptions.url`),
 * absent for a 404. `metrics`, when given, is served as GET `/metrics`.
 */
export function createFastifyPlugin(
  recorder: HttpServerMetrics,
  metrics?: (request: FastifyRequestLike, reply: FastifyReplyLike) => unknown,
): FastifyMetricsPlugin {
  const routeOf = (req: Routed) => () => req[ROUTE];
  const plugin: FastifyMetricsPlugin = (instance, _options, done) => {
    try {
      const app = instance as FastifyInstanceLike;
      app.server?.prependListener?.('request', (req, res) => recorder.track(req, res, routeOf(req)));
      app.addHook('onRequest', (request, reply, next) => {
        const raw = request.raw as Routed;
        const url = request.routeOptions?.url ?? request.routerPath;
        if (url !== undefined) raw[ROUTE] = url;
        // Requests injected without a server (fastify.inject) start here.
        recorder.track(raw, reply.raw, routeOf(raw));
        next();
      });
      if (metrics !== undefined) app.get('/metrics', metrics);
      done();
    } catch (error) {
      done(error as Error);
    }
  };
  const marked = plugin as unknown as Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = '@evil2root/monitoring';
  marked[Symbol.for('plugin-meta')] = { name: '@evil2root/monitoring' };
  return plugin;
}

/** Registers the plugin (with `/metrics`) on a Fastify app; it loads when the app becomes ready. */
export function attachFastify(app: unknown, plugin: FastifyMetricsPlugin): void {
  (app as { register(plugin: FastifyMetricsPlugin): unknown }).register(plugin);
}
