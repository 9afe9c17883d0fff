import type { ServerResponse } from 'node:http';

/** Headers on every response of the SDK's HTTP surface: the surface sets them before any route runs. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  // Data and errors: nothing may run or load from them.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
});

/**
 * The dashboard page: its script, style and data from this origin only, nothing inline and no
 * outside host (the page must work on a machine with no internet, and leak nothing to one).
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Data (metrics, series, health) is never cached by a browser or proxy. */
export const NO_STORE = 'no-store';

const DEFAULT_HEADERS: readonly (readonly [string, string])[] = Object.entries({
  ...COMMON_HEADERS,
  'cache-control': NO_STORE,
});

/**
 * Sets the security headers (and `Cache-Control: no-store`) on a response before its handler runs, so
 * every route, status and method carries them without the route knowing. A handler's own `writeHead`
 * headers are merged over them (the page's CSP, the assets' `no-cache`).
 */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of DEFAULT_HEADERS) res.setHeader(name, value);
}
