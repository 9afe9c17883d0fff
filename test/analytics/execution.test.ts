/**
 * The execution analytics: the pure functions on hand-computed values, and the SDK's streaming
 * figures against them on seeded random streams of interleaved orders, fills, ends and position
 * updates (fast-check). The SDK must publish what the pure functions compute over the same events.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import fc from 'fast-check';
import {
  exposure,
  fillRatio,
  fillsSlippageBps,
  leverage,
  positionNotional,
  slippageBps,
  unrealizedPnl,
  vwap,
  type Fill,
} from '../../src/analytics/index.ts';
import { find, parseExposition, value } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

const SEED = 20261216;

test('vwap, slippage, fill ratio: hand-computed values, and the sign convention (positive is adverse)', () => {
  const fills: Fill[] = [
    { price: 100, quantity: 1 },
    { price: 102, quantity: 3 },
  ];
  assert.equal(vwap(fills), 101.5);
  assert.equal(vwap([]), undefined);
  assert.equal(slippageBps('buy', 100, 101.5), 150);
  assert.equal(slippageBps('sell', 100, 101.5), -150);
  assert.equal(slippageBps('sell', 200, 199), 50);
  assert.equal(fillsSlippageBps('buy', 100, fills), 150);
  assert.equal(fillsSlippageBps('buy', 100, []), undefined);
  assert.equal(fillRatio(8, fills), 0.5);
  assert.throws(() => slippageBps('buy', 0, 1), RangeError);
  assert.throws(() => fillRatio(0, fills), RangeError);
});

test('positions: notional, unrealized PnL of a long and a short, exposure, leverage', () => {
  const long = { quantity: 2, entryPrice: 50, markPrice: 55 };
  const short = { quantity: -1, entryPrice: 100, markPrice: 110 };
  assert.equal(positionNotional(long), 110);
  assert.equal(unrealizedPnl(long), 10);
  assert.equal(positionNotional(short), -110);
  assert.equal(unrealizedPnl(short), -10);
  assert.deepEqual(exposure([long, short]), { gross: 220, net: 0, long: 110, short: 110 });
  assert.equal(leverage(220, 1000), 0.22);
  assert.equal(leverage(220, 0), undefined);
});

interface PlannedOrder {
  side: 'buy' | 'sell';
  quantity: number;
  expected: number;
  /** Fractions of the quantity, each a fill; summing to 1 means filled by the last fill. */
  parts: number[];
  prices: number[];
  fees: number[];
  /** How an order not completed by its fills ends. */
  end: 'cancelled' | 'expired' | 'open';
}

const orderPlan: fc.Arbitrary<PlannedOrder> = fc
  .record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    quantity: fc.double({ min: 0.001, max: 1000, noNaN: true }),
    expected: fc.double({ min: 0.01, max: 100_000, noNaN: true }),
    weights: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }),
    complete: fc.boolean(),
    drift: fc.array(fc.double({ min: -0.02, max: 0.02, noNaN: true }), { minLength: 5, maxLength: 5 }),
    fees: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
    end: fc.constantFrom('cancelled' as const, 'expired' as const, 'open' as const),
  })
  .map(({ side, quantity, expected, weights, complete, drift, fees, end }) => {
    const total = weights.reduce((a, b) => a + b, 0) + (complete ? 0 : 50);
    return {
      side,
      quantity,
      expected,
      parts: weights.map((w) => w / total),
      prices: drift.map((d) => expected * (1 + d)),
      fees,
      end,
    };
  });

/** What the pure functions say about one stream, filled in as the stream is fed. */
function emptyExpectation() {
  return {
    slippage: { buy: [] as number[], sell: [] as number[] },
    ratios: [] as number[],
    notional: { buy: 0, sell: 0 },
    open: 0,
  };
}

test('streaming execution figures equal the pure functions on seeded random streams of interleaved orders', async () => {
  const streams = fc.sample(fc.array(orderPlan, { minLength: 1, maxLength: 25 }), { seed: SEED, numRuns: 25 });
  const { monitoring: m } = await start({ dashboard: false });
  for (let s = 0; s < streams.length; s++) {
    const orders = streams[s]!;
    const symbol = `S${s}`;
    const expected = emptyExpectation();
    const fills = orders.map((o) => o.parts.map((part, i) => ({ price: o.prices[i]!, quantity: part * o.quantity })));
    orders.forEach((o, i) =>
      m.recordOrder({
        orderId: `${s}-${i}`,
        symbol,
        side: o.side,
        type: 'market',
        quantity: o.quantity,
        expectedPrice: o.expected,
      }),
    );
    // Interleaved: the j-th fill of every order, then the next round.
    const orderEnded: boolean[] = orders.map(() => false);
    const completion: number[] = [];
    for (let j = 0; j < 5; j++) {
      orders.forEach((o, i) => {
        const fill = fills[i]![j];
        if (fill === undefined) return;
        m.recordFill({ orderId: `${s}-${i}`, ...fill, fee: o.fees[j]!, feeAsset: 'USD' });
        expected.notional[o.side] += fill.price * fill.quantity;
        const filled = fills[i]!.slice(0, j + 1).reduce((a, f) => a + f.quantity, 0);
        if (!orderEnded[i] && filled >= o.quantity * (1 - 1e-9)) {
          orderEnded[i] = true;
          completion.push(i);
        }
      });
    }
    orders.forEach((o, i) => {
      if (orderEnded[i] || o.end === 'open') return;
      m.recordOrderUpdate({ orderId: `${s}-${i}`, status: o.end });
      orderEnded[i] = true;
      completion.push(i);
    });
    for (const i of completion) {
      const o = orders[i]!;
      expected.slippage[o.side].push(fillsSlippageBps(o.side, o.expected, fills[i]!)!);
      const ratio = fillRatio(o.quantity, fills[i]!);
      const filledByFills = ratio >= 1 - 1e-9;
      expected.ratios.push(filledByFills ? Math.max(1, ratio) : ratio);
    }
    expected.open = orders.filter((_, i) => !orderEnded[i]).length;
    const exp = parseExposition(await m.metricsText());
    for (const side of ['buy', 'sell'] as const) {
      const values = expected.slippage[side];
      const labels = { symbol, side, venue: 'unspecified', strategy: 'unspecified' };
      const sum = values.reduce((a, b) => a + b, 0);
      if (values.length === 0) assert.equal(find(exp, 'order_slippage_bps_count', labels).length, 0);
      else {
        assert.equal(value(exp, 'order_slippage_bps_count', labels), values.length, `stream ${s} ${side} count`);
        assert.equal(value(exp, 'order_slippage_bps_sum', labels), sum, `stream ${s} ${side} slippage sum`);
      }
      const notional = find(exp, 'traded_notional_total', { symbol, side });
      assert.ok(
        Math.abs((notional[0]?.value ?? 0) - expected.notional[side]) <= 1e-9 * Math.max(1, expected.notional[side]),
        `stream ${s} ${side} notional`,
      );
    }
    const ratioLabels = { symbol, venue: 'unspecified', strategy: 'unspecified' };
    if (expected.ratios.length > 0)
      assert.equal(
        value(exp, 'order_fill_ratio_sum', ratioLabels),
        expected.ratios.reduce((a, b) => a + b, 0),
        `stream ${s} fill ratio`,
      );
    assert.equal(value(exp, 'open_orders', { symbol, venue: 'unspecified' }), expected.open, `stream ${s} open orders`);
    // Close what is left, so the next stream starts with no open order of this one.
    orders.forEach((_, i) => {
      if (!orderEnded[i]) m.recordOrderUpdate({ orderId: `${s}-${i}`, status: 'cancelled' });
    });
  }
});

test('streaming positions equal the pure exposure and unrealized PnL on seeded random sets', async () => {
  const position = fc.record({
    symbol: fc.constantFrom('A', 'B', 'C', 'D'),
    quantity: fc.double({ min: -1000, max: 1000, noNaN: true }),
    entryPrice: fc.double({ min: 0, max: 1e5, noNaN: true }),
    markPrice: fc.double({ min: 0, max: 1e5, noNaN: true }),
  });
  const sets = fc.sample(fc.array(position, { maxLength: 12 }), { seed: SEED + 1, numRuns: 50 });
  const { monitoring: m } = await start({ dashboard: false });
  m.updatePortfolioMetrics({ portfolioValue: 250_000 });
  for (const positions of sets) {
    m.updatePositions({ positions });
    const exp = parseExposition(await m.metricsText());
    const x = exposure(positions);
    for (const kind of ['gross', 'net', 'long', 'short'] as const) {
      assert.ok(Math.abs(value(exp, 'exposure', { kind }) - x[kind]) <= 1e-9 * Math.max(1, x.gross), kind);
    }
    const lev = leverage(x.gross, 250_000);
    if (lev !== undefined) assert.ok(Math.abs(value(exp, 'leverage') - lev) <= 1e-12 * Math.max(1, lev), 'leverage');
    for (const symbol of ['A', 'B', 'C', 'D']) {
      const mine = positions.filter((p) => p.symbol === symbol);
      const pnl = mine.reduce((a, p) => a + unrealizedPnl(p), 0);
      const quantity = mine.reduce((a, p) => a + p.quantity, 0);
      const published = find(exp, 'unrealized_pnl', { symbol });
      // A symbol never seen is not a series yet; one seen before and absent now reads 0.
      if (published.length === 0) assert.equal(mine.length, 0);
      else {
        assert.equal(published[0]!.value, pnl, `unrealized ${symbol}`);
        assert.equal(value(exp, 'position_quantity', { symbol }), quantity, `quantity ${symbol}`);
      }
    }
    const total = positions.reduce((a, p) => a + unrealizedPnl(p), 0);
    assert.ok(Math.abs(value(exp, 'unrealized_pnl', { symbol: 'all' }) - total) <= 1e-9 * Math.max(1, Math.abs(total)));
  }
});
