import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServerMetrics } from './http-server.ts';

/** The parts of an Express request read here (duck-typed: express is an optional peer and never imported). */
interface ExpressRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
}

interface RouterLayer {
  route?: unknown;
  handle?: { stack?: unknown };
  match?: (path: string) => unknown;
}

/** An Express middleware: `(req, res, next)`. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Mount paths resolved to their templates, per app; bounded, since a mount with a parameter has one entry per value. */
const MAX_CACHED_MOUNTS = 1000;

/**
 * The route template of an Express request: the mount templates of the nested routers it went
 * through plus the matched route's path (`/users/:uid` + `/orders/:id`). `req.baseUrl` holds the
 * concrete mount path, so it is matched back against the routers' layers (Express 5's router
 * reports the pattern); a mount that cannot be resolved is left out rather than recorded raw.
 */
export function expressRoute(
  app: unknown,
  req: IncomingMessage,
  mounts: Map<string, string | undefined>,
): string | undefined {
  const r = req as ExpressRequest;
  const path = r.route?.path;
  if (path === undefined) return undefined;
  const template = typeof path === 'string' ? path : String(path);
  const base = r.baseUrl ?? '';
  if (base === '') return template;
  let mount = mounts.get(base);
  if (mount === undefined && !mounts.has(base)) {
    mount = resolveMount(app, base);
    if (mounts.size >= MAX_CACHED_MOUNTS) mounts.clear();
    mounts.set(base, mount);
  }
  return mount === undefined ? template : mount + template;
}

function stackOf(value: unknown): RouterLayer[] | undefined {
  const stack = (value as { stack?: unknown } | undefined)?.stack;
  return Array.isArray(stack) ? (stack as RouterLayer[]) : undefined;
}

function resolveMount(app: unknown, baseUrl: string): string | undefined {
  const a = app as { router?: unknown; _router?: unknown } | undefined;
  let stack = stackOf(a?.router) ?? stackOf(a?._router);
  let rest = baseUrl;
  let out = '';
  while (rest !== '' && stack !== undefined) {
    let next: RouterLayer[] | undefined;
    for (const layer of stack) {
      if (layer.route !== undefined || typeof layer.match !== 'function') continue;
      const inner = stackOf(layer.handle);
      if (inner === undefined) continue;
      const m = layer.match(rest) as { path?: unknown; pattern?: unknown } | false;
      if (
        typeof m !== 'object' ||
        m === null ||
        typeof m.pattern !== 'string' ||
        typeof m.path !== 'string' ||
        m.path === ''
      )
        continue;
      out += m.pattern === '/' ? '' : m.pattern;
      rest = rest.slice(m.path.length);
      next = inner;
      break;
    }
    if (next === undefined) return undefined;
    stack = next;
  }
  return rest === '' ? out : undefined;
}

/** The middleware of `monitoring.expressMiddleware()`: times every request that reaches it. Mount it first. */
export function createExpressMiddleware(recorder: HttpServerMetrics, app?: unknown): ExpressMiddleware {
  const mounts = new Map<string, string | undefined>();
  return function evil2rootHttpMetrics(req, res, next) {
    const owner = app ?? (req as { app?: unknown }).app;
    recorder.track(req, res, () => expressRoute(owner, req, mounts));
    next();
  };
}

/**
 * Attaches to an Express app whatever the order of its routes: `app.handle` (which Express calls
 * for every request, mounted or not) is wrapped to time the request, and `/metrics` is added as a
 * GET route.
 */
export function attachExpress(
  app: unknown,
  recorder: HttpServerMetrics,
  metrics: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): void {
  const a = app as {
    handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => unknown;
    get: (path: string, handler: unknown) => unknown;
  };
  const middleware = createExpressMiddleware(recorder, app);
  const original = a.handle;
  const noop = () => {};
  a.handle = function handle(this: unknown, req: IncomingMessage, res: ServerResponse, next?: unknown) {
    middleware(req, res, noop);
    return original.call(this, req, res, next);
  };
  a.get('/metrics', metrics);
}
