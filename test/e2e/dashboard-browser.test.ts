import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { MonitoringService } from '../../src/index.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { parseExposition, find } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';
import { launchChromium } from '../helpers/browser.ts';

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
      monitoring.recordClosedTrade({ symbol, direction: 'buy', pnl, strategy: i === 0 ? 'trend' : 'carry' });
      equity += pnl;
    }
    monitoring.updatePortfolioMetrics({
      portfolioValue: equity - (step === 2 ? 150 : 0),
      balance: equity / 2,
      openPositions: { 'BTC/USD': { buy: 0.5 }, 'ETH/USD': { sell: 2 } },
    });
    monitoring.updatePositions({
      positions: [
        { symbol: 'BTC/USD', quantity: 0.5, entryPrice: 97_000, markPrice: 97_500 + 100 * step, venue: 'binance' },
        { symbol: 'ETH/USD', quantity: -2, entryPrice: 3_400, markPrice: 3_350, venue: 'binance' },
      ],
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

type Page = Awaited<ReturnType<Browser['newPage']>>;

/**
 * Records ETH/USD buy signals steadily, then checks the rate the page plots last against the rate of
 * the series API's samples: (v1 - v0) / (t1 - t0) per minute, t in ms, v0 the oldest sample within the
 * rate window (a minute while the page holds less than an hour) before v1.
 */
async function checkRates(page: Page, monitoring: MonitoringService): Promise<void> {
  const recorder = setInterval(() => {
    for (let i = 0; i < 5; i++)
      monitoring.recordTradingSignal({
        symbol: 'ETH/USD',
        direction: 'buy',
        modelType: 'momentum',
        confidenceLevel: 0.6,
      });
  }, 50);
  try {
    const now = () => page.evaluate(() => Number(document.getElementById('status')?.dataset.now ?? 0));
    const started = await now();
    // Two samples taken while recording, so the last interval saw signals.
    await page.waitForFunction(
      (t0) => Number(document.getElementById('status')?.dataset.now ?? 0) > t0 + 1500,
      started,
      {
        timeout: 30_000,
      },
    );
    const shown = await page.evaluate(() => ({
      now: Number(document.getElementById('status')!.dataset.now),
      title: document.querySelector('#c-signals .title')!.textContent ?? '',
      last: JSON.parse(document.getElementById('c-signals')!.dataset.last ?? '{}') as Record<string, number | null>,
    }));
    assert.match(shown.title, /^signals per minute by symbol and direction, over 1 min/);
    const windowMs = 60_000;
    const answer = (await (
      await fetch(new URL('/api/v1/series?names=trading_signals_total&symbol=ETH%2FUSD', monitoring.metricsUrl))
    ).json()) as { timestamps: number[]; series: { labels: Record<string, string>; values: (number | null)[] }[] };
    const at = answer.timestamps.indexOf(shown.now);
    assert.ok(at >= 1, 'the page shows a sample the API has');
    const buy = answer.series.filter((s) => s.labels['direction'] === 'buy');
    const sum = (i: number) =>
      buy.every((s) => s.values[i] === null) ? null : buy.reduce((total, s) => total + (s.values[i] ?? 0), 0);
    let from = answer.timestamps.findIndex((t, i) => t >= answer.timestamps[at]! - windowMs && sum(i) !== null);
    if (from === at) from = at - 1;
    const expected = ((sum(at)! - sum(from)!) / (answer.timestamps[at]! - answer.timestamps[from]!)) * 60_000;
    const plotted = shown.last['ETH/USD buy'];
    assert.ok(typeof plotted === 'number', `a plotted rate: ${JSON.stringify(shown.last)}`);
    assert.ok(
      Math.abs(plotted - expected) <= 1e-9 * Math.max(1, expected),
      `plotted ${plotted}/min, samples ${expected}/min`,
    );
    assert.ok(plotted > 60, `about 100 signals a second were recorded, plotted ${plotted} per minute`);
  } finally {
    clearInterval(recorder);
  }
}

test(
  'the dashboard in Chromium: no console error or failed request, every panel drawn, values equal the scrape, the symbol selector filters, rates per minute equal the samples',
  { timeout: 90_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ systemMetrics: true, dashboard: { intervalSeconds: 1 } });
    await scriptedBot(monitoring);
    const url = monitoring.dashboardUrl!;
    browser = await launchChromium();
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
    const seriesRequests: URLSearchParams[] = [];
    let dailyRequests = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/daily-pnl') dailyRequests++;
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`outside request: ${r.url()}`);
      const u = new URL(r.url());
      if (u.pathname === '/api/v1/series') seriesRequests.push(u.searchParams);
    });
    const opened = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.samples ?? 0) >= 5, undefined, {
      timeout: 30_000,
    });
    // Let two more polls land after the values stopped changing, then read page and scrape together.
    const loaded = await page.evaluate(() => Number(document.getElementById('status')?.dataset.samples ?? 0));
    await page.waitForFunction(
      (n) => Number(document.getElementById('status')?.dataset.samples ?? 0) >= n + 2,
      loaded,
      { timeout: 30_000 },
    );

    // The first load asks for the metrics drawn with a points limit; the polls after it only for what is new.
    const [firstLoad, ...polls] = seriesRequests;
    assert.ok(
      firstLoad !== undefined && firstLoad.get('names')?.split(',').includes('portfolio_value'),
      'names on the first load',
    );
    assert.ok(Number(firstLoad.get('points')) >= 100, 'points on the first load');
    assert.equal(firstLoad.get('since'), null);
    assert.ok(
      polls.length > 0 && polls.every((q) => q.get('since') !== null && q.get('points') === null),
      seriesRequests.map((q) => q.toString().replace(/names=[^&]*/, 'names=…')).join('; '),
    );
    assert.ok(polls.every((q) => q.get('names') === firstLoad.get('names')));

    const charts = await page.$$eval('.chart', (els) =>
      els.map((e) => ({
        id: e.id,
        points: Number((e as HTMLElement).dataset.points ?? 0),
        hidden: (e as unknown as { hidden: boolean }).hidden,
      })),
    );
    // Without the runtime metrics their cards are hidden; every other chart, RMSE one per model, has data.
    const shownCharts = charts.filter((c) => !c.hidden);
    assert.deepEqual(
      charts
        .filter((c) => c.hidden)
        .map((c) => c.id)
        .sort(),
      ['c-elu', 'c-gc', 'c-heap'],
    );
    assert.deepEqual(
      shownCharts.filter((c) => c.id.startsWith('c-rmse-')).map((c) => c.id),
      ['c-rmse-0', 'c-rmse-1'],
    );
    for (const c of shownCharts) assert.ok(c.points > 0, `${c.id} has data`);
    assert.equal(await page.$eval('#t-ratios', (e) => (e as HTMLElement).dataset.points), '1');
    assert.ok((await page.$$eval('.u-legend', (els) => els.length)) >= shownCharts.length, 'uPlot drew the charts');
    // The open positions, entry and mark rebuilt from the notional and the unrealized PnL the scrape holds.
    const positions = await page.$$eval('#t-open-positions tbody tr', (rows) =>
      rows.map((r) =>
        Array.from(r.querySelectorAll('td')).map((td) => (td as { textContent: string | null }).textContent ?? ''),
      ),
    );
    const number = (text: string) => Number(text.replace(/[^\d.-]/g, ''));
    const eth = positions.find((r) => r[0] === 'ETH/USD');
    assert.equal(positions.length, 2, JSON.stringify(positions));
    assert.deepEqual(eth?.slice(0, 2), ['ETH/USD', 'binance']);
    assert.deepEqual(eth?.slice(2).map(number), [-2, 3400, 3350, 100]);
    const btc = positions.find((r) => r[0] === 'BTC/USD')!;
    assert.deepEqual(btc.slice(2).map(number), [0.5, 97_000, 97_800, 400]);
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

    // The statistics of the table equal the scrape; each label carries its definition, reachable by keyboard.
    const cells = await page.$$eval('#t-ratios td[id]', (els) =>
      Object.fromEntries(els.map((e) => [e.id, (e as unknown as HTMLElement).dataset.value ?? ''])),
    );
    const figures: [cell: string, name: string, labels: Record<string, string>][] = [
      ['v-payoff-ratio-lifetime', 'payoff_ratio', { symbol: 'all', window: 'lifetime' }],
      ['v-sqn-lifetime', 'sqn', { symbol: 'all', window: 'lifetime' }],
      ['v-sqn-rolling', 'sqn', { symbol: 'all', window: 'rolling' }],
      ['v-max-consecutive-losses-lifetime', 'max_consecutive_losses', { symbol: 'all', window: 'lifetime' }],
      ['v-current-streak', 'current_streak', { symbol: 'all' }],
      ['v-largest-win-lifetime', 'largest_win', { symbol: 'all', window: 'lifetime' }],
      ['v-largest-loss-lifetime', 'largest_loss', { symbol: 'all', window: 'lifetime' }],
      ['v-gross-loss-rolling', 'gross_loss', { symbol: 'all', window: 'rolling' }],
      ['v-max-drawdown-duration-seconds', 'max_drawdown_duration_seconds', { basis: 'equity' }],
      ['v-recovery-factor', 'recovery_factor', { basis: 'equity' }],
      ['v-realized-pnl-period-today', 'realized_pnl_period', { period: 'today' }],
      ['v-realized-pnl-period-month', 'realized_pnl_period', { period: 'month' }],
    ];
    for (const [cell, name, labels] of figures) {
      const scraped = find(exp, name, labels);
      assert.equal(scraped.length, 1, `${name} ${JSON.stringify(labels)} in the scrape`);
      assert.equal(Number(cells[cell]), scraped[0]!.value, `${cell}: ${cells[cell]}`);
    }
    // 12 trades: -12.5, 20 and 0 four times each.
    assert.equal(Number(cells['v-largest-loss-lifetime']), 12.5);
    assert.equal(Number(cells['v-realized-pnl-period-today']), 30);
    const tips = await page.$$eval('#t-ratios tbody td:first-child', (els) =>
      els.map((e) => {
        const info = e.querySelector('.info') as unknown as {
          tabIndex: number;
          dataset: Record<string, string>;
        } | null;
        return {
          label: e.textContent ?? '',
          title: (e as unknown as { title: string }).title,
          tip: info?.dataset['tip'] ?? '',
          focusable: info !== null && info.tabIndex === 0,
        };
      }),
    );
    assert.ok(tips.length >= 29, `${tips.length} figures`);
    for (const tip of tips) {
      assert.ok(tip.title.length > 20 && tip.title === tip.tip, `${tip.label}: ${tip.title}`);
      assert.ok(tip.focusable, `${tip.label}: a focusable definition`);
    }
    await page.focus('#t-ratios tbody .info');
    const focusedTip = await page.$eval(
      '#t-ratios tbody .info:focus',
      (e) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown, pseudo: string): { content: string } }
        ).getComputedStyle(e, '::after').content,
    );
    assert.match(focusedTip, /Winning trades/, 'the definition shows on keyboard focus');

    // The daily bars are the days of /api/v1/daily-pnl: a green bar per gain, a red one per loss, none for 0.
    const api = (await (await fetch(new URL('/api/v1/daily-pnl', monitoring.metricsUrl))).json()) as {
      days: { day: string; pnl: number }[];
    };
    const daily = await page.$eval('#c-daily-pnl', (e) => ({
      days: JSON.parse((e as HTMLElement).dataset.days ?? '[]') as { day: string; pnl: number }[],
      last: JSON.parse((e as HTMLElement).dataset.last ?? '{}') as Record<string, number | null>,
      points: Number((e as HTMLElement).dataset.points),
    }));
    assert.equal(api.days.length, 90);
    assert.deepEqual(daily.days, api.days);
    assert.equal(daily.last['gain'], api.days.at(-1)!.pnl);
    assert.equal(daily.last['gain'], 30);
    assert.equal(daily.points, api.days.filter((d) => d.pnl !== 0).length);

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
    const reload = seriesRequests.find((q) => q.get('symbol') === 'ETH/USD');
    assert.ok(
      reload !== undefined && reload.get('since') === null && reload.get('points') !== null,
      'a new symbol loads again',
    );

    await checkRates(page, monitoring);

    // Polls that more than double what the page loaded (here 250 samples at once): it loads the whole window again.
    const before = seriesRequests.length;
    for (let i = 0; i < 250; i++) await monitoring.sampleDashboardHistory();
    const deadline = Date.now() + 20_000;
    const reloaded = () =>
      seriesRequests.slice(before).some((q) => q.get('since') === null && q.get('points') !== null);
    while (!reloaded() && Date.now() < deadline) await sleep(100);
    assert.ok(reloaded(), 'a reload after the polls doubled what the page holds');
    // The daily PnL is fetched on load, then at most once a minute, however often the series are polled
    // (the page polls the series every few seconds: waited for, so that a slow machine polls enough).
    while (seriesRequests.length <= dailyRequests + 5 && Date.now() < deadline) await sleep(100);
    assert.ok(dailyRequests >= 1, 'the daily PnL was fetched');
    assert.ok(
      dailyRequests <= 1 + Math.floor((Date.now() - opened) / 60_000),
      `${dailyRequests} daily PnL requests for ${seriesRequests.length} series requests`,
    );
    assert.ok(seriesRequests.length > dailyRequests + 5);
    assert.deepEqual(problems, []);
  },
);
