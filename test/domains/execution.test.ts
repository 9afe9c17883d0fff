/**
 * Orders, fills, positions, balances and per-strategy results through the public API, scraped over
 * real HTTP: exact values for hand-built scenarios, every tracking error by reason, bad input for
 * every new method (dropped and counted; a typed error in strict mode), and the cardinality caps.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { exposure, fillRatio, fillsSlippageBps, unrealizedPnl, vwap } from '../../src/analytics/index.ts';
import { MonitoringInputError, type MonitoringService } from '../../src/index.ts';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

const dirs: string[] = [];
afterEach(stopAll);
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const T0 = Date.UTC(2026, 0, 1);
/** The per-strategy statistics with a window, and the per-symbol family each must equal on the same trades. */
const STRATEGY_STAT_NAMES = [
  'win_rate',
  'profit_factor',
  'expectancy',
  'payoff_ratio',
  'sqn',
  'max_consecutive_wins',
  'max_consecutive_losses',
  'largest_win',
  'largest_loss',
  'gross_profit',
  'gross_loss',
  'trade_fees',
].map((name) => [`strategy_${name}`, name] as const);

function near(actual: number, expected: number, message: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${message}: ${actual} != ${expected}`,
  );
}

function count(exp: Exposition, name: string, labels: Record<string, string>): number {
  const s = find(exp, name, labels);
  return s.length === 0 ? 0 : s.reduce((a, b) => a + b.value, 0);
}

function events(exp: Exposition, event: string, labels: Record<string, string> = {}): number {
  return count(exp, 'order_events_total', { ...labels, event });
}

function invalid(exp: Exposition, method: string, reason: string): number {
  return count(exp, 'monitoring_invalid_inputs_total', { method, reason });
}

function tracking(exp: Exposition, reason: string): number {
  return value(exp, 'order_tracking_errors_total', { reason });
}

test('a limit order partially filled with a maker rebate, then cancelled: fill ratio, slippage, rebate, events', async () => {
  const { monitoring: m } = await start();
  m.recordOrder({
    orderId: 'L1',
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    quantity: 10,
    price: 100,
    venue: 'binance',
    strategy: 'mm',
    time: T0,
  });
  m.recordOrderUpdate({ orderId: 'L1', status: 'accepted', time: T0 + 40 });
  m.recordFill({
    orderId: 'L1',
    price: 99.5,
    quantity: 4,
    fee: -0.02,
    feeAsset: 'USDT',
    liquidity: 'maker',
    time: T0 + 500,
  });
  let exp = await scrape(m);
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD', venue: 'binance' }), 1);
  m.recordOrderUpdate({ orderId: 'L1', status: 'partially_filled', time: T0 + 500 });
  m.recordOrderUpdate({ orderId: 'L1', status: 'cancelled', time: T0 + 2000 });
  exp = await scrape(m);
  const labels = { symbol: 'BTC/USD', side: 'buy', venue: 'binance', strategy: 'mm' };
  for (const [event, n] of [
    ['submitted', 1],
    ['accepted', 1],
    ['partially_filled', 1],
    ['filled', 0],
    ['cancelled', 1],
    ['rejected', 0],
    ['expired', 0],
  ] as const)
    assert.equal(events(exp, event, labels), n, event);
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD', venue: 'binance' }), 0);
  // The limit price is the reference: bought 50 bps below it, a favourable (negative) slippage.
  const reference = fillsSlippageBps('buy', 100, [{ price: 99.5, quantity: 4 }]);
  assert.equal(reference, -50);
  near(value(exp, 'order_slippage_bps_sum', labels), -50, 'slippage');
  assert.equal(value(exp, 'order_slippage_bps_count', labels), 1);
  assert.equal(value(exp, 'order_slippage_bps_bucket', { ...labels, le: '-50' }), 1);
  assert.equal(value(exp, 'order_slippage_bps_bucket', { ...labels, le: '-100' }), 0);
  const ratio = { symbol: 'BTC/USD', venue: 'binance', strategy: 'mm' };
  assert.equal(value(exp, 'order_fill_ratio_sum', ratio), fillRatio(10, [{ price: 99.5, quantity: 4 }]));
  assert.equal(value(exp, 'order_fill_ratio_sum', ratio), 0.4);
  assert.equal(value(exp, 'traded_notional_total', { symbol: 'BTC/USD', side: 'buy', venue: 'binance' }), 398);
  assert.equal(value(exp, 'fee_rebates_total', { venue: 'binance', asset: 'USDT', liquidity: 'maker' }), 0.02);
  assert.equal(find(exp, 'fees_paid_total').length, 0);
  near(value(exp, 'order_latency_seconds_sum', { venue: 'binance', stage: 'submit_to_ack' }), 0.04, 'ack');
  near(value(exp, 'order_latency_seconds_sum', { venue: 'binance', stage: 'submit_to_first_fill' }), 0.5, 'first fill');
  // Cancelled: no complete fill, so no submit_to_fill latency.
  assert.equal(find(exp, 'order_latency_seconds_count', { stage: 'submit_to_fill' }).length, 0);
  for (const reason of ['unknown_order', 'after_terminal', 'duplicate_order', 'overfill', 'evicted'])
    assert.equal(tracking(exp, reason), 0, reason);
});

test('a market sell filled in three pieces: VWAP slippage, taker fees, latencies, and the confirming update is no error', async () => {
  const { monitoring: m } = await start();
  m.recordOrder({
    orderId: 7,
    symbol: 'ETH/USD',
    side: 'short',
    type: 'market',
    quantity: 3,
    expectedPrice: 200,
    signalTime: new Date(T0 - 250),
    time: T0,
  });
  const fills = [
    { price: 199.9, quantity: 1 },
    { price: 199.8, quantity: 1.5 },
    { price: 199.5, quantity: 0.5 },
  ];
  fills.forEach((f, i) =>
    m.recordFill({ orderId: 7, ...f, fee: 0.1, feeAsset: 'USD', liquidity: 'taker', time: T0 + 100 * (i + 1) }),
  );
  m.recordOrderUpdate({ orderId: '7', status: 'filled', time: T0 + 310 });
  const exp = await scrape(m);
  const labels = { symbol: 'ETH/USD', side: 'sell', venue: 'unspecified', strategy: 'unspecified' };
  const expected = fillsSlippageBps('sell', 200, fills)!;
  // VWAP 199.7666…: a sell 11.67 bps below its reference, adverse, so positive.
  near(vwap(fills)!, (199.9 + 199.8 * 1.5 + 199.5 * 0.5) / 3, 'vwap');
  near(expected, ((200 - (199.9 + 299.7 + 99.75) / 3) / 200) * 10_000, 'reference');
  assert.ok(expected > 0);
  near(value(exp, 'order_slippage_bps_sum', labels), expected, 'slippage');
  assert.equal(events(exp, 'filled', labels), 1);
  assert.equal(events(exp, 'partially_filled', labels), 1);
  assert.equal(
    value(exp, 'order_fill_ratio_sum', { symbol: 'ETH/USD', venue: 'unspecified', strategy: 'unspecified' }),
    1,
  );
  near(value(exp, 'fees_paid_total', { venue: 'unspecified', asset: 'USD', liquidity: 'taker' }), 0.3, 'fees');
  near(
    value(exp, 'traded_notional_total', { symbol: 'ETH/USD', side: 'sell', venue: 'unspecified' }),
    599.35,
    'notional',
  );
  near(value(exp, 'order_latency_seconds_sum', { stage: 'signal_to_submit' }), 0.25, 'signal to submit');
  near(value(exp, 'order_latency_seconds_sum', { stage: 'submit_to_first_fill' }), 0.1, 'first fill');
  near(value(exp, 'order_latency_seconds_sum', { stage: 'submit_to_fill' }), 0.3, 'complete fill');
  assert.equal(tracking(exp, 'after_terminal'), 0);
  assert.equal(value(exp, 'open_orders', { symbol: 'ETH/USD', venue: 'unspecified' }), 0);
});

test('a rejection counts by venue and reason; reasons past 50 fold into other; a too-long reason is other', async () => {
  const { monitoring: m } = await start();
  for (let i = 0; i < 52; i++) {
    m.recordOrder({ orderId: `r${i}`, symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 1, venue: 'kraken' });
    m.recordOrderUpdate({ orderId: `r${i}`, status: 'rejected', reason: `code ${i}` });
  }
  m.recordOrder({ orderId: 'long', symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 1, venue: 'kraken' });
  m.recordOrderUpdate({ orderId: 'long', status: 'rejected', reason: 'x'.repeat(300) });
  const exp = await scrape(m);
  assert.equal(value(exp, 'order_rejections_total', { venue: 'kraken', reason: 'code 0' }), 1);
  assert.equal(value(exp, 'order_rejections_total', { venue: 'kraken', reason: 'other' }), 3);
  assert.equal(count(exp, 'order_rejections_total', { venue: 'kraken' }), 53);
  assert.equal(events(exp, 'rejected'), 53);
  // A rejected order has no fill ratio.
  assert.equal(find(exp, 'order_fill_ratio_count').length, 0);
});

test('tracking errors: unknown ids, events after the end, duplicates, overfills, evictions; never thrown, strict included', async () => {
  const { monitoring: m } = await start({ maxOpenOrders: 2, strict: true });
  const order = (orderId: string) => ({
    orderId,
    symbol: 'BTC/USD',
    side: 'buy' as const,
    type: 'limit',
    quantity: 1,
    price: 10,
  });
  m.recordFill({ orderId: 'nope', price: 10, quantity: 1 }); // a fill before its order
  m.recordOrderUpdate({ orderId: 'nope', status: 'accepted' });
  m.recordOrder(order('a'));
  m.recordOrder(order('a')); // duplicate
  m.recordOrderUpdate({ orderId: 'a', status: 'cancelled' });
  m.recordFill({ orderId: 'a', price: 10, quantity: 1, fee: 0.01, feeAsset: 'USD' }); // after its end: money still counts
  m.recordOrderUpdate({ orderId: 'a', status: 'cancelled' }); // the same end told twice: no error
  m.recordOrderUpdate({ orderId: 'a', status: 'expired' }); // another end: after_terminal
  m.recordOrder(order('b'));
  m.recordFill({ orderId: 'b', price: 10, quantity: 0.5 });
  m.recordOrder(order('c'));
  m.recordOrder(order('d')); // evicts b
  m.recordFill({ orderId: 'b', price: 10, quantity: 0.5 }); // unknown now
  m.recordOrder(order('o'));
  m.recordFill({ orderId: 'o', price: 10, quantity: 1.5 }); // overfill, and filled
  const exp = await scrape(m);
  assert.equal(tracking(exp, 'unknown_order'), 3);
  assert.equal(tracking(exp, 'after_terminal'), 2);
  assert.equal(tracking(exp, 'duplicate_order'), 1);
  assert.equal(tracking(exp, 'evicted'), 2);
  assert.equal(tracking(exp, 'overfill'), 1);
  // c and d were open: o evicted c, then ended filled by its overfill.
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD', venue: 'unspecified' }), 1);
  assert.equal(value(exp, 'fees_paid_total', { venue: 'unspecified', asset: 'USD', liquidity: 'unspecified' }), 0.01);
  assert.equal(value(exp, 'order_fill_ratio_sum', { strategy: 'unspecified', venue: 'unspecified' }), 0 + 1.5);
});

test("a short position's unrealized PnL, notional, exposure and leverage; an absent position reads 0", async () => {
  const { monitoring: m } = await start();
  m.updatePortfolioMetrics({ portfolioValue: 1000 });
  const positions = [
    { symbol: 'BTC/USD', quantity: -2, entryPrice: 100, markPrice: 90, venue: 'deribit' },
    { symbol: 'ETH/USD', quantity: 3, entryPrice: 10, markPrice: 12 },
    { symbol: 'ETH/USD', quantity: 1, entryPrice: 11, markPrice: 12, strategy: 'trend' },
  ];
  m.updatePositions({ positions });
  let exp = await scrape(m);
  assert.equal(unrealizedPnl(positions[0]!), 20);
  assert.equal(value(exp, 'unrealized_pnl', { symbol: 'BTC/USD', venue: 'deribit' }), 20);
  assert.equal(value(exp, 'position_quantity', { symbol: 'BTC/USD', venue: 'deribit' }), -2);
  assert.equal(value(exp, 'position_notional', { symbol: 'BTC/USD', venue: 'deribit' }), -180);
  // Two strategies' positions in one symbol and venue are summed.
  assert.equal(value(exp, 'position_quantity', { symbol: 'ETH/USD', venue: 'unspecified' }), 4);
  assert.equal(value(exp, 'unrealized_pnl', { symbol: 'ETH/USD', venue: 'unspecified' }), 7);
  assert.equal(value(exp, 'unrealized_pnl', { symbol: 'all', venue: 'all' }), 27);
  const reference = exposure(positions);
  assert.deepEqual(reference, { gross: 228, net: -132, long: 48, short: 180 });
  for (const kind of ['gross', 'net', 'long', 'short'] as const)
    assert.equal(value(exp, 'exposure', { kind }), reference[kind], kind);
  near(value(exp, 'leverage'), 0.228, 'leverage');

  m.updatePositions({ positions: [{ symbol: 'ETH/USD', quantity: 1, entryPrice: 10, markPrice: 10 }] });
  exp = await scrape(m);
  assert.equal(value(exp, 'position_quantity', { symbol: 'BTC/USD', venue: 'deribit' }), 0);
  assert.equal(value(exp, 'unrealized_pnl', { symbol: 'BTC/USD', venue: 'deribit' }), 0);
  assert.equal(value(exp, 'unrealized_pnl', { symbol: 'all', venue: 'all' }), 0);
  assert.equal(value(exp, 'exposure', { kind: 'short' }), 0);
  near(value(exp, 'leverage'), 0.01, 'leverage');
});

test('balances: free, locked and value where given; the set is replaced', async () => {
  const { monitoring: m } = await start();
  m.updateBalances({
    balances: [
      { venue: 'binance', asset: 'USDT', free: 900, locked: 100, value: 1000 },
      { venue: 'binance', asset: 'BTC', free: 0.5 },
    ],
  });
  let exp = await scrape(m);
  assert.equal(value(exp, 'asset_balance', { venue: 'binance', asset: 'USDT', state: 'free' }), 900);
  assert.equal(value(exp, 'asset_balance', { venue: 'binance', asset: 'USDT', state: 'locked' }), 100);
  assert.equal(value(exp, 'asset_balance', { venue: 'binance', asset: 'USDT', state: 'value' }), 1000);
  assert.equal(value(exp, 'asset_balance', { venue: 'binance', asset: 'BTC', state: 'locked' }), 0);
  assert.equal(find(exp, 'asset_balance', { asset: 'BTC', state: 'value' }).length, 0);
  m.updateBalances({ balances: [{ venue: 'binance', asset: 'BTC', free: 0.4 }] });
  exp = await scrape(m);
  assert.equal(find(exp, 'asset_balance', { asset: 'USDT' }).length, 0);
  assert.equal(value(exp, 'asset_balance', { asset: 'BTC', state: 'free' }), 0.4);
});

test('a negative fee is a rebate: the closed trade counts with net pnl = pnl - fees', async () => {
  const { monitoring: m } = await start();
  m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'long', pnl: 10, fees: -0.5, strategy: 'mm' });
  m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'short', pnl: -0.25, fees: -0.25 });
  const exp = await scrape(m);
  assert.equal(value(exp, 'realized_pnl', { symbol: 'all' }), 10.5);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'buy', outcome: 'win' }), 1);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', direction: 'sell', outcome: 'draw' }), 1);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'mm' }), 10.5);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'unspecified' }), 0);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'all' }), 10.5);
});

test('per-strategy results equal the per-symbol ones of the same trades, and leave the existing families unchanged', async () => {
  const { monitoring: m } = await start({ tradeWindow: 3 });
  const trades = [
    { pnl: 10, strategy: 'a', fees: 0.5 },
    { pnl: -4, strategy: 'b' },
    { pnl: 6, strategy: 'a' },
    { pnl: -2, strategy: 'a', fees: 0.25 },
    { pnl: -1, strategy: 'a' },
    { pnl: 3, strategy: 'a', fees: 0.1 },
    { pnl: 4, strategy: 'a' },
  ];
  for (const t of trades) m.recordClosedTrade({ symbol: t.strategy === 'a' ? 'A' : 'B', direction: 'buy', ...t });
  m.recordTradingSignal({ symbol: 'A', direction: 'Long', confidenceLevel: 0.7, strategy: 'a' });
  m.recordExecutedTrade({ symbol: 'A', direction: 'SHORT', success: false, strategy: 'a' });
  const exp = await scrape(m);
  // symbol A holds exactly strategy a's trades: every statistic must match.
  for (const [name, perSymbol] of STRATEGY_STAT_NAMES)
    for (const window of ['lifetime', 'rolling']) {
      const expected = value(exp, perSymbol, { symbol: 'A', window });
      assert.ok(Number.isFinite(expected), `${perSymbol} ${window} is published`);
      assert.equal(value(exp, name, { strategy: 'a', window }), expected, `${name} ${window}`);
    }
  assert.equal(value(exp, 'strategy_current_streak', { strategy: 'a' }), value(exp, 'current_streak', { symbol: 'A' }));
  assert.equal(value(exp, 'strategy_current_streak', { strategy: 'a' }), 2);
  assert.equal(value(exp, 'strategy_max_consecutive_losses', { strategy: 'a', window: 'lifetime' }), 2);
  // b has a loss and no win: no payoff ratio, no SQN of one trade, rather than NaN or Inf.
  assert.equal(find(exp, 'strategy_payoff_ratio', { strategy: 'b' }).length, 0);
  assert.equal(find(exp, 'strategy_sqn', { strategy: 'b' }).length, 0);
  assert.equal(value(exp, 'strategy_current_streak', { strategy: 'b' }), -1);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'a' }), value(exp, 'realized_pnl', { symbol: 'A' }));
  assert.equal(value(exp, 'strategy_trades_closed_total', { strategy: 'all', outcome: 'win' }), 4);
  assert.equal(value(exp, 'strategy_trades_closed_total', { strategy: 'b', outcome: 'loss' }), 1);
  assert.equal(value(exp, 'strategy_signals_total', { strategy: 'a', direction: 'buy' }), 1);
  assert.equal(value(exp, 'strategy_executed_trades_total', { strategy: 'a', status: 'failed' }), 1);
  assert.equal(value(exp, 'trading_signals_total', { symbol: 'A', direction: 'buy' }), 1);
  assert.equal(value(exp, 'executed_trades_total', { symbol: 'A', direction: 'sell', status: 'failed' }), 1);
  // The existing families keep one series per symbol: no strategy label.
  assert.equal(find(exp, 'realized_pnl', { symbol: 'all' }).length, 1);
  assert.ok(find(exp, 'win_rate').every((s) => !('strategy' in s.labels)));
});

test('cardinality: strategies past maxStrategies are recorded as other; positions and balances past maxSeriesPerMetric overflow', async () => {
  const first = await start({ maxStrategies: 2 });
  for (const strategy of ['s1', 's2', 's3', 's4']) {
    first.monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 1, strategy });
    first.monitoring.recordTradingSignal({ symbol: 'BTC/USD', direction: 'buy', confidenceLevel: 0.5, strategy });
  }
  first.monitoring.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'market', quantity: 1, strategy: 's9' });
  let exp = await scrape(first.monitoring);
  assert.equal(value(exp, 'strategy_trades_closed_total', { strategy: 'other', outcome: 'win' }), 2);
  assert.equal(value(exp, 'strategy_signals_total', { strategy: 'other', direction: 'buy' }), 2);
  assert.deepEqual(
    new Set(find(exp, 'strategy_realized_pnl').map((s) => s.labels['strategy'])),
    new Set(['all', 's1', 's2', 'other']),
  );
  for (const name of ['strategy_gross_profit', 'strategy_max_consecutive_wins', 'strategy_current_streak'])
    assert.deepEqual(
      new Set(find(exp, name).map((s) => s.labels['strategy'])),
      new Set(['all', 's1', 's2', 'other']),
      name,
    );
  assert.equal(value(exp, 'strategy_max_consecutive_wins', { strategy: 'other', window: 'lifetime' }), 2);
  assert.equal(events(exp, 'submitted', { strategy: 'other' }), 1);
  await first.monitoring.shutdown();

  const { monitoring: m } = await start({ maxSeriesPerMetric: 8 });
  const positions = Array.from({ length: 12 }, (_, i) => ({
    symbol: `S${i}`,
    quantity: 1,
    entryPrice: 1,
    markPrice: 2,
  }));
  m.updatePositions({ positions });
  m.updateBalances({ balances: positions.map((p) => ({ venue: 'v', asset: p.symbol, free: 1 })) });
  exp = await scrape(m);
  assert.ok(find(exp, 'position_quantity').length <= 9);
  assert.ok(value(exp, 'position_quantity', { otel_metric_overflow: 'true' }) > 0);
  assert.ok(value(exp, 'monitoring_series_overflow_total', { metric: 'position_quantity' }) > 0);
  assert.ok(value(exp, 'monitoring_series_overflow_total', { metric: 'asset_balance' }) > 0);
  // The exposure is computed from every position, folded or not.
  assert.equal(value(exp, 'exposure', { kind: 'gross' }), 24);
});

const BAD: [method: string, call: (m: MonitoringService) => void, reason: string][] = [
  ['recordOrder', (m) => m.recordOrder(null as never), 'not_object'],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: '', symbol: 'X', side: 'buy', type: 'market', quantity: 1 }),
    'empty_string',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'hold' as never, type: 'market', quantity: 1 }),
    'unknown_direction',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'market', quantity: 0 }),
    'out_of_range',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'market', quantity: Number.NaN }),
    'not_finite',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'limit', quantity: 1, price: -1 }),
    'negative',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'market', quantity: 1, strategy: 'all' }),
    'reserved_value',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'market', quantity: 1, time: 'now' as never }),
    'wrong_type',
  ],
  [
    'recordOrder',
    (m) => m.recordOrder({ orderId: 1, symbol: 'X', side: 'buy', type: 'market', quantity: 1, size: 1 } as never),
    'unknown_field',
  ],
  ['recordOrderUpdate', (m) => m.recordOrderUpdate({ orderId: 1, status: 'done' as never }), 'out_of_range'],
  ['recordOrderUpdate', (m) => m.recordOrderUpdate({ orderId: 1, status: 'toString' as never }), 'out_of_range'],
  ['recordOrderUpdate', (m) => m.recordOrderUpdate({ orderId: 1 } as never), 'missing_field'],
  [
    'recordOrderUpdate',
    (m) => m.recordOrderUpdate({ orderId: Number.POSITIVE_INFINITY, status: 'filled' }),
    'not_finite',
  ],
  ['recordFill', (m) => m.recordFill({ orderId: 1, price: 0, quantity: 1 }), 'out_of_range'],
  [
    'recordFill',
    (m) => m.recordFill({ orderId: 1, price: 1, quantity: 1, fee: Number.POSITIVE_INFINITY }),
    'not_finite',
  ],
  [
    'recordFill',
    (m) => m.recordFill({ orderId: 1, price: 1, quantity: 1, liquidity: 'both' as never }),
    'out_of_range',
  ],
  ['recordFill', (m) => m.recordFill({ orderId: 1, price: 1, quantity: 1, feeAsset: '' }), 'empty_string'],
  ['updatePositions', (m) => m.updatePositions({ positions: 5 as never }), 'wrong_type'],
  ['updatePositions', (m) => m.updatePositions({} as never), 'missing_field'],
  [
    'updatePositions',
    (m) => m.updatePositions({ positions: [{ symbol: 'all', quantity: 1, entryPrice: 1, markPrice: 1 }] }),
    'reserved_value',
  ],
  [
    'updatePositions',
    (m) => m.updatePositions({ positions: [{ symbol: 'X', quantity: 1, entryPrice: -1, markPrice: 1 }] }),
    'negative',
  ],
  ['updateBalances', (m) => m.updateBalances({ balances: [{ venue: 'v', asset: 'A', free: -1 }] }), 'negative'],
  ['updateBalances', (m) => m.updateBalances({ balances: [{ venue: 'v', free: 1 }] as never }), 'missing_field'],
  [
    'recordClosedTrade',
    (m) => m.recordClosedTrade({ symbol: 'X', direction: 'buy', pnl: 1, strategy: 'other' }),
    'reserved_value',
  ],
  [
    'recordTradingSignal',
    (m) => m.recordTradingSignal({ symbol: 'X', direction: 'buy', confidenceLevel: 1, strategy: '' }),
    'empty_string',
  ],
  [
    'recordExecutedTrade',
    (m) => m.recordExecutedTrade({ symbol: 'X', direction: 'buy', success: true, strategy: 7 as never }),
    'wrong_type',
  ],
];

test('bad input to every new method is dropped and counted by reason, and records nothing', async () => {
  const { monitoring: m } = await start();
  for (const [, call] of BAD) call(m);
  const exp = await scrape(m);
  const expected = new Map<string, number>();
  for (const [method, , reason] of BAD)
    expected.set(`${method} ${reason}`, (expected.get(`${method} ${reason}`) ?? 0) + 1);
  for (const [key, n] of expected) {
    const [method, reason] = key.split(' ') as [string, string];
    assert.equal(invalid(exp, method, reason), n, key);
  }
  assert.equal(events(exp, 'submitted'), 0);
  assert.equal(find(exp, 'position_quantity').length, 0);
  assert.equal(find(exp, 'asset_balance').length, 0);
  assert.equal(find(exp, 'trades_closed_total').length, 0);
  assert.equal(find(exp, 'trading_signals_total').length, 0);
  assert.equal(find(exp, 'executed_trades_total').length, 0);
});

test('strict mode: bad input to every new method throws a MonitoringInputError naming method and reason', async () => {
  const { monitoring: m } = await start({ strict: true });
  for (const [method, call, reason] of BAD) {
    assert.throws(
      () => call(m),
      (error: unknown) => error instanceof MonitoringInputError && error.method === method && error.reason === reason,
      `${method} ${reason}`,
    );
  }
});

test('an update of positions is applied whole or not at all', async () => {
  const { monitoring: m } = await start();
  m.updatePositions({ positions: [{ symbol: 'A', quantity: 1, entryPrice: 1, markPrice: 2 }] });
  m.updatePositions({
    positions: [
      { symbol: 'B', quantity: 1, entryPrice: 1, markPrice: 2 },
      { symbol: 'C', quantity: 1, entryPrice: 1, markPrice: Number.NaN },
    ],
  });
  const exp = await scrape(m);
  assert.equal(value(exp, 'position_quantity', { symbol: 'A' }), 1);
  assert.equal(find(exp, 'position_quantity', { symbol: 'B' }).length, 0);
});

test('open orders and per-strategy results survive a restart: the rest of the fills complete the order as if uninterrupted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'execution-state-'));
  dirs.push(dir);
  const base = { dashboard: false as const, stateDirectory: dir };
  const feedStart = (m: MonitoringService) => {
    m.recordOrder({
      orderId: 'x',
      symbol: 'BTC/USD',
      side: 'buy',
      type: 'market',
      quantity: 2,
      expectedPrice: 100,
      strategy: 'trend',
      time: T0,
    });
    m.recordFill({ orderId: 'x', price: 100.2, quantity: 1, time: T0 + 10 });
    m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 5, strategy: 'trend' });
    m.updatePositions({ positions: [{ symbol: 'BTC/USD', quantity: 1, entryPrice: 100.2, markPrice: 101 }] });
  };
  const feedEnd = (m: MonitoringService) => {
    m.recordFill({ orderId: 'x', price: 100.4, quantity: 1, time: T0 + 20 });
    m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: -1, strategy: 'trend' });
  };
  const uninterrupted = await start({ dashboard: false });
  feedStart(uninterrupted.monitoring);
  feedEnd(uninterrupted.monitoring);
  const reference = await scrape(uninterrupted.monitoring);
  await uninterrupted.monitoring.shutdown();

  const first = await start(base);
  feedStart(first.monitoring);
  assert.equal(value(await scrape(first.monitoring), 'open_orders', { symbol: 'BTC/USD' }), 1);
  await first.monitoring.shutdown();
  const second = await start(base);
  let exp = await scrape(second.monitoring);
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD' }), 1);
  assert.equal(value(exp, 'position_quantity', { symbol: 'BTC/USD' }), 1);
  feedEnd(second.monitoring);
  exp = await scrape(second.monitoring);
  const labels = { symbol: 'BTC/USD', side: 'buy', venue: 'unspecified', strategy: 'trend' };
  near(value(exp, 'order_slippage_bps_sum', labels), value(reference, 'order_slippage_bps_sum', labels), 'slippage');
  near(value(exp, 'order_slippage_bps_sum', labels), 30, 'slippage');
  for (const name of ['strategy_realized_pnl', 'strategy_current_streak', ...STRATEGY_STAT_NAMES.map((n) => n[0])]) {
    const expected = find(reference, name);
    assert.ok(expected.length > 0, `${name} is published`);
    assert.equal(find(exp, name).length, expected.length, `${name} series`);
    for (const s of expected) assert.equal(value(exp, name, s.labels), s.value, `${name} ${JSON.stringify(s.labels)}`);
  }
  assert.equal(tracking(exp, 'unknown_order'), 0);
  assert.equal(value(exp, 'open_orders', { symbol: 'BTC/USD' }), 0);
  assert.equal(events(exp, 'filled', labels), 1);
  assert.equal(events(exp, 'submitted', labels), 1);
});

test('cardinality: venues and fee assets past maxSeriesPerMetric fold into the overflow series, counted', async () => {
  const { monitoring: m } = await start({ maxSeriesPerMetric: 14 });
  for (let i = 0; i < 30; i++) {
    m.recordOrder({ orderId: i, symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 1, venue: `v${i}` });
    m.recordFill({ orderId: i, price: 10, quantity: 1, fee: 0.5, feeAsset: `A${i}` });
  }
  const exp = await scrape(m);
  for (const name of [
    'order_events_total',
    'fees_paid_total',
    'traded_notional_total',
    'order_latency_seconds_count',
  ]) {
    const series = find(exp, name);
    assert.ok(series.length <= 15, `${name}: ${series.length} series`);
    assert.equal(series.filter((s) => s.labels['otel_metric_overflow'] === 'true').length, 1, `${name} overflow`);
  }
  // Nothing is lost: the fees of every fill are in the sum, the folded ones in the overflow series.
  assert.equal(count(exp, 'fees_paid_total', {}), 15);
  assert.equal(count(exp, 'traded_notional_total', {}), 300);
  for (const metric of ['order_events_total', 'fees_paid_total', 'traded_notional_total', 'order_latency_seconds'])
    assert.ok(value(exp, 'monitoring_series_overflow_total', { metric }) > 0, metric);
});

test('per-strategy results start with the first call that names a strategy: none before, unnamed trades are "unspecified" after', async () => {
  const { monitoring } = await start();
  monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 10 });
  let exp = await scrape(monitoring);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'BTC/USD', outcome: 'win' }), 1);
  // Only the `all` outcome counters, published at 0 from the start like every counter of a label set.
  assert.deepEqual(
    exp.samples.filter((s) => s.name.startsWith('strategy_') && !(s.labels['strategy'] === 'all' && s.value === 0)),
    [],
    'a bot that names no strategy has no strategy_* figures',
  );
  monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: -4, strategy: 'breakout' });
  monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'sell', pnl: 6 });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'breakout' }), -4);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'unspecified' }), 6);
  assert.equal(value(exp, 'strategy_realized_pnl', { strategy: 'all' }), 2, 'from the first named call on');
  assert.equal(value(exp, 'realized_pnl', { symbol: 'all' }), 12);
});
