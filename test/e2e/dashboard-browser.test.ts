import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { MonitoringService } from '../../src/index.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { parseExposition, find } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await stopAll();
});

// The callbacks below run in the page; these are the few DOM names they use (the project compiles without lib dom).
type HTMLElement = { dataset: Record<string, string | undefined>; textContent: string | null };
declare const document: {
  getElementById(id: string): HTMLElement | null;
  querySelector(selector: string): HTMLElement | null;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];

/** A bot that touches every panel: trades, models (with a drift), API, DB, pool, heartbeat. */
async function scriptedBot(monitoring: MonitoringService): Promise<void> {
  let equity = 10_000;
  for (let step = 0; step < 4; step++) {
    for (const [i, symbol] of SYMBOLS.entries()) {
      for (const direction of ['buy', 'sell'] as const) {
        monitoring.recordTradingSignal({ symbol, direction, modelType: 'momentum', confidenceLevel: 0.5 + i / 10 });
        monitoring.recordExecutedTrade({ symbol, direction, success: (step + i) % 3 !== 0 });
      }
      const pnl = (step + i) % 3 === 0 ? -12.5 : (step + i) % 3 === 1 ? 20 : 0;
      monitoring.recordClosedTrade({ symbol, direction: 'buy', pnl });
      equity += pnl;
    }
    monitoring.updatePortfolioMetrics({
      portfolioValue: equity - (step === 2 ? 150 : 0),
      balance: equity / 2,
      openPositions: { 'BTC/USD': { buy: 0.5 }, 'ETH/USD': { sell: 2 } },
    });
    for (const model of ['m1', 'm2']) {
      monitoring.updateModelPerformance({
        modelName: model,
        timeframe: '1h',
        symbol: 'BTC/USD',
        metrics: { accuracy: 0.55 + step / 100, rmse: 1.2 - step / 10 },
      });
      monitoring.updateCalibrationMetrics({
        modelName: model,
        timeframe: '1h',
        symbol: 'BTC/USD',
        reliabilityBins: { '0.1': 0.15, '0.3': 0.28, '0.5': 0.52, '0.7': 0.66, '0.9': 0.93 },
      });
    }
    monitoring.trackApiRequest('/ticker', 'GET', () => 1);
    monitoring.trackApiRequest('/order', 'POST', (call) => {
      call.statusCode = step === 1 ? 500 : 200;
    });
    monitoring.setApiQuotaRemaining({ api: 'exchange', remaining: 1200 - step * 10 });
    monitoring.trackDbQuery('select', () => 1);
    monitoring.updateDbPool({ pool: 'main', size: 10, active: 2 + step });
    monitoring.heartbeat('main');
    if (step === 2) {
      for (let k = 0; k < 400; k++)
        monitoring.recordFeature({
          modelName: 'm1',
          feature: 'spread',
          value: k < 200 ? 0 : 50,
          symbol: 'BTC/USD',
          timeframe: '1h',
        });
      await monitoring.flushModelMetrics();
    }
    await monitoring.sampleDashboardHistory();
    await sleep(300);
  }
}

test(
  'the dashboard in Chromium: no console error or failed request, every panel drawn, values equal the scrape, the symbol selector filters',
  { timeout: 90_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ systemMetrics: true, dashboard: { intervalSeconds: 1 } });
    await scriptedBot(monitoring);
    const url = monitoring.dashboardUrl!;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    const origin = new URL(url).origin;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`outside request: ${r.url()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.samples ?? 0) >= 5, undefined, {
      timeout: 30_000,
    });
    // Let one more poll land after the values stopped changing, then read page and scrape together.
    await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.samples ?? 0) >= 7, undefined, {
      timeout: 30_000,
    });

    const charts = await page.$$eval('.chart', (els) =>
      els.map((e) => ({ id: e.id, points: Number((e as HTMLElement).dataset.points ?? 0) })),
    );
    assert.equal(charts.length, 21);
    for (const c of charts) assert.ok(c.points > 0, `${c.id} has data`);
    assert.equal(await page.$eval('#t-ratios', (e) => (e as HTMLElement).dataset.points), '1');
    assert.ok((await page.$$eval('.u-legend', (els) => els.length)) >= 21, 'uPlot drew the charts');
    const driftTitle = await page.$eval('#c-accuracy .title', (e) => e.textContent ?? '');
    assert.match(driftTitle, /drift events as red dotted lines \([1-9]\d*\)/, 'the drift is marked on the time axis');

    const shown = await page.evaluate(() => ({
      portfolio: Number(document.getElementById('v-portfolio')!.dataset.value),
      winRate: Number(document.getElementById('v-win-rate-lifetime')!.dataset.value),
      trades: Number(document.getElementById('v-trades-closed')!.dataset.value),
      winRateText: document.getElementById('v-win-rate-lifetime')!.textContent,
    }));
    const exp = await scrape(monitoring);
    assert.equal(shown.portfolio, find(exp, 'portfolio_value')[0]!.value);
    assert.equal(shown.winRate, find(exp, 'win_rate', { symbol: 'all', window: 'lifetime' })[0]!.value);
    assert.equal(
      shown.trades,
      find(exp, 'trades_closed_total').reduce((s, x) => s + x.value, 0),
    );
    assert.equal(shown.trades, 12);
    assert.match(shown.winRateText ?? '', /%$/);

    const labels = () =>
      page.$$eval('#c-signals .u-legend .u-series:not(:first-child) .u-label', (els) =>
        els.map((e) => e.textContent ?? ''),
      );
    assert.deepEqual(new Set((await labels()).map((l) => l.split(' ')[0])), new Set(SYMBOLS));
    await page.selectOption('#symbol', 'ETH/USD');
    await page.waitForFunction(
      () => document.querySelector('#c-pnl .title')?.textContent?.includes('ETH/USD'),
      undefined,
      { timeout: 15_000 },
    );
    const filtered = await labels();
    assert.ok(filtered.length > 0);
    assert.ok(
      filtered.every((l) => l.startsWith('ETH/USD ')),
      filtered.join(', '),
    );
    const ethPnl = find(parseExposition(await monitoring.metricsText()), 'realized_pnl', { symbol: 'ETH/USD' })[0]!
      .value;
    assert.equal(Number(await page.$eval('#v-realized', (e) => (e as HTMLElement).dataset.value)), ethPnl);
    assert.deepEqual(problems, []);
  },
);
