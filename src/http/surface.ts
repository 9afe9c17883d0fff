import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import type { AuthOptions } from './options.ts';
import { createAuthCheck } from './auth.ts';
import { createHostCheck } from './hosts.ts';
import { COMMON_HEADERS, NO_STORE, setSecurityHeaders } from './security-headers.ts';

/** Answers one request on a route; may be async. Errors become a bare 500. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface SurfaceSettings {
  readonly auth: false | Readonly<AuthOptions>;
  /** Exact paths served without authentication. */
  readonly authExemptPaths: readonly string[];
  /**
   * Host names served besides the loopback names (421 for any other `Host`); `false` or undefined:
   * any Host. The SDK's server passes its default here (see `defaultAllowedHosts`).
   */
  readonly allowedHosts?: false | readonly string[] | undefined;
  readonly logger: Logger;
}

/** A fixed plain-text answer carrying the security headers; the body is never built from the request. */
export function plainResponse(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'cache-control': NO_STORE,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
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
 * The whole HTTP surface as one node:http handler: security headers on every response, `Host`
 * checked against the allowed names (421), GET and HEAD only (405), no request body (413),
 * authentication on every path but the exempt ones (401 with WWW-Authenticate), exact-path routes
 * (404 otherwise), and fixed error bodies that never carry a stack trace or a file path.
 */
export function createSurfaceHandler(
  routes: ReadonlyMap<string, RouteHandler>,
  settings: SurfaceSettings,
): (req: IncomingMessage, res: ServerResponse) => void {
  const auth = settings.auth === false ? undefined : createAuthCheck(settings.auth);
  const exempt = new Set(settings.authExemptPaths);
  const hosts =
    settings.allowedHosts === undefined || settings.allowedHosts === false
      ? undefined
      : createHostCheck(settings.allowedHosts);
  const { logger } = settings;
  return (req, res) => {
    setSecurityHeaders(res);
    const host = req.headers.host;
    if (host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
      // RFC 9112 §3.2; an HTTP/1.0 request may omit Host, and no browser sends one without it.
      plainResponse(res, 400, 'missing host header\n', { connection: 'close' });
      return;
    }
    if (hosts !== undefined && host !== undefined && !hosts.allows(host)) {
      plainResponse(res, 421, 'misdirected request: host not allowed\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plainResponse(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    if (hasBody(req)) {
      // Closing the connection: the unread body must not be parsed as the next request.
      plainResponse(res, 413, 'request body not accepted\n', { connection: 'close' });
      return;
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (auth !== undefined && !exempt.has(path) && !auth.verify(req.headers.authorization)) {
      plainResponse(res, 401, 'unauthorized\n', { 'www-authenticate': auth.challenge });
      return;
    }
    const handler = routes.get(path);
    if (handler === undefined) {
      plainResponse(res, 404, 'not found\n');
      return;
    }
    const fail = (error: unknown) => {
      logger.error(`handler for ${path} failed: ${(error as Error)?.message ?? String(error)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Whatever the route had set (a length, a type) does not describe the error body.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      plainResponse(res, 500, 'internal error\n');
    };
    try {
      const pending = handler(req, res);
      if (pending !== undefined) pending.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
