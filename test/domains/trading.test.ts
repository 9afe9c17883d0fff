import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { find, value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

test('recordTradingSignal counts signals and observes confidence per symbol, direction and model type', async () => {
  const { monitoring } = await start();
  monitoring.recordTradingSignal({
    symbol: 'BTC/USD',
    direction: 'buy',
    confidenceLevel: 0.85,
    modelType: 'price_prediction',
  });
  monitoring.recordTradingSignal({
    symbol: 'BTC/USD',
    direction: 'BUY',
    confidenceLevel: 0.15,
    modelType: 'price_prediction',
  });
  monitoring.recordTradingSignal({ symbol: 'ETH/USD', direction: 'Sell', confidenceLevel: 1 });
  const exp = await scrape(monitoring);
  assert.equal(exp.types.get('trading_signals_total'), 'counter');
  assert.equal(exp.types.get('trading_signal_confidence'), 'histogram');
  const btc = { symbol: 'BTC/USD', direction: 'buy', model_type: 'price_prediction' };
  assert.equal(value(exp, 'trading_signals_total', btc), 2);
  assert.equal(value(exp, 'trading_signal_confidence_count', btc), 2);
  assert.equal(value(exp, 'trading_signal_confidence_sum', btc), 1);
  assert.equal(value(exp, 'trading_signal_confidence_bucket', { ...btc, le: '0.1' }), 0);
  assert.equal(value(exp, 'trading_signal_confidence_bucket', { ...btc, le: '0.2' }), 1);
  assert.equal(value(exp, 'trading_signal_confidence_bucket', { ...btc, le: '0.8' }), 1);
  assert.equal(value(exp, 'trading_signal_confidence_bucket', { ...btc, le: '0.9' }), 2);
  assert.equal(value(exp, 'trading_signal_confidence_bucket', { ...btc, le: '+Inf' }), 2);
  assert.equal(
    value(exp, 'trading_signals_total', { symbol: 'ETH/USD', direction: 'sell', model_type: 'unspecified' }),
    1,
  );
  assert.deepEqual(Object.keys(find(exp, 'trading_signals_total')[0]!.labels), ['symbol', 'direction', 'model_type']);
});

test('recordExecutedTrade counts by status success or failed', async () => {
  const { monitoring } = await start();
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: false });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'executed_trades_total', { symbol: 'BTC/USD', direction: 'buy', status: 'success' }), 2);
  assert.equal(value(exp, 'executed_trades_total', { symbol: 'BTC/USD', direction: 'buy', status: 'failed' }), 1);
  assert.equal(exp.types.get('executed_trades_total'), 'counter');
});

test('updatePortfolioMetrics sets value and balance; positions absent from the latest update read 0', async () => {
  const { monitoring } = await start();
  monitoring.updatePortfolioMetrics({
    portfolioValue: 12500,
    balance: 5000,
    openPositions: { 'BTC/USD': { buy: 2, sell: 0 }, 'ETH/USD': { buy: 1, sell: 1 } },
  });
  let exp = await scrape(monitoring);
  assert.equal(value(exp, 'portfolio_value'), 12500);
  assert.equal(value(exp, 'balance'), 5000);
  assert.equal(value(exp, 'open_positions', { symbol: 'ETH/USD', direction: 'sell' }), 1);

  monitoring.updatePortfolioMetrics({ portfolioValue: 12000, openPositions: { 'BTC/USD': { sell: 3 } } });
  exp = await scrape(monitoring);
  assert.equal(value(exp, 'portfolio_value'), 12000);
  assert.equal(value(exp, 'balance'), 5000, 'a field left out keeps its value');
  assert.equal(value(exp, 'open_positions', { symbol: 'BTC/USD', direction: 'sell' }), 3);
  assert.equal(value(exp, 'open_positions', { symbol: 'BTC/USD', direction: 'buy' }), 0);
  assert.equal(value(exp, 'open_positions', { symbol: 'ETH/USD', direction: 'buy' }), 0);
  assert.equal(value(exp, 'open_positions', { symbol: 'ETH/USD', direction: 'sell' }), 0);

  monitoring.updatePortfolioMetrics({ balance: 4000 });
  exp = await scrape(monitoring);
  assert.equal(
    value(exp, 'open_positions', { symbol: 'BTC/USD', direction: 'sell' }),
    3,
    'an update without openPositions leaves them',
  );
});

test('updateTradingPerformance sets any subset; gauges never set are not published', async () => {
  const { monitoring } = await start();
  monitoring.updateTradingPerformance({ winRate: 0.55, sharpeRatio: -0.4 });
  let exp = await scrape(monitoring);
  assert.equal(value(exp, 'win_rate'), 0.55);
  assert.equal(value(exp, 'sharpe_ratio'), -0.4);
  assert.equal(find(exp, 'profit_factor').length, 0);
  monitoring.updateTradingPerformance({
    winRate: 0.6,
    profitFactor: 1.8,
    averageWin: 120,
    averageLoss: 80,
    maxDrawdown: 0.12,
    sharpeRatio: 1.1,
    sortinoRatio: 1.6,
    calmarRatio: 2.2,
  });
  exp = await scrape(monitoring);
  for (const [name, v] of [
    ['win_rate', 0.6],
    ['profit_factor', 1.8],
    ['average_win', 120],
    ['average_loss', 80],
    ['max_drawdown', 0.12],
    ['sharpe_ratio', 1.1],
    ['sortino_ratio', 1.6],
    ['calmar_ratio', 2.2],
  ] as const) {
    assert.equal(value(exp, name), v, name);
    assert.equal(exp.types.get(name), 'gauge');
  }
});
