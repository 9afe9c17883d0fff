/**
 * The recent fills the dashboard shows, through the public API and `GET /api/v1/fills` over real
 * HTTP: the last 50 fills of known orders, newest first, each as recorded, slippage as the pure
 * `slippageBps` computes it; and the order tracking the faster hot path relies on (ids reused after
 * an order ended, orders evicted) still joins each event to the right order.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { slippageBps } from '../../src/analytics/index.ts';
import { RECENT_FILLS } from '../../src/domains/recent-fills.ts';
import type { MonitoringService } from '../../src/index.ts';
import { value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const T0 = Date.UTC(2026, 0, 1);
const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];

interface Expected {
  time: number;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  venue: string;
  strategy: string;
  price: number;
  quantity: number;
  fee: number | null;
  feeAsset: string;
  liquidity: string;
  slippageBps: number | null;
}

async function fills(m: MonitoringService, query = ''): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(`/api/v1/fills${query}`, m.metricsUrl));
  return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
}

test('GET /api/v1/fills: the last 50 fills of known orders, newest first, as recorded; late fills included, unknown ones not', async () => {
  const { monitoring: m } = await start();
  assert.deepEqual((await fills(m)).body, { fills: [] });
  const expected: Expected[] = [];
  for (let i = 0; i < 70; i++) {
    const side = i % 2 === 0 ? 'buy' : 'sell';
    const symbol = SYMBOLS[i % SYMBOLS.length]!;
    // Every fourth order is a market order without a reference: no slippage.
    const limit = i % 4 !== 3;
    const price = 100 + i;
    const id = `o${i}`;
    m.recordOrder({
      orderId: id,
      symbol,
      side: i % 6 === 1 ? 'short' : side,
      type: limit ? 'limit' : 'market',
      quantity: 2,
      ...(limit ? { price } : {}),
      ...(i % 5 === 0 ? {} : { venue: 'binance', strategy: 'mm' }),
      time: T0 + i * 1000,
    });
    for (const [k, part] of [0.5, 1.5].entries()) {
      const fillPrice = price * (1 + (k === 0 ? 0.001 : -0.0005) * (i % 3));
      const fee = i % 7 === 0 ? undefined : i % 2 === 0 ? -0.01 * (k + 1) : 0.02;
      m.recordFill({
        orderId: id,
        price: fillPrice,
        quantity: part,
        ...(fee === undefined ? {} : { fee, feeAsset: 'USDT' }),
        ...(i % 3 === 0 ? {} : { liquidity: i % 2 === 0 ? ('maker' as const) : ('taker' as const) }),
        time: T0 + i * 1000 + 10 + k,
      });
      expected.push({
        time: T0 + i * 1000 + 10 + k,
        orderId: id,
        symbol,
        side,
        venue: i % 5 === 0 ? 'unspecified' : 'binance',
        strategy: i % 5 === 0 ? 'unspecified' : 'mm',
        price: fillPrice,
        quantity: part,
        fee: fee ?? null,
        feeAsset: fee === undefined ? 'unspecified' : 'USDT',
        liquidity: i % 3 === 0 ? 'unspecified' : i % 2 === 0 ? 'maker' : 'taker',
        slippageBps: limit ? slippageBps(side, price, fillPrice) : null,
      });
    }
  }
  // A late fill of an ended order is real money: shown. A fill of an unknown order has no symbol: not shown.
  m.recordFill({ orderId: 'o69', price: 170, quantity: 0.1, time: T0 + 80_000 });
  expected.push({
    time: T0 + 80_000,
    orderId: 'o69',
    symbol: SYMBOLS[69 % 3]!,
    side: 'sell',
    venue: 'binance',
    strategy: 'mm',
    price: 170,
    quantity: 0.1,
    fee: null,
    feeAsset: 'unspecified',
    liquidity: 'unspecified',
    slippageBps: slippageBps('sell', 169, 170),
  });
  m.recordFill({ orderId: 'nobody', price: 1, quantity: 1, time: T0 + 90_000 });

  const { status, body } = await fills(m);
  assert.equal(status, 200);
  const got = (body as { fills: Expected[] }).fills;
  assert.equal(got.length, RECENT_FILLS);
  const want = expected.slice(-RECENT_FILLS).reverse();
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    assert.deepEqual({ ...g, slippageBps: null }, { ...w, slippageBps: null }, `fill ${i}`);
    if (w.slippageBps === null) assert.equal(g.slippageBps, null, `fill ${i} has no reference`);
    else assert.ok(Math.abs(g.slippageBps! - w.slippageBps) <= 1e-9, `fill ${i}: ${g.slippageBps} != ${w.slippageBps}`);
  }
  // Adverse is positive: a buy above and a sell below its reference.
  assert.ok(got.some((f) => f.slippageBps !== null && f.slippageBps > 0));
  const exp = await scrape(m);
  assert.equal(value(exp, 'order_tracking_errors_total', { reason: 'after_terminal' }), 1);
  assert.equal(value(exp, 'order_tracking_errors_total', { reason: 'unknown_order' }), 1);
  assert.equal((await fills(m, '?limit=5')).status, 400, 'no parameter taken');
});

test('the fills route is not served without the dashboard', async () => {
  const { monitoring: m } = await start({ dashboard: false });
  assert.equal((await fills(m)).status, 404);
});

test('an id reused after its order ended, orders evicted and forgotten: each event joins the order it belongs to', async () => {
  // Two open orders at most, and the last two ended ones remembered.
  const { monitoring: m } = await start({ maxOpenOrders: 2 });
  const order = (orderId: string, time: number) =>
    m.recordOrder({ orderId, symbol: 'BTC/USD', side: 'buy', type: 'limit', quantity: 1, price: 100, time });
  order('X', T0);
  m.recordFill({ orderId: 'X', price: 100, quantity: 1, time: T0 + 1 }); // X ends, remembered
  order('X', T0 + 2); // the id again: a new order
  m.recordOrderUpdate({ orderId: 'X', status: 'accepted', time: T0 + 3 });
  // Two more orders end: the ring forgets the first X, which must not take the open X out of the map.
  for (const id of ['a', 'b']) {
    order(id, T0 + 4);
    m.recordOrderUpdate({ orderId: id, status: 'cancelled', time: T0 + 5 });
  }
  m.recordFill({ orderId: 'X', price: 101, quantity: 1, time: T0 + 6 });
  let exp = await scrape(m);
  assert.equal(value(exp, 'order_tracking_errors_total', { reason: 'unknown_order' }), 0);
  assert.equal(value(exp, 'order_events_total', { symbol: 'BTC/USD', event: 'filled' }), 2);
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD' }), 0);

  // P is found last (its ack), then evicted by two newer orders; its object is reused by the next order.
  order('P', T0 + 10);
  m.recordOrderUpdate({ orderId: 'P', status: 'accepted', time: T0 + 11 });
  order('Q', T0 + 12);
  order('R', T0 + 13); // evicts P
  m.recordOrderUpdate({ orderId: 'Q', status: 'cancelled', time: T0 + 14 });
  order('S', T0 + 15);
  m.recordFill({ orderId: 'P', price: 100, quantity: 1, time: T0 + 16 });
  m.recordFill({ orderId: 'S', price: 100, quantity: 1, time: T0 + 17 });
  exp = await scrape(m);
  assert.equal(value(exp, 'order_tracking_errors_total', { reason: 'evicted' }), 1);
  assert.equal(value(exp, 'order_tracking_errors_total', { reason: 'unknown_order' }), 1, 'the fill of P');
  assert.equal(value(exp, 'order_events_total', { symbol: 'BTC/USD', event: 'filled' }), 3, 'S filled');
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD' }), 1, 'R still open');
  const shown = ((await fills(m)).body as { fills: Expected[] }).fills.map((f) => f.orderId);
  assert.deepEqual(shown, ['S', 'X', 'X']);
});
