import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthCheck, type AuthCheck } from './auth.ts';
import type { AuthOptions } from './options.ts';
import { createSessionCookies, type SessionCookies } from './session.ts';
import { plainResponse } from './respond.ts';

/**
 * Who may read a route, in one place for every mounting of the SDK's routes: its own server,
 * `httpHandler()`, `metricsHandler()` and the `/metrics` route the `app` option adds. One gate per
 * running monitoring, so its browser sessions hold on every mounting and die with it.
 */
export interface AccessGate {
  /** The header check; undefined when no authentication is configured. */
  readonly auth: AuthCheck | undefined;
  /** Browser sessions minted at `/login`; only with a bearer token (basic auth has the browser's own prompt). */
  readonly sessions: SessionCookies | undefined;
  /** True when the request may read `path`: no auth configured, an exempt path, the right header, or a live session. */
  admits(req: IncomingMessage, path: string): boolean;
}

/** The gate of `auth`, exempting exactly `exemptPaths`. */
export function createAccessGate(auth: false | Readonly<AuthOptions>, exemptPaths: readonly string[]): AccessGate {
  const check = auth === false ? undefined : createAuthCheck(auth);
  const sessions = auth !== false && 'bearerToken' in auth ? createSessionCookies(auth.bearerToken) : undefined;
  const exempt = new Set(exemptPaths);
  return {
    auth: check,
    sessions,
    admits(req, path) {
      if (check === undefined || exempt.has(path)) return true;
      return check.verify(req.headers.authorization) || sessions?.verify(req) === true;
    },
  };
}

/** The answer to a request the gate refuses: 401 with the challenge that tells the client how to authenticate. */
export function refuse(gate: AccessGate, res: ServerResponse): void {
  plainResponse(res, 401, 'unauthorized\n', { 'www-authenticate': gate.auth?.challenge ?? '' });
}
