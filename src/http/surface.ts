import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import type { AuthOptions } from './options.ts';
import { createAuthCheck } from './auth.ts';
import { COMMON_HEADERS } from './security-headers.ts';

/** Answers one request on a route; may be async. Errors become a bare 500. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface SurfaceSettings {
  readonly auth: false | Readonly<AuthOptions>;
  /** Exact paths served without authentication. */
  readonly authExemptPaths: readonly string[];
  readonly logger: Logger;
}

function plain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** A request that announces a body: GET and HEAD take none, so none is read. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The whole HTTP surface as one node:http handler: GET and HEAD only (405), no request body (413),
 * authentication on every path but the exempt ones (401 with WWW-Authenticate), exact-path routes
 * (404 otherwise), and fixed error bodies that never carry a stack trace or a file path.
 */
export function createSurfaceHandler(
  routes: ReadonlyMap<string, RouteHandler>,
  settings: SurfaceSettings,
): (req: IncomingMessage, res: ServerResponse) => void {
  const auth = settings.auth === false ? undefined : createAuthCheck(settings.auth);
  const exempt = new Set(settings.authExemptPaths);
  const { logger } = settings;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    if (hasBody(req)) {
      // Closing the connection: the unread body must not be parsed as the next request.
      plain(res, 413, 'request body not accepted\n', { connection: 'close' });
      return;
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (auth !== undefined && !exempt.has(path) && !auth.verify(req.headers.authorization)) {
      plain(res, 401, 'unauthorized\n', { 'www-authenticate': auth.challenge });
      return;
    }
    const handler = routes.get(path);
    if (handler === undefined) {
      plain(res, 404, 'not found\n');
      return;
    }
    const fail = (error: unknown) => {
      logger.error(`handler for ${path} failed: ${(error as Error)?.message ?? String(error)}`);
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    };
    try {
      const pending = handler(req, res);
      if (pending !== undefined) pending.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
