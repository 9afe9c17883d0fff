// The dashboard in Chromium: readable at 1 400 and 800 px (bounding boxes of every text and chart label),
// per-model RMSE scales, the empty states, the runtime-metric cards, and the page with 50 symbols and 10 models.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, test, type TestContext } from 'node:test';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import * as sdkMetrics from '@opentelemetry/sdk-metrics';
import type { Browser, Page } from 'playwright-core';
import { dailyPnlHandler } from '../../src/dashboard/daily-pnl-api.ts';
import { Dashboard } from '../../src/dashboard/dashboard.ts';
import { createPullReader } from '../../src/export/sdk.ts';
import { DASHBOARD_DEFAULTS } from '../../src/dashboard/options.ts';
import type { MonitoringService } from '../../src/index.ts';
import { requireBinary } from '../helpers/binaries.ts';
import { find } from '../helpers/exposition.ts';
import { RecordingLogger, scrape, start, stopAll } from '../helpers/service.ts';
import { launchChromium } from '../helpers/browser.ts';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await stopAll();
});

// The callbacks below run in the page; these are the few DOM names they use (the project compiles without lib dom).
type Box = { left: number; right: number; top: number; bottom: number };
type PageElement = {
  id: string;
  hidden: boolean;
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  parentElement: PageElement | null;
  closest(selector: string): PageElement | null;
  getBoundingClientRect(): Box;
  getClientRects(): ArrayLike<Box>;
  scrollWidth: number;
  clientWidth: number;
};
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  documentElement: { scrollWidth: number };
  createRange(): { selectNodeContents(node: unknown): void; getClientRects(): ArrayLike<Box> };
  createTreeWalker(
    root: unknown,
    what: number,
  ): { nextNode(): { textContent: string | null; parentElement: PageElement } | null };
  body: unknown;
};
declare const window: { innerWidth: number; dashboardLayout(): ChartLayout[] };
declare const performance: { getEntriesByName(name: string): { startTime: number }[] };
declare const PerformanceObserver: new (cb: (list: { getEntries(): { duration: number }[] }) => void) => {
  observe(options: { type: string; buffered: boolean }): void;
};
declare const globalThis: { longestTask: number; longTasks: number };

interface ChartLayout {
  id: string;
  width: number;
  height: number;
  plot: Box;
  y: { min: number; max: number };
  xLabels: (Box & { text: string })[];
  yLabels: (Box & { text: string })[];
  overlays: (Box & { text: string })[];
  points: { x: number; y: number }[];
  xScale: { min: number; max: number };
  breaks: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EPS = 0.5;
const inside = (a: Box, b: Box) =>
  a.left >= b.left - EPS && a.right <= b.right + EPS && a.top >= b.top - EPS && a.bottom <= b.bottom + EPS;
const intersect = (a: Box, b: Box) =>
  a.left < b.right - EPS && b.left < a.right - EPS && a.top < b.bottom - EPS && b.top < a.bottom - EPS;
const show = (b: Box) =>
  `[${b.left.toFixed(1)}, ${b.right.toFixed(1)}] x [${b.top.toFixed(1)}, ${b.bottom.toFixed(1)}]`;

async function launch(): Promise<Browser> {
  browser = await launchChromium();
  return browser;
}

/** Opens the dashboard at a viewport width and waits for a render after `samples` samples; collects page errors. */
async function open(
  url: string,
  width: number,
  samples = 1,
): Promise<{ page: Page; problems: string[]; seriesUrls: string[] }> {
  const page = await browser!.newPage({ viewport: { width, height: 1000 } });
  const problems: string[] = [];
  const seriesUrls: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/series') seriesUrls.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction((n) => Number(document.getElementById('status')?.dataset.samples ?? 0) >= n, samples, {
    timeout: 30_000,
  });
  return { page, problems, seriesUrls };
}

/** A bot with every panel filled, long labels, a drawdown near its maximum, and models on very different scales. */
async function bot(monitoring: MonitoringService): Promise<void> {
  const symbols = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'DOGE/USDT-PERPETUAL'];
  let equity = 10_000;
  for (let step = 0; step < 5; step++) {
    for (const [i, symbol] of symbols.entries()) {
      monitoring.recordTradingSignal({ symbol, direction: 'buy', modelType: 'momentum', confidenceLevel: 0.6 });
      monitoring.recordExecutedTrade({ symbol, direction: 'sell', success: (step + i) % 3 !== 0 });
      const pnl = (step + i) % 3 === 0 ? -40 : 25;
      monitoring.recordClosedTrade({ symbol, direction: 'buy', pnl });
      equity += pnl;
    }
    monitoring.updatePortfolioMetrics({
      portfolioValue: equity - (step === 3 ? 64 : 0),
      balance: equity,
      openPositions: { 'BTC/USD': { buy: 0.5 }, 'DOGE/USDT-PERPETUAL': { sell: 125_000 } },
    });
    monitoring.updateCalibrationMetrics({
      modelName: 'direction_classifier',
      timeframe: '1h',
      symbol: 'BTC/USD',
      reliabilityBins: { '0.1': 0.15, '0.5': 0.52, '0.9': 0.88 },
    });
    monitoring.updatePositions({
      positions: [
        { symbol: 'BTC/USD', quantity: 0.00087175, entryPrice: 97_057.752, markPrice: 97_100 + step, venue: 'binance' },
        { symbol: 'DOGE/USDT-PERPETUAL', quantity: -125_000, entryPrice: 0.412345, markPrice: 0.41, venue: 'binance' },
      ],
    });
    // Long unrounded numbers, as a real fill brings them: the table keeps each on one line.
    monitoring.recordOrder({
      orderId: `o-${step}`,
      symbol: 'DOGE/USDT-PERPETUAL',
      side: 'buy',
      type: 'limit',
      quantity: 0.00087175,
      price: 97_000.5,
      venue: 'binance',
    });
    monitoring.recordFill({
      orderId: `o-${step}`,
      price: 97_057.752,
      quantity: 0.00087175,
      fee: 0.0123456789,
      feeAsset: 'USDT',
    });
    monitoring.setApiQuotaRemaining({ api: 'exchange', remaining: 1200 - step * 10 });
    monitoring.updateDbPool({ pool: 'main', size: 10, active: 2 + step });
    for (const [model, scale] of [
      ['price_regressor_with_a_long_name', 637],
      ['return_regressor', 1.4],
    ] as const)
      monitoring.updateModelPerformance({
        modelName: model,
        timeframe: '1h',
        symbol: 'BTC/USD',
        metrics: { rmse: scale * (1 + step / 20), accuracy: 0.5 + step / 50 },
      });
    monitoring.trackApiRequest('/api/v3/order/with/a/long/path', 'POST', () => 1);
    monitoring.trackDbQuery('select', () => 1);
    monitoring.heartbeat('main');
    await monitoring.sampleDashboardHistory();
    await sleep(200);
  }
}

/** Saves screenshots of the page and of each panel into the folder DASHBOARD_SCREENSHOTS names, when it is set (to look at them). */
async function keep(page: Page, name: string): Promise<void> {
  const dir = process.env['DASHBOARD_SCREENSHOTS'];
  if (dir === undefined || dir === '') return;
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  for (const panel of await page.$$('section.panel'))
    await panel.screenshot({ path: join(dir, `${name}-${await panel.getAttribute('id')}.png`) });
}

/** Every text of the page inside its chart or panel, no horizontal scroll, no clipped value, chart labels apart. */
async function checkLayout(t: TestContext, page: Page, width: number, minCharts = 20): Promise<void> {
  await keep(page, `${t.name.split(/[:,]/)[0]!.replace(/[^a-z0-9]+/gi, '-')}-${width}`);
  const texts = await page.evaluate(() => {
    const out: { text: string; box: Box; container: string; within: Box }[] = [];
    const walker = document.createTreeWalker(document.body, 4);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = (node.textContent ?? '').trim();
      const container = node.parentElement.closest('.chart, .panel, header');
      if (text === '' || container === null || node.parentElement.closest('[hidden], select') !== null) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = container.getBoundingClientRect();
      const within = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      for (const box of Array.from(range.getClientRects()))
        out.push({
          text,
          box: { left: box.left, right: box.right, top: box.top, bottom: box.bottom },
          container: container.id,
          within,
        });
    }
    return out;
  });
  assert.ok(texts.length > 50, `${texts.length} texts`);
  for (const x of texts)
    assert.ok(
      inside(x.box, x.within),
      `${width}px: "${x.text}" ${show(x.box)} outside #${x.container} ${show(x.within)}`,
    );
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    clipped: Array.from(document.querySelectorAll('.value, .label, td, th, .title, .empty, h2'))
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => `${e.id || ''} ${e.textContent}`),
  }));
  assert.ok(overflow.page <= overflow.viewport, `${width}px: the page scrolls sideways (${overflow.page} px)`);
  assert.deepEqual(overflow.clipped, [], `${width}px: clipped texts`);

  // A number of the tables is never broken over two lines.
  const wrapped = await page.evaluate(() =>
    Array.from(document.querySelectorAll('#t-fills td, #t-open-positions td, #t-fills th'))
      .filter((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size > 1;
      })
      .map((td) => td.textContent),
  );
  assert.deepEqual(wrapped, [], `${width}px: table cells on two lines`);

  // No card beside an empty half of the grid: a card narrower than the grid has a card beside it.
  const cards = await page.evaluate(() =>
    Array.from(document.querySelectorAll('main > section.panel'))
      .filter((e) => !e.hidden)
      .map((e) => ({ id: e.id, ...(JSON.parse(JSON.stringify(e.getBoundingClientRect())) as Box) })),
  );
  const grid = { left: Math.min(...cards.map((c) => c.left)), right: Math.max(...cards.map((c) => c.right)) };
  for (const c of cards) {
    if (c.right - c.left > (grid.right - grid.left) * 0.75) continue;
    const beside = cards.filter(
      (o) => o !== c && o.top < c.bottom - 1 && c.top < o.bottom - 1 && (o.left >= c.right || o.right <= c.left),
    );
    assert.ok(beside.length > 0, `${width}px: #${c.id} ${show(c)} has nothing beside it`);
  }

  const charts = await page.evaluate(() => window.dashboardLayout());
  assert.ok(charts.length >= minCharts, `${charts.length} charts drawn`);
  const canvas = (c: ChartLayout): Box => ({ left: 0, right: c.width, top: 0, bottom: c.height });
  for (const c of charts) {
    // A range of a few seconds can hold no time tick; the y axis always has a label.
    assert.ok(c.yLabels.length >= 1, `${width}px #${c.id}: y-axis labels drawn`);
    for (const axis of [c.xLabels, c.yLabels])
      assert.equal(
        new Set(axis.map((l) => l.text)).size,
        axis.length,
        `${width}px #${c.id}: ${axis.map((l) => l.text).join(' ')}`,
      );
    const labels = [...c.xLabels, ...c.yLabels, ...c.overlays];
    for (const l of labels)
      assert.ok(
        inside(l, canvas(c)),
        `${width}px #${c.id}: "${l.text}" ${show(l)} outside the canvas ${c.width} x ${c.height}, plot ${show(c.plot)}`,
      );
    for (const o of c.overlays) {
      assert.ok(inside(o, c.plot), `${width}px #${c.id}: "${o.text}" outside the plot`);
      // A reference line's label leaves the curve's points visible (the max-drawdown label sat on the last one).
      const under = c.points.filter((p) => p.x >= o.left && p.x <= o.right && p.y >= o.top && p.y <= o.bottom);
      assert.deepEqual(under, [], `${width}px #${c.id}: "${o.text}" ${show(o)} covers points`);
    }
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++)
        assert.ok(
          !intersect(labels[i]!, labels[j]!),
          `${width}px #${c.id}: "${labels[i]!.text}" ${show(labels[i]!)} overlaps "${labels[j]!.text}" ${show(labels[j]!)}`,
        );
  }
  const drawdown = charts.find((c) => c.id === 'c-drawdown');
  const maxText = await page.evaluate(() => document.getElementById('v-max-drawdown')!.textContent);
  if (drawdown !== undefined)
    assert.deepEqual(
      drawdown?.overlays.map((o) => o.text),
      [`max ${maxText}`],
      'the max-drawdown line is labelled in full, inside the plot',
    );
  t.diagnostic(`${width}px: ${texts.length} texts and ${charts.length} charts checked`);
}

test(
  'the dashboard at 1 400 and 800 px: no text outside its card, no axis label over another or outside its canvas, the max-drawdown label whole; RMSE of each model on its own scale',
  { timeout: 90_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ systemMetrics: true, dashboard: { intervalSeconds: 1 } });
    await bot(monitoring);
    await launch();
    for (const width of [1400, 800]) {
      const { page, problems } = await open(monitoring.dashboardUrl!, width, 5);
      await page.waitForFunction(() => document.getElementById('c-rmse-1') !== null, undefined, { timeout: 15_000 });
      await checkLayout(t, page, width);
      assert.deepEqual(problems, []);

      // One chart per model: each y scale holds its own model's values and not the other's.
      const layout = await page.evaluate(() => window.dashboardLayout());
      const scale = (id: string) => layout.find((c) => c.id === id)!.y;
      const titles = await page.$$eval('#c-rmse .title', (els) => els.map((e) => e.textContent));
      assert.deepEqual(titles, ['price_regressor_with_a_long_name', 'return_regressor']);
      const exp = await scrape(monitoring);
      const rmse = (model: string) => find(exp, 'model_rmse', { model_name: model })[0]!.value;
      const price = scale('c-rmse-0');
      const ret = scale('c-rmse-1');
      assert.ok(
        price.min <= rmse('price_regressor_with_a_long_name') && rmse('price_regressor_with_a_long_name') <= price.max,
      );
      assert.ok(ret.min <= rmse('return_regressor') && rmse('return_regressor') <= ret.max, JSON.stringify(ret));
      assert.ok(
        ret.max < rmse('price_regressor_with_a_long_name') / 10,
        `the small model's scale ${JSON.stringify(ret)}`,
      );
      await page.close();
    }
  },
);

/** Local clock time as the page writes it: the day first when it is not today. */
function when(ms: number): string {
  const d = new Date(ms);
  const day = (x: Date) => `${x.toLocaleString('en', { month: 'short' })} ${x.getDate()}`;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day(d) === day(new Date()) ? '' : `${day(d)} `}${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

test(
  'empty states say why and when: Sharpe from the first equity and returnsIntervalSeconds, trades and models by the call they wait for; the runtime cards hidden without their metrics',
  { timeout: 60_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    // Samples an hour apart: only those taken here land within the test, so the page sees exactly them (it reloads to).
    const { monitoring } = await start({
      dashboard: { intervalSeconds: 3600, historyMinutes: 600 },
      returnsIntervalSeconds: 3600,
      returnsWindow: 24,
    });
    await monitoring.sampleDashboardHistory();
    await launch();
    const { page, problems } = await open(monitoring.dashboardUrl!, 1400);
    const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
    assert.match(await text('#c-equity .empty'), /updatePortfolioMetrics/);
    assert.match(await text('#c-closed .empty'), /no trades closed yet/);
    assert.match(await text('#c-accuracy .empty'), /once a classifier has resolved predictions/);
    assert.match(await text('#c-rmse .empty'), /once a regression model has resolved predictions/);
    assert.match(
      await text('#n-ratios'),
      /need 10 returns of returnsIntervalSeconds = 3600 s \(1 h\) of the equity: none reported yet/,
    );
    assert.match(await text('#n-ratios'), /the last 24 returns of 1 h/);
    const hidden = await page.evaluate(() =>
      ['c-heap', 'c-elu', 'c-gc']
        .map((id) => document.getElementById(id)!.hidden)
        .concat(['v-heap', 'v-elu', 'v-gc'].map((id) => document.getElementById(id)!.parentElement!.hidden)),
    );
    assert.deepEqual(hidden, [true, true, true, true, true, true]);

    // The first equity opens the first return period: Sharpe comes 3 intervals later (2 returns).
    assert.match(await text('#c-signals .empty'), /no trading signals recorded yet \(recordTradingSignal\)/);
    await page.waitForFunction(
      () => /recordClosedTrade/.test(document.querySelector('#c-daily-pnl .empty')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    assert.match(
      await text('#c-daily-pnl .empty'),
      /^no trade closed with a result in the last 90 days: the bars come with recordClosedTrade\(\), refreshed every minute$/,
    );
    assert.match(await text('#n-ratios'), /^no trades closed yet: they come with recordClosedTrade\(\)\./);
    monitoring.updatePortfolioMetrics({ portfolioValue: 1000 });
    monitoring.recordTradingSignal({
      symbol: 'BTC/USD',
      direction: 'buy',
      modelType: 'momentum',
      confidenceLevel: 0.6,
    });
    await monitoring.sampleDashboardHistory();
    await page.reload();
    await page.waitForFunction(
      () => /first values around/.test(document.getElementById('n-ratios')?.textContent ?? ''),
      undefined,
      {
        timeout: 15_000,
      },
    );
    const answer = (await (
      await fetch(new URL('/api/v1/series?names=portfolio_value', monitoring.metricsUrl))
    ).json()) as {
      timestamps: number[];
      series: { values: (number | null)[] }[];
      context: { returnsIntervalSeconds: number; ratioMinReturns: number };
    };
    assert.deepEqual(
      { ...answer.context },
      { returnsIntervalSeconds: 3600, returnsWindow: 24, ratioMinReturns: 10, tradeWindow: 100 },
    );
    const first = answer.timestamps[answer.series[0]!.values.findIndex((v) => v !== null)]!;
    assert.match(await text('#n-ratios'), new RegExp(`first values around ${when(first + 11 * 3600_000)}\\.`));
    // One sample of the signal counter so far: no rate yet, and the page says when.
    assert.match(
      await text('#c-signals .empty'),
      /a rate needs two samples: the first comes with the next sample \(every 1 h\)/,
    );
    assert.deepEqual(problems, []);
  },
);

test(
  'the machine row shows heap used, event-loop utilization and GC pauses when the runtime metrics exist, under their semantic-convention names',
  { timeout: 60_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ dashboard: { intervalSeconds: 1 } });
    // The instruments of @opentelemetry/instrumentation-runtime-node, recorded by hand on the SDK's MeterProvider.
    const meter = monitoring.meterProvider.getMeter('runtime-node-stand-in');
    const spaces = { new_space: 3 * 1048576, old_space: 41 * 1048576 };
    meter.createObservableGauge('v8js.memory.heap.used', { unit: 'By' }).addCallback((r) => {
      for (const [space, bytes] of Object.entries(spaces)) r.observe(bytes, { 'v8js.heap.space.name': space });
    });
    meter.createObservableGauge('nodejs.eventloop.utilization', { unit: '1' }).addCallback((r) => r.observe(0.25));
    const gc = meter.createHistogram('v8js.gc.duration', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
    });
    for (let step = 0; step < 4; step++) {
      for (let i = 0; i < 10; i++) gc.record(0.003, { 'v8js.gc.type': 'minor' });
      gc.record(0.04, { 'v8js.gc.type': 'major' });
      await monitoring.sampleDashboardHistory();
      await sleep(200);
    }
    const exp = await scrape(monitoring);
    assert.equal(find(exp, 'v8js_memory_heap_used').length, 2, 'scraped as v8js_memory_heap_used');
    assert.equal(find(exp, 'nodejs_eventloop_utilization')[0]!.value, 0.25);

    await launch();
    const { page, problems } = await open(monitoring.dashboardUrl!, 800, 4);
    await page.waitForFunction(() => document.getElementById('c-gc')?.hidden === false, undefined, { timeout: 15_000 });
    const shown = await page.evaluate(() => ({
      hidden: ['c-heap', 'c-elu', 'c-gc'].map((id) => document.getElementById(id)!.hidden),
      heap: Number(document.getElementById('v-heap')!.dataset.value),
      heapText: document.getElementById('v-heap')!.textContent,
      elu: document.getElementById('v-elu')!.textContent,
      gcLines: Object.keys(JSON.parse(document.getElementById('c-gc')!.dataset.last ?? '{}') as object).sort(),
      gcP95: Number(document.getElementById('v-gc')!.dataset.value),
    }));
    assert.deepEqual(shown.hidden, [false, false, false]);
    assert.equal(shown.heap, spaces.new_space + spaces.old_space, 'heap used is the sum over the heap spaces');
    assert.equal(shown.heapText, '44 MiB');
    assert.equal(shown.elu, '25 %');
    assert.deepEqual(shown.gcLines, ['major', 'minor']);
    // The slowest kind's p95 from the buckets: major pauses, all 40 ms, in the (0.025, 0.05] bucket.
    assert.ok(shown.gcP95 > 0.025 && shown.gcP95 <= 0.05, String(shown.gcP95));
    await checkLayout(t, page, 800, 4);
    assert.deepEqual(problems, []);
  },
);

test(
  'with 50 symbols and 10 models: every panel drawn, the selectors list them, the lists stay bounded; load-to-render time and the longest task reported',
  { timeout: 120_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ systemMetrics: true, dashboard: { intervalSeconds: 1 } });
    const symbols = Array.from({ length: 50 }, (_, i) => `SYM${String(i).padStart(2, '0')}/USD`);
    const models = Array.from({ length: 10 }, (_, i) => `model_${i}`);
    for (let step = 0; step < 6; step++) {
      const positions: Record<string, { buy: number }> = {};
      for (const [i, symbol] of symbols.entries()) {
        for (const direction of ['buy', 'sell'] as const) {
          monitoring.recordTradingSignal({ symbol, direction, modelType: 'momentum', confidenceLevel: 0.6 });
          monitoring.recordExecutedTrade({ symbol, direction, success: (step + i) % 5 !== 0 });
        }
        monitoring.recordClosedTrade({
          symbol,
          direction: 'buy',
          pnl: (step + i) % 3 === 0 ? -5 : 7,
          strategy: `strategy-${i % 5}`,
        });
        positions[symbol] = { buy: i + 1 };
      }
      monitoring.updatePortfolioMetrics({
        portfolioValue: 10_000 + step * 10,
        balance: 9_000,
        openPositions: positions,
      });
      monitoring.updatePositions({
        positions: symbols.map((symbol, i) => ({
          symbol,
          quantity: i % 2 === 0 ? i + 1 : -(i + 1),
          entryPrice: 100 + i,
          markPrice: 100 + i + (step % 7) - 3,
          venue: 'binance',
        })),
      });
      for (const [i, model] of models.entries()) {
        monitoring.updateModelPerformance({
          modelName: model,
          timeframe: '1h',
          symbol: symbols[i]!,
          metrics: { accuracy: 0.5 + i / 100, rmse: 10 ** (i - 4) },
        });
        monitoring.updateCalibrationMetrics({
          modelName: model,
          timeframe: '1h',
          symbol: symbols[i]!,
          reliabilityBins: { '0.1': 0.12, '0.5': 0.5, '0.9': 0.85 },
        });
      }
      for (const endpoint of ['/ticker', '/order', '/balance']) monitoring.trackApiRequest(endpoint, 'GET', () => 1);
      monitoring.setApiQuotaRemaining({ api: 'exchange', remaining: 1000 - step });
      monitoring.trackDbQuery('select', () => 1);
      monitoring.updateDbPool({ pool: 'main', size: 10, active: 3 });
      monitoring.heartbeat('main');
      await monitoring.sampleDashboardHistory();
    }
    await launch();
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(() => {
      globalThis.longestTask = 0;
      globalThis.longTasks = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          globalThis.longTasks++;
          globalThis.longestTask = Math.max(globalThis.longestTask, e.duration);
        }
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(monitoring.dashboardUrl!);
    await page.waitForFunction(() => performance.getEntriesByName('dashboard-rendered').length > 0, undefined, {
      timeout: 60_000,
    });
    await sleep(500);
    const figures = await page.evaluate(() => ({
      rendered: performance.getEntriesByName('dashboard-rendered')[0]!.startTime,
      longest: globalThis.longestTask,
      longTasks: globalThis.longTasks,
      symbolOptions: document.querySelectorAll('#symbol option').length,
      modelOptions: document.querySelectorAll('#model option').length,
      positions: document.querySelectorAll('#t-positions tr').length,
      openPositions: Array.from(document.querySelectorAll('#t-open-positions tbody tr')).map((r) => r.textContent),
      positionsNote: document.getElementById('n-positions')!.textContent,
      rmseCharts: document.querySelectorAll('#c-rmse .chart').length,
      rmseTitle: document.getElementById('h-rmse')!.textContent,
      signalsTitle: document.querySelector('#c-signals .title')!.textContent,
      empty: Array.from(document.querySelectorAll('.chart'))
        .filter((e) => !e.hidden && Number(e.dataset.points ?? 0) === 0)
        .map((e) => e.id),
    }));
    assert.equal(figures.symbolOptions, 51, 'all and the 50 symbols');
    assert.equal(figures.modelOptions, 11, 'all and the 10 models');
    assert.equal(figures.positions, 20);
    assert.equal(figures.positionsNote, 'the 20 largest of 50 positions; pick a symbol for the others');
    assert.equal(figures.openPositions.length, 21, 'the 20 largest open positions and a note');
    assert.match(figures.openPositions[0] ?? '', /^SYM49\/USDbinance-50/, 'the largest by notional first');
    assert.equal(figures.openPositions[20], 'the 20 largest of 50 positions; pick a symbol for the others');
    assert.equal(figures.rmseCharts, 10, 'one RMSE chart per model');
    assert.match(figures.signalsTitle ?? '', /\(top 8 of 100\)/);
    assert.deepEqual(figures.empty, [], 'every chart has data');
    assert.ok(figures.rendered > 0);
    t.diagnostic(
      `50 symbols, 10 models: first render ${figures.rendered.toFixed(0)} ms after navigation; ${figures.longTasks} long tasks, the longest ${figures.longest.toFixed(0)} ms`,
    );
    await checkLayout(t, page, 1400);
  },
);

/**
 * Six hours of one-minute samples across local midnight with a signal every 20 minutes, fed to a real
 * Dashboard's history at chosen times (the SDK samples at the wall clock) and served by a plain server.
 */
async function sixHours(): Promise<{ url: string; close: () => Promise<void> }> {
  const reader = createPullReader(sdkMetrics);
  const dashboard = new Dashboard({ ...DASHBOARD_DEFAULTS, intervalSeconds: 60 }, 2000, reader, new RecordingLogger(), {
    returnsIntervalSeconds: 86_400,
    returnsWindow: 30,
    ratioMinReturns: 2,
    tradeWindow: 100,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('six-hours');
  let equity = 10_000;
  let peak = equity;
  let maxDrawdown = 0;
  meter.createObservableGauge('portfolio_value').addCallback((r) => r.observe(equity));
  meter.createObservableGauge('drawdown').addCallback((r) => r.observe(1 - equity / peak, { basis: 'equity' }));
  meter.createObservableGauge('max_drawdown').addCallback((r) => r.observe(maxDrawdown, { basis: 'equity' }));
  const signals = meter.createCounter('trading_signals_total');
  const midnight = new Date();
  midnight.setHours(24, 0, 0, 0);
  const end = midnight.getTime() + 3 * 3600_000;
  for (let t = end - 6 * 3600_000, minute = 0; t <= end; t += 60_000, minute++) {
    equity *= 1 + Math.sin(minute / 17) / 400;
    peak = Math.max(peak, equity);
    maxDrawdown = Math.max(maxDrawdown, 1 - equity / peak);
    if (minute % 20 === 0) signals.add(1, { symbol: 'BTC/USD', direction: 'buy' });
    const { resourceMetrics } = await dashboard.source.collect();
    dashboard.history.sample(resourceMetrics, t);
  }
  // As the service serves it next to the dashboard's routes; no trade closed here.
  const routes = new Map([...dashboard.routes(), ['/api/v1/daily-pnl', dailyPnlHandler(() => [])] as const]);
  const server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (route === undefined) res.writeHead(404).end();
    else void route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/dashboard`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await provider.shutdown();
    },
  };
}

test(
  'six hours across midnight: one-line time labels apart (the day at midnight), the max-drawdown label whole, a signal every 20 minutes drawn as a rate over 6 minutes',
  { timeout: 90_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const served = await sixHours();
    try {
      await launch();
      for (const width of [1400, 800]) {
        const { page, problems, seriesUrls } = await open(served.url, width, 100);
        await checkLayout(t, page, width, 3);
        const charts = await page.evaluate(() => window.dashboardLayout());
        const equity = charts.find((c) => c.id === 'c-equity')!;
        const labels = equity.xLabels.map((l) => l.text);
        assert.ok(labels.length >= 4, labels.join(' '));
        assert.ok(
          labels.every((l) => /^\d\d:\d\d$/.test(l) || /^[A-Z][a-z]{2} \d{1,2}$/.test(l)),
          labels.join(' '),
        );
        assert.equal(labels.filter((l) => / /.test(l)).length, 1, `the day once, at midnight: ${labels.join(' ')}`);
        const signals = await page.evaluate(() => ({
          title: document.querySelector('#c-signals .title')!.textContent ?? '',
          last: JSON.parse(document.getElementById('c-signals')!.dataset.last ?? '{}') as Record<string, number>,
        }));
        assert.match(signals.title, /^signals per minute by symbol and direction, over 6 min/);
        // The answer the page loaded, asked again: the newest rate is the increase since the oldest point within 6 minutes.
        const answer = (await (await fetch(seriesUrls[0]!)).json()) as {
          timestamps: number[];
          series: { name: string; values: (number | null)[] }[];
        };
        const counts = answer.series.find((s) => s.name === 'trading_signals_total')!.values;
        const at = answer.timestamps.length - 1;
        const from = answer.timestamps.findIndex((x) => x >= answer.timestamps[at]! - 6 * 60_000);
        const expected = ((counts[at]! - counts[from]!) / (answer.timestamps[at]! - answer.timestamps[from]!)) * 60_000;
        assert.ok(expected > 0, 'a signal in the last 6 minutes');
        assert.ok(
          Math.abs(signals.last['BTC/USD buy']! - expected) < 1e-12,
          `${JSON.stringify(signals.last)} vs ${expected}`,
        );
        assert.deepEqual(problems, []);
        await page.close();
      }
    } finally {
      await served.close();
    }
  },
);

test(
  'a bot reporting positions only through updatePositions: long/short counts drawn, leverage and machine memory on scales of their own, accuracy 0-100 %, reliability ticks at round values, the return statistics explained',
  { timeout: 90_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ systemMetrics: true, dashboard: { intervalSeconds: 1 } });
    for (let step = 0; step < 4; step++) {
      monitoring.updatePortfolioMetrics({ portfolioValue: 120_000 + step * 100, balance: 100_000 });
      // 600 000 of exposure on 120 000 of equity: a leverage of about 5, invisible on the exposure's axis.
      monitoring.updatePositions({
        positions: [
          { symbol: 'BTC/USD', quantity: 5, entryPrice: 97_057.752, markPrice: 97_100 + step, venue: 'binance' },
          { symbol: 'ETH/USD', quantity: -30, entryPrice: 3_400, markPrice: 3_390, venue: 'binance' },
          { symbol: 'SOL/USD', quantity: step < 2 ? 100 : 0, entryPrice: 200, markPrice: 201, venue: 'binance' },
        ],
      });
      monitoring.updateModelPerformance({
        modelName: 'direction_classifier',
        timeframe: '1h',
        symbol: 'BTC/USD',
        metrics: { accuracy: 0.97 - step / 100 },
      });
      monitoring.updateCalibrationMetrics({
        modelName: 'direction_classifier',
        timeframe: '1h',
        symbol: 'BTC/USD',
        reliabilityBins: { '0.725': 0.7, '0.775': 0.8, '0.825': 0.79 },
      });
      await monitoring.sampleDashboardHistory();
      await sleep(200);
    }
    await launch();
    const { page, problems } = await open(monitoring.dashboardUrl!, 1400, 4);
    const data = (id: string) =>
      page.evaluate((i) => JSON.parse(document.getElementById(i)!.dataset.last ?? '{}') as Record<string, number>, id);

    // Open positions from updatePositions when updatePortfolioMetrics brings none: 2 long, 1 short, SOL flat.
    await page.waitForFunction(() => document.getElementById('c-positions')?.dataset.points !== '0', undefined, {
      timeout: 15_000,
    });
    assert.deepEqual(await data('c-positions'), { long: 1, short: 1 });
    assert.equal(await page.$('#c-positions .empty'), null);

    const exp = await scrape(monitoring);
    const leverage = find(exp, 'leverage', {})[0]!.value;
    assert.ok(leverage > 4 && leverage < 6, String(leverage));
    const layout = await page.evaluate(() => window.dashboardLayout());
    const chartOf = (id: string) => layout.find((c) => c.id === id)!;
    // Leverage on its own chart and scale, no longer x100 on the exposure's currency axis.
    assert.deepEqual(Object.keys(await data('c-exposure')).sort(), ['gross', 'long', 'net', 'short']);
    assert.ok(Math.abs((await data('c-leverage'))['leverage']! - leverage) < 1e-9);
    const lev = chartOf('c-leverage').y;
    assert.ok(lev.min <= leverage && leverage <= lev.max && lev.max < 10, JSON.stringify(lev));
    // Machine memory used is a fraction beside the CPU; RSS in MiB alone.
    assert.deepEqual(Object.keys(await data('c-memory')), ['process RSS']);
    const cpu = await data('c-cpu');
    assert.ok(cpu['machine memory used']! > 0 && cpu['machine memory used']! < 1, JSON.stringify(cpu));
    const cpuY = chartOf('c-cpu').y;
    assert.ok(cpuY.max <= 1.5, `CPU and memory fractions on a fraction axis: ${JSON.stringify(cpuY)}`);

    // Accuracy is a fraction: the axis runs from 0 to 100 %, not to 200 %.
    assert.deepEqual(chartOf('c-accuracy').y, { min: 0, max: 1 });
    // Reliability: the whole confidence range, ticks at round values rather than at bin centres.
    const rel = chartOf('c-reliability');
    assert.deepEqual(rel.xScale, { min: 0, max: 1 });
    const ticks = rel.xLabels.map((l) => Number(l.text));
    assert.ok(ticks.length >= 3, ticks.join(' '));
    for (const x of ticks) assert.ok(Math.abs(x * 10 - Math.round(x * 10)) < 1e-9, `tick ${x}`);

    // No return yet: the note names the return statistics that show "–" with Sharpe.
    assert.match(
      await page.$eval('#n-ratios', (e) => e.textContent ?? ''),
      /value at risk, expected shortfall, tail ratio, Omega, skewness, kurtosis\) need 10 returns/,
    );
    await checkLayout(t, page, 1400, 10);
    assert.deepEqual(problems, []);
  },
);

test(
  'once Sharpe has a value, a note names the return statistics still absent and why (Omega without a loss)',
  { timeout: 60_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    // Returns of 50 ms periods, 2 of them enough: the equity only rises, so Omega (gains / losses) has no value.
    const { monitoring } = await start({
      dashboard: { intervalSeconds: 1 },
      returnsIntervalSeconds: 0.05,
      minReturnPeriods: 2,
    });
    for (let i = 0; i < 12; i++) {
      monitoring.updatePortfolioMetrics({ portfolioValue: 10_000 + i * 100 + (i % 3) * 37 });
      await sleep(70);
    }
    await monitoring.sampleDashboardHistory();
    const exp = await scrape(monitoring);
    assert.ok(find(exp, 'sharpe_ratio', { window: 'lifetime' }).length > 0, 'Sharpe has a value');
    assert.equal(find(exp, 'omega_ratio', { window: 'lifetime' }).length, 0, 'Omega has none');
    await launch();
    const { page, problems } = await open(monitoring.dashboardUrl!, 1400);
    const note = await page.$eval('#n-ratios', (e) => e.textContent ?? '');
    // The note names exactly the return statistics the scrape lacks, Omega among them.
    const names: Record<string, string> = {
      value_at_risk: 'value at risk',
      conditional_value_at_risk: 'expected shortfall',
      tail_ratio: 'tail ratio',
      omega_ratio: 'Omega',
      return_skewness: 'skewness',
      return_kurtosis: 'kurtosis',
    };
    const absent = Object.keys(names).filter((m) => find(exp, m, { window: 'lifetime' }).length === 0);
    assert.ok(absent.includes('omega_ratio'), absent.join(' '));
    const listed = /No value yet for (.*?)\.(?:[A-Za-z]|$)/.exec(note)?.[1] ?? '';
    const named = Object.keys(names).filter((m) => new RegExp(`(^|, )${names[m]}( \\(|,|$)`).test(listed));
    assert.deepEqual(named, absent, note);
    assert.match(note, /Omega \(absent until a return falls under the required return\)/);
    assert.doesNotMatch(note, /need 2 returns/);
    assert.deepEqual(problems, []);
  },
);

test(
  'a gap in the history (the bot stopped, then restarted from its saved history) breaks the lines instead of drawing across it',
  { timeout: 60_000 },
  async (t) => {
    if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
    const { monitoring } = await start({ dashboard: { intervalSeconds: 1 } });
    for (let step = 0; step < 8; step++) {
      monitoring.updatePortfolioMetrics({ portfolioValue: 10_000 + step * 10, balance: 10_000 });
      await monitoring.sampleDashboardHistory();
      await sleep(50);
    }
    await launch();
    const breaksOf = async (gapMs: number) => {
      const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
      // The history as a restart after `gapMs` down would serve it: the later half of the samples moved that far on.
      await page.route('**/api/v1/series*', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { timestamps: number[] };
        const half = body.timestamps.length >> 1;
        body.timestamps = body.timestamps.map((ts, i) => (i >= half ? ts + gapMs : ts));
        await route.fulfill({ response, json: body });
      });
      await page.goto(monitoring.dashboardUrl!);
      await page.waitForFunction(
        () => Number(document.getElementById('status')?.dataset.samples ?? 0) >= 8,
        undefined,
        {
          timeout: 30_000,
        },
      );
      await page.waitForFunction(() => window.dashboardLayout().some((c) => c.id === 'c-equity'), undefined, {
        timeout: 15_000,
      });
      const equity = (await page.evaluate(() => window.dashboardLayout())).find((c) => c.id === 'c-equity')!;
      await page.close();
      return equity.breaks;
    };
    assert.equal(await breaksOf(0), 0, 'samples at their interval: one line');
    assert.equal(await breaksOf(2 * 3_600_000), 1, 'two hours down: the line is broken once');
  },
);
