/**
 * The "recent fills" table in Chromium: after a bot's orders and fills, the table holds exactly the
 * fills recorded, newest first, the same as `GET /api/v1/fills`, with no console error.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { requireBinary } from '../helpers/binaries.ts';
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
declare const document: { getElementById(id: string): HTMLElement | null };

test('the recent fills table in Chromium equals the fills recorded, newest first', { timeout: 60_000 }, async (t) => {
  if (!requireBinary(t, 'chromium', 'apt-get install chromium')) return;
  const { monitoring: m } = await start({ dashboard: { intervalSeconds: 1 } });
  const t0 = Date.now() - 60_000;
  // The header's symbol selector lists the symbols of the history's metrics: a signal for each.
  for (const symbol of ['BTC/USD', 'ETH/USD'])
    m.recordTradingSignal({ symbol, direction: 'buy', modelType: 'x', confidenceLevel: 0.5 });
  const recorded: { orderId: string; cells: string[]; values: (number | null)[] }[] = [];
  for (let i = 0; i < 8; i++) {
    const side = i % 2 === 0 ? 'buy' : 'sell';
    const limit = i !== 5;
    m.recordOrder({
      orderId: `c-${i}`,
      symbol: i < 4 ? 'BTC/USD' : 'ETH/USD',
      side,
      type: limit ? 'limit' : 'market',
      quantity: 1,
      ...(limit ? { price: 100 } : {}),
      venue: i % 3 === 0 ? 'kraken' : 'binance',
      time: t0 + i * 1000,
    });
    const price = side === 'buy' ? 100.5 : 99.75;
    const fee = i === 2 ? -0.25 : 0.5;
    m.recordFill({
      orderId: `c-${i}`,
      price,
      quantity: 1,
      fee,
      feeAsset: 'USDT',
      liquidity: i === 2 ? 'maker' : 'taker',
      time: t0 + i * 1000 + 200,
    });
    // Adverse is positive: a buy at 100.5 against 100 is +50 bps, a sell at 99.75 +25 bps.
    const bps = limit ? (side === 'buy' ? 50 : 25) : null;
    recorded.unshift({
      orderId: `c-${i}`,
      cells: [i < 4 ? 'BTC/USD' : 'ETH/USD', side, i % 3 === 0 ? 'kraken' : 'binance'],
      values: [t0 + i * 1000 + 200, price, 1, fee, bps],
    });
  }
  browser = await launchChromium();
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(m.dashboardUrl!);
  await page.waitForFunction(() => document.getElementById('t-fills')?.dataset.points === '8', undefined, {
    timeout: 30_000,
  });
  const rows = await page.$$eval('#t-fills tbody tr', (trs) =>
    trs.map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) => ({
        text: (td as { textContent: string | null }).textContent ?? '',
        value: (td as unknown as HTMLElement).dataset.value,
      })),
    ),
  );
  assert.equal(rows.length, recorded.length);
  const api = (await (await fetch(new URL('/api/v1/fills', m.metricsUrl))).json()) as { fills: { orderId: string }[] };
  assert.deepEqual(
    api.fills.map((f) => f.orderId),
    recorded.map((r) => r.orderId),
  );
  for (const [i, row] of rows.entries()) {
    const want = recorded[i]!;
    // Columns: time, symbol, side, venue, price, quantity, fee, liquidity, slippage.
    assert.deepEqual([row[1]!.text, row[2]!.text, row[3]!.text], want.cells, `row ${i}`);
    const numbers = [row[0]!, row[4]!, row[5]!, row[6]!, row[8]!].map((c) => (c.value === '' ? null : Number(c.value)));
    assert.equal(numbers.length, want.values.length);
    for (const [k, v] of want.values.entries()) {
      if (v === null) assert.equal(numbers[k], null, `row ${i} column ${k}`);
      else
        assert.ok(
          Math.abs(numbers[k]! - v) <= 1e-9 * Math.max(1, Math.abs(v)),
          `row ${i} column ${k}: ${numbers[k]} != ${v}`,
        );
    }
    assert.match(row[6]!.text, /USDT$/, 'the fee asset is shown');
    assert.equal(row[7]!.text, want.values[3]! < 0 ? 'maker' : 'taker');
  }

  // The symbol picked in the header filters the table.
  await page.selectOption('#symbol', 'ETH/USD');
  await page.waitForFunction(() => document.getElementById('t-fills')?.dataset.points === '4', undefined, {
    timeout: 30_000,
  });
  const eth = await page.$$eval('#t-fills tbody tr', (trs) =>
    trs.map((tr) => (tr.querySelectorAll('td')[1] as { textContent: string | null }).textContent),
  );
  assert.deepEqual(eth, ['ETH/USD', 'ETH/USD', 'ETH/USD', 'ETH/USD']);
  assert.match(textOf(await page.textContent('#n-fills')), /^4 of the last 8 fills, for ETH\/USD/);
  assert.deepEqual(problems, []);
});

function textOf(text: string | null): string {
  return text ?? '';
}
