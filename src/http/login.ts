import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthCheck } from './auth.ts';
import { plainResponse } from './respond.ts';
import { COMMON_HEADERS, NO_STORE } from './security-headers.ts';
import { SESSION_SECONDS, type SessionCookies } from './session.ts';

/** GET: the sign-in form; POST: trades the token for a session cookie. */
export const LOGIN_PATH = '/login';
/** GET: the sign-out button; POST: deletes the session cookie. */
export const LOGOUT_PATH = '/logout';

/** A token is a line, not a document: a form body above this is not a sign-in. */
const MAX_FORM_BYTES = 4096;

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:22rem;margin:12vh auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.2rem;margin:0 0 1rem}label{display:block;margin-bottom:.3rem}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;margin-bottom:1rem}
button{padding:.5rem 1rem;font:inherit;cursor:pointer}.error{color:#b3261e}.hint{color:#5b6270;font-size:13px}`;

/**
 * No script at all; the one inline style allowed by its hash. `form-action 'self'`: the form posts
 * to this origin only, whatever is injected into the page.
 */
const LOGIN_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The sign-in form; `next` is where a successful sign-in lands (a path the surface serves). */
export function loginPageHtml(next: string, failed: boolean): string {
  const error = failed
    ? '<p class="error" id="login-error" role="alert">That is not the token this bot was started with.</p>\n'
    : '';
  return page(
    'Bot monitoring: sign in',
    `<h1>Bot monitoring</h1>
<form method="post" action="${LOGIN_PATH}">
<input type="text" name="username" value="bot-monitoring" autocomplete="username" hidden>
<label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
${error}<button type="submit">Sign in</button>
</form>
<p class="hint">The bearer token the bot was started with (<code>auth.bearerToken</code> or <code>MONITORING_AUTH_TOKEN</code>).
Signing in keeps this browser signed in for ${SESSION_SECONDS / 3600} hours, or until the bot restarts or its token changes.</p>`,
  );
}

const LOGOUT_HTML = page(
  'Bot monitoring: sign out',
  `<h1>Bot monitoring</h1>
<form method="post" action="${LOGOUT_PATH}">
<button type="submit" id="logout">Sign out</button>
</form>`,
);

/** An HTML page of this module, with its own CSP; `headers` adds to (or replaces) the defaults. */
export function sendPage(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-security-policy': LOGIN_CSP,
    // The surface's `no-referrer` would make the browser send `Origin: null` with the form, which sameOrigin refuses.
    'referrer-policy': 'same-origin',
    'cache-control': NO_STORE,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    ...headers,
  });
  res.end(html);
}

/** True when a browser asks for a page (a navigation), not a scraper or a script asking for data. */
export function wantsHtml(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
}

/**
 * True when a POST comes from a page of this very origin. Browsers send `Origin` with every POST and
 * a page cannot forge it, so its host (with the port) must equal the `Host` the request was sent to;
 * `Origin: null` (a sandboxed frame, a file) is refused. Without `Origin`, only a browser's
 * `Sec-Fetch-Site: same-origin` is accepted: a program has no use for this form, it sends the header.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const host = req.headers.host;
  const origin = req.headers.origin;
  if (host === undefined) return false;
  if (origin === undefined) return req.headers['sec-fetch-site'] === 'same-origin';
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/** The form body, or undefined when it is too large (the response is then sent and the socket closed). */
async function readForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooLarge = () => plainResponse(res, 413, 'request body too large\n', { connection: 'close' });
  if (declared > MAX_FORM_BYTES) {
    tooLarge();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) {
      tooLarge();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** What the sign-in routes need from the surface. */
export interface LoginSettings {
  readonly auth: AuthCheck;
  readonly sessions: SessionCookies;
  /** True for a path a signed-in browser may be sent to after signing in. */
  readonly isPage: (path: string) => boolean;
  /** Where a sign-in lands when the form names no page: the dashboard when it is served. */
  readonly landing: string;
}

/**
 * `/login` and `/logout`. GET only renders a form, so no GET changes anything; the POSTs check
 * that they come from this origin (see `sameOrigin`) and read a bounded form body. The session
 * cookie is `SameSite=Strict`, so no other site's page can make the browser send it, and every
 * data route is GET without side effects: that is the CSRF protection.
 */
export function createLoginRoutes(
  settings: LoginSettings,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { auth, sessions, isPage, landing } = settings;
  const target = (next: string | null) =>
    next !== null && next !== LOGIN_PATH && next !== LOGOUT_PATH && isPage(next) ? next : landing;
  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      if (path === LOGIN_PATH) {
        const next = target(new URL(req.url ?? '/', 'http://x').searchParams.get('next'));
        sendPage(res, 200, loginPageHtml(next, false));
      } else sendPage(res, 200, LOGOUT_HTML);
      return;
    }
    if (method !== 'POST') {
      plainResponse(res, 405, 'method not allowed\n', { allow: 'GET, HEAD, POST' });
      return;
    }
    if (!sameOrigin(req)) {
      plainResponse(res, 403, 'forbidden: the form must be sent from this origin\n', { connection: 'close' });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      plainResponse(res, 415, 'expected an application/x-www-form-urlencoded form\n', { connection: 'close' });
      return;
    }
    const form = await readForm(req, res);
    if (form === undefined) return;
    if (path === LOGOUT_PATH) {
      res.writeHead(303, {
        ...COMMON_HEADERS,
        'cache-control': NO_STORE,
        location: LOGIN_PATH,
        'set-cookie': sessions.clear(req),
        'content-length': 0,
      });
      res.end();
      return;
    }
    const token = form.get('token') ?? '';
    const next = target(form.get('next'));
    if (token === '' || !auth.verify(`Bearer ${token}`)) {
      sendPage(res, 401, loginPageHtml(next, true), { 'www-authenticate': auth.challenge });
      return;
    }
    res.writeHead(303, {
      ...COMMON_HEADERS,
      'cache-control': NO_STORE,
      location: next,
      'set-cookie': sessions.issue(req),
      'content-length': 0,
    });
    res.end();
  };
}
