import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * How long a browser session lasts: one working day at the screen. A cookie that leaks (a shared
 * machine, a backup of the browser profile) opens the dashboard for at most this long, and nobody
 * types the token more than once a day.
 */
export const SESSION_SECONDS = 12 * 60 * 60;

/** Longest Cookie header read; a browser sends far less to this surface. */
const MAX_COOKIE_HEADER = 8 * 1024;

/** Browser sessions traded for the bearer token at `/login`, checked without server-side state. */
export interface SessionCookies {
  /** The `Set-Cookie` value of a new session for the request's origin. */
  issue(req: IncomingMessage): string;
  /** The `Set-Cookie` value that deletes the session of the request's origin. */
  clear(req: IncomingMessage): string;
  /** True when the request carries an unexpired session cookie minted by this process for the current token. */
  verify(req: IncomingMessage): boolean;
}

/** True when the request came over TLS to this process (a proxy's `X-Forwarded-Proto` is not trusted). */
export function isTls(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket | null)?.encrypted === true;
}

/**
 * The cookie's name for the request's origin. Browsers share cookies between the ports of a host,
 * so two bots on one machine would overwrite each other's session: the port of the `Host` header
 * is part of the name. Over TLS the `__Host-` prefix makes the browser refuse a cookie that is not
 * `Secure`, has a `Domain` or another `Path`, so a sibling subdomain cannot plant one.
 */
function cookieName(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  const match = /:(\d{1,5})$/.exec(host);
  const port = match?.[1] ?? (isTls(req) ? '443' : '80');
  return `${isTls(req) ? '__Host-' : ''}evil2root_session_${port}`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > MAX_COOKIE_HEADER) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Session cookies for `token`: `<expiry>.<HMAC-SHA256(key, expiry + token)>`, with `key` random for
 * this process. Nothing is stored: a cookie proves it was minted here, for this token, and states its
 * expiry, which the MAC covers. Restarting the process draws a new key and changing the token changes
 * the MAC, so either one revokes every session; the MAC is compared with `timingSafeEqual`.
 */
export function createSessionCookies(token: string, now: () => number = Date.now): SessionCookies {
  const key = randomBytes(32);
  // The token enters the MAC as a digest: its length is not mixed into the timing of anything.
  const tokenDigest = createHash('sha256').update(token, 'utf8').digest('hex');
  const mac = (expires: string) => createHmac('sha256', key).update(`${expires}\n${tokenDigest}`).digest();
  const attributes = (req: IncomingMessage) => `; Path=/; HttpOnly; SameSite=Strict${isTls(req) ? '; Secure' : ''}`;
  return {
    issue(req) {
      const expires = String(Math.floor(now() / 1000) + SESSION_SECONDS);
      const value = `${expires}.${mac(expires).toString('base64url')}`;
      return `${cookieName(req)}=${value}; Max-Age=${SESSION_SECONDS}${attributes(req)}`;
    },
    clear(req) {
      return `${cookieName(req)}=; Max-Age=0${attributes(req)}`;
    },
    verify(req) {
      const value = cookieValue(req.headers.cookie, cookieName(req));
      if (value === undefined) return false;
      const dot = value.indexOf('.');
      const expires = value.slice(0, dot);
      if (dot === -1 || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= now()) return false;
      // The MAC's text is compared, not its decoded bytes: base64url decoding ignores the last
      // character's spare bits, so a second spelling of the same MAC would otherwise pass.
      const given = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(mac(expires).toString('base64url'));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
