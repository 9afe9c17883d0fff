import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { MonitoringService } from '../../src/index.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { find, parseExposition } from '../helpers/exposition.ts';
import { launchChromium } from '../helpers/browser.ts';
import { start, stopAll } from '../helpers/service.ts';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await stopAll();
});

// The callbacks below run in the page; these are the few DOM names they use (the project compiles without lib dom).
type HTMLElement = { dataset: Record<string, string | undefined>; textContent: string | null };
declare const document: { getElementById(id: string): HTMLElement | null; cookie: string };

const launch = launchChromium;

async function bot(monitoring: MonitoringService): Promise<void> {
  monitoring.updatePortfolioMetrics({ portfolioValue: 12_345.5, balance: 6000, openPositions: {} });
  monitoring.recordTradingSignal({ symbol: 'BTC/USD', direction: 'buy', modelType: 'm', confidenceLevel: 0.7 });
  await monitoring.sampleDashboardHistory();
}

type Page = Awaited<ReturnType<Browser['newPage']>>;

/** Waits for the dashboard to draw a sample and returns the portfolio value it shows. */
async function shownPortfolio(page: Page): Promise<number> {
  await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.samples ?? 0) >= 1, undefined, {
    timeout: 30_000,
  });
  await page.waitForFunction(() => document.getElementById('v-portfolio')?.dataset.value !== undefined, undefined, {
    timeout: 30_000,
  });
  return page.evaluate(() => Number(document.getElementById('v-portfolio')!.dataset.value));
}

test(
  'bearer auth in Chromium: the dashboard asks for the token, refuses a wrong one, shows the data with the right one behind an HttpOnly SameSite=Strict cookie, which a restart with another token revokes; sign out',
  { timeout: 120_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const first = await start({ auth: { bearerToken: 'first-token-81c4' }, dashboard: { intervalSeconds: 1 } });
    await bot(first.monitoring);
    const url = first.monitoring.dashboardUrl!;
    const port = Number(new URL(url).port);
    browser = await launch();
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const landing = await page.goto(url);
    assert.equal(landing?.status(), 401);
    assert.equal(await page.title(), 'Bot monitoring: sign in');
    await page.fill('#token', 'first-token-81c5');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match((await page.textContent('#login-error')) ?? '', /not the token/);
    assert.deepEqual(await context.cookies(), [], 'no cookie for a wrong token');

    await page.fill('#token', 'first-token-81c4');
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
    const value = await shownPortfolio(page);
    assert.equal(value, find(await scrapeWith(first.monitoring, 'first-token-81c4'), 'portfolio_value')[0]!.value);
    assert.equal(value, 12_345.5);
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    const [cookie] = cookies;
    assert.equal(cookie!.name, `evil2root_session_${port}`);
    assert.equal(cookie!.httpOnly, true);
    assert.equal(cookie!.sameSite, 'Strict');
    assert.equal(cookie!.path, '/');
    assert.equal(cookie!.secure, false, 'plain HTTP on loopback');
    const hours = (cookie!.expires - Date.now() / 1000) / 3600;
    assert.ok(hours > 11.9 && hours <= 12, `expires in ${hours} h`);
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session');

    // Same port, another token: the cookie the browser still holds opens nothing.
    await stopAll();
    const second = await start({ port, auth: { bearerToken: 'second-token-2b7e' }, dashboard: { intervalSeconds: 1 } });
    await bot(second.monitoring);
    assert.equal((await context.cookies()).length, 1, 'the browser still sends its old cookie');
    const reload = await page.goto(url);
    assert.equal(reload?.status(), 401);
    assert.equal(await page.title(), 'Bot monitoring: sign in');
    await page.fill('#token', 'second-token-2b7e');
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
    assert.equal(await shownPortfolio(page), 12_345.5);

    await page.goto(new URL('/logout', url).href);
    await Promise.all([page.waitForURL(new URL('/login', url).href), page.click('#logout')]);
    assert.deepEqual(await context.cookies(), [], 'signed out');
    assert.equal((await page.goto(url))?.status(), 401);
    assert.deepEqual(errors, []);
  },
);

test(
  'basic auth in Chromium: the browser prompt (credentials given to the context) opens the dashboard',
  { timeout: 60_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({
      auth: { username: 'ops', password: 'pw-1d9' },
      dashboard: { intervalSeconds: 1 },
    });
    await bot(monitoring);
    browser = await launch();
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'pw-1d9' } });
    const page = await context.newPage();
    assert.equal((await page.goto(monitoring.dashboardUrl!))?.status(), 200);
    assert.equal(await shownPortfolio(page), 12_345.5);
    assert.deepEqual(await context.cookies(), [], 'basic auth needs no session');
    // Without credentials Chromium's prompt has nothing to answer with: the navigation is refused.
    const refused = await browser.newContext();
    await assert.rejects((await refused.newPage()).goto(monitoring.dashboardUrl!), /ERR_INVALID_AUTH_CREDENTIALS/);
  },
);

async function scrapeWith(monitoring: MonitoringService, token: string) {
  const res = await fetch(monitoring.metricsUrl!, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return parseExposition(await res.text());
}
