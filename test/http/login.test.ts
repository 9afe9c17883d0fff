import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { createSessionCookies, SESSION_SECONDS } from '../../src/http/session.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const TOKEN = 'login-token-5d2e';
const FORM = 'application/x-www-form-urlencoded';

/** The cookie attributes of a Set-Cookie value, lower-cased names. */
function attributes(setCookie: string): { name: string; value: string; attrs: Map<string, string> } {
  const [pair = '', ...rest] = setCookie.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const attrs = new Map(
    rest.map((a) => {
      const i = a.indexOf('=');
      return i === -1 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
    }),
  );
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs };
}

async function signedIn() {
  const { monitoring } = await start({ auth: { bearerToken: TOKEN } });
  const origin = new URL(monitoring.metricsUrl!).origin;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${origin}${path}`, {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: { 'content-type': FORM, origin, ...headers },
    });
  return { monitoring, origin, post };
}

test('POST /login: the right token gives a 303 to the page asked for and an HttpOnly, SameSite=Strict, Path=/ session cookie of 12 hours that opens every route', async () => {
  const { origin, post } = await signedIn();
  const port = new URL(origin).port;
  const res = await post('/login', `token=${TOKEN}&next=%2Fapi%2Fv1%2Fseries`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/api/v1/series');
  const cookie = attributes(res.headers.get('set-cookie') ?? '');
  assert.equal(cookie.name, `evil2root_session_${port}`);
  assert.equal(cookie.attrs.get('path'), '/');
  assert.equal(cookie.attrs.get('samesite'), 'Strict');
  assert.ok(cookie.attrs.has('httponly'));
  assert.ok(!cookie.attrs.has('secure'), 'not Secure over plain HTTP (the browser would drop it)');
  assert.equal(Number(cookie.attrs.get('max-age')), SESSION_SECONDS);
  assert.equal(SESSION_SECONDS, 12 * 3600);
  assert.doesNotMatch(cookie.value, new RegExp(TOKEN), 'the cookie does not carry the token');
  const sent = { cookie: `other=1; ${cookie.name}=${cookie.value}` };
  for (const path of ['/metrics', '/dashboard', '/api/v1/series', '/readyz'])
    assert.equal((await fetch(`${origin}${path}`, { headers: sent })).status, 200, path);
  // The same value under another port's name, or altered by one character, opens nothing.
  const other = { cookie: `evil2root_session_1${port}=${cookie.value}` };
  assert.equal((await fetch(`${origin}/metrics`, { headers: other })).status, 401);
  const at = cookie.value.indexOf('.') + 1;
  const first = cookie.value[at] === 'A' ? 'B' : 'A';
  const altered = { cookie: `${cookie.name}=${cookie.value.slice(0, at)}${first}${cookie.value.slice(at + 1)}` };
  assert.equal((await fetch(`${origin}/metrics`, { headers: altered })).status, 401);
  // The same MAC spelled otherwise (the last character's spare bits flipped decodes to the same bytes).
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelled = `${cookie.value.slice(0, -1)}${B64[B64.indexOf(cookie.value.at(-1)!) ^ 1]}`;
  assert.deepEqual(
    Buffer.from(respelled.split('.')[1]!, 'base64url'),
    Buffer.from(cookie.value.split('.')[1]!, 'base64url'),
  );
  assert.equal((await fetch(`${origin}/metrics`, { headers: { cookie: `${cookie.name}=${respelled}` } })).status, 401);
  // A later expiry written by the client: the MAC no longer matches.
  const [expires, mac] = cookie.value.split('.');
  const extended = { cookie: `${cookie.name}=${Number(expires) + 86400}.${mac}` };
  assert.equal((await fetch(`${origin}/metrics`, { headers: extended })).status, 401);
});

test('POST /login: a wrong token gets 401 and the form again; a foreign or missing Origin 403; another type 415; a large body 413; next cannot leave the surface', async () => {
  const { origin, post } = await signedIn();
  const wrong = await post('/login', 'token=login-token-5d2f&next=%2Fdashboard');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  assert.match(await wrong.text(), /not the token this bot was started with/);
  assert.equal((await post('/login', 'next=%2Fdashboard')).status, 401, 'no token');
  assert.equal((await post('/login', `token=${TOKEN}`, { origin: 'http://evil.example' })).status, 403);
  assert.equal((await post('/login', `token=${TOKEN}`, { origin: 'null' })).status, 403);
  const port = Number(new URL(origin).port);
  assert.equal((await post('/login', `token=${TOKEN}`, { origin: `http://127.0.0.1:${port + 1}` })).status, 403);
  const noOrigin = await fetch(`${origin}/login`, {
    method: 'POST',
    body: `token=${TOKEN}`,
    redirect: 'manual',
    headers: { 'content-type': FORM },
  });
  assert.equal(noOrigin.status, 403);
  assert.equal(
    (await post('/login', JSON.stringify({ token: TOKEN }), { 'content-type': 'application/json' })).status,
    415,
  );
  assert.equal((await post('/login', `token=${TOKEN}&pad=${'x'.repeat(5000)}`)).status, 413);
  for (const next of ['//evil.example/', 'https://evil.example/', '/login', '/nope', '/dashboard/../metrics']) {
    const res = await post('/login', `token=${TOKEN}&next=${encodeURIComponent(next)}`);
    assert.equal(res.status, 303, next);
    assert.equal(res.headers.get('location'), '/dashboard', `next=${next} lands on the dashboard`);
  }
  // A PUT is neither a form post nor a page.
  assert.equal((await fetch(`${origin}/login`, { method: 'PUT', headers: { origin } })).status, 405);
});

test('a browser without a session gets the sign-in form (401, no script, posting to this origin); a scraper gets plain 401; GET never signs in or out', async () => {
  const { origin } = await signedIn();
  const page = await fetch(`${origin}/dashboard`, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 401);
  assert.match(page.headers.get('www-authenticate') ?? '', /^Bearer /);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /form-action 'self'/);
  assert.doesNotMatch(csp, /script-src/);
  const html = await page.text();
  assert.match(html, /<form method="post" action="\/login">/);
  assert.match(html, /name="next" value="\/dashboard"/);
  assert.doesNotMatch(html, /<script/);
  const scraper = await fetch(`${origin}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } });
  assert.equal(scraper.status, 401);
  assert.equal(await scraper.text(), 'unauthorized\n');
  const get = await fetch(`${origin}/login?token=${TOKEN}`, { redirect: 'manual' });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('set-cookie'), null, 'a GET with the token in the URL does not sign in');
  const logout = await fetch(`${origin}/logout`);
  assert.equal(logout.status, 200);
  assert.equal(logout.headers.get('set-cookie'), null, 'GET /logout only shows the button');
});

test('POST /logout deletes the cookie; a restart with the same token revokes every session', async () => {
  const { monitoring, post } = await signedIn();
  const out = await post('/logout', '');
  assert.equal(out.status, 303);
  assert.equal(out.headers.get('location'), '/login');
  assert.match(
    out.headers.get('set-cookie') ?? '',
    /^evil2root_session_\d+=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/,
  );
  assert.equal((await post('/logout', '', { origin: 'http://evil.example' })).status, 403);

  const cookie = attributes((await post('/login', `token=${TOKEN}`)).headers.get('set-cookie') ?? '');
  const header = { cookie: `${cookie.name}=${cookie.value}` };
  assert.equal((await fetch(new URL('/metrics', monitoring.metricsUrl), { headers: header })).status, 200);
  await stopAll();
  // The same token after a restart: the process key is new.
  const again = await start({ auth: { bearerToken: TOKEN } });
  const url = new URL('/metrics', again.monitoring.metricsUrl);
  const renamed = { cookie: `evil2root_session_${url.port}=${cookie.value}` };
  assert.equal((await fetch(url, { headers: renamed })).status, 401, 'after a restart');
});

test('session cookies: expire after 12 hours, bound to the token, compared whole', () => {
  let now = 1_700_000_000_000;
  const sessions = createSessionCookies(TOKEN, () => now);
  const req = (cookie?: string) =>
    ({
      headers: { host: '127.0.0.1:8000', ...(cookie === undefined ? {} : { cookie }) },
      socket: {},
    }) as IncomingMessage;
  const set = sessions.issue(req());
  const pair = set.split(';')[0]!;
  assert.ok(sessions.verify(req(pair)));
  now += SESSION_SECONDS * 1000 - 1000;
  assert.ok(sessions.verify(req(pair)), 'still valid a second before the end');
  now += 1000;
  assert.ok(!sessions.verify(req(pair)), 'expired at 12 hours');
  now -= 1000;
  // Another token in the same process: another MAC.
  assert.ok(!createSessionCookies(`${TOKEN}x`, () => now).verify(req(pair)));
  for (const bad of ['', 'x', `${pair.split('=')[0]}=`, `${pair}x`, `${pair.slice(0, -2)}`, `${pair.split('.')[0]}.`])
    assert.ok(!sessions.verify(req(bad)), bad);
  assert.ok(!sessions.verify(req(`${pair}; ${'a'.repeat(9000)}=1`)), 'an oversized Cookie header is not parsed');
});

test('over TLS the cookie is Secure and __Host- prefixed', async (t) => {
  if (!requireBinary(t, 'openssl', 'apt-get install openssl')) return;
  const dir = mkdtempSync(join(tmpdir(), 'monitoring-login-tls-'));
  try {
    const { key, cert } = selfSignedCertificate(dir, 'IP:127.0.0.1');
    const ca = readFileSync(cert);
    const { monitoring } = await start({ tls: { key, cert }, auth: { bearerToken: TOKEN } });
    const url = new URL('/login', monitoring.metricsUrl);
    const setCookie = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        url,
        { method: 'POST', ca, headers: { origin: url.origin, 'content-type': FORM } },
        (res) => {
          res.resume();
          assert.equal(res.statusCode, 303);
          resolve(String(res.headers['set-cookie']?.[0] ?? ''));
        },
      );
      req.on('error', reject);
      req.end(`token=${TOKEN}`);
    });
    const cookie = attributes(setCookie);
    assert.equal(cookie.name, `__Host-evil2root_session_${url.port}`);
    assert.ok(cookie.attrs.has('secure'));
    assert.equal(cookie.attrs.get('path'), '/');
    assert.ok(!cookie.attrs.has('domain'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
