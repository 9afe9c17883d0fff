import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.ts';
import type { AuthOptions } from './options.ts';
import { createAccessGate, refuse, type AccessGate } from './gate.ts';
import { createHostCheck } from './hosts.ts';
import { createLoginRoutes, LOGIN_PATH, loginPageHtml, LOGOUT_PATH, sendPage, wantsHtml } from './login.ts';
import { plainResponse } from './respond.ts';
import { setSecurityHeaders } from './security-headers.ts';

/** Answers one request on a route; may be async. Errors become a bare 500. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The whole surface as one node:http handler, and the exact paths it serves. */
export interface SurfaceHandler {
  /** Answers one request to any path; never throws (a failing route answers a bare 500). */
  (req: IncomingMessage, res: ServerResponse): void;
  /**
   * Every path answered (all others get 404 once authenticated): `/metrics`, `/`, `/healthz`,
   * `/readyz`, the dashboard's, and `/login` and `/logout` with a bearer token. For a framework that
   * mounts per path: `for (const path of handler.paths) app.all(path, handler)`.
   */
  readonly paths: readonly string[];
}

export interface SurfaceSettings {
  readonly auth: false | Readonly<AuthOptions>;
  /** Exact paths served without authentication. */
  readonly authExemptPaths: readonly string[];
  /** The gate to share with other mountings (its sessions then hold on all of them); made from `auth` when absent. */
  readonly gate?: AccessGate;
  /**
   * Host names served besides the loopback names (421 for any other `Host`); `false` or undefined:
   * any Host. The SDK's server passes its default here (see `defaultAllowedHosts`).
   */
  readonly allowedHosts?: false | readonly string[] | undefined;
  readonly logger: Logger;
}

/** A request that announces a body: GET and HEAD take none, so none is read. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The whole HTTP surface as one node:http handler: security headers on every response, `Host`
 * checked against the allowed names (421), GET and HEAD only (405), no request body (413),
 * authentication on every path but the exempt ones (401 with WWW-Authenticate; a browser asking
 * for a page gets the sign-in form with a bearer token), exact-path routes (404 otherwise), and
 * fixed error bodies that never carry a stack trace or a file path. With a bearer token, `/login`
 * and `/logout` trade it for a session cookie (see `createLoginRoutes`): the only POSTs.
 */
export function createSurfaceHandler(
  routes: ReadonlyMap<string, RouteHandler>,
  settings: SurfaceSettings,
): SurfaceHandler {
  const gate = settings.gate ?? createAccessGate(settings.auth, settings.authExemptPaths);
  const { auth, sessions } = gate;
  const landing = routes.has('/dashboard') ? '/dashboard' : '/metrics';
  const login =
    auth === undefined || sessions === undefined
      ? undefined
      : createLoginRoutes({ auth, sessions, isPage: (path) => routes.has(path), landing });
  const hosts =
    settings.allowedHosts === undefined || settings.allowedHosts === false
      ? undefined
      : createHostCheck(settings.allowedHosts);
  const { logger } = settings;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
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
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
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
    if (login !== undefined && (path === LOGIN_PATH || path === LOGOUT_PATH)) {
      login(req, res, path).catch(fail);
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
    if (!gate.admits(req, path)) {
      if (login !== undefined && wantsHtml(req)) {
        // A browser: the sign-in form in place of the page, landing back here (a path not served lands on the default).
        const next = routes.has(path) ? path : landing;
        sendPage(res, 401, loginPageHtml(next, false), { 'www-authenticate': auth?.challenge ?? '' });
      } else refuse(gate, res);
      return;
    }
    const route = routes.get(path);
    if (route === undefined) {
      plainResponse(res, 404, 'not found\n');
      return;
    }
    try {
      const pending = route(req, res);
      if (pending !== undefined) pending.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
  const paths = [...routes.keys()];
  if (login !== undefined) paths.push(LOGIN_PATH, LOGOUT_PATH);
  return Object.assign(handler, { paths: Object.freeze(paths) });
}
