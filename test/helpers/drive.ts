import type { MonitoringService } from '../../src/index.ts';

/** The pools observed by the drives, kept alive for the SDK's weak reference. */
const observedPools: object[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls every recording method with valid input (and one invalid call), so every metric of the
 * contract has samples. The ratios need closed return periods: start the service with
 * `returnsIntervalSeconds: 0.001, periodsPerYear: 365` (each millisecond stands for a day) for them to appear.
 */
export async function driveEverything(m: MonitoringService): Promise<void> {
  const key = { modelName: 'lstm', timeframe: '1h', symbol: 'BTC/USD' };
  m.recordTradingSignal({ symbol: 'BTC/USD', direction: 'buy', confidenceLevel: 0.85, modelType: 'price_prediction' });
  m.recordTradingSignal({ symbol: 'ETH/USD', direction: 'sell', confidenceLevel: 0.4, modelType: 'sentiment' });
  m.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  m.recordExecutedTrade({ symbol: 'ETH/USD', direction: 'sell', success: false });
  m.updatePortfolioMetrics({ portfolioValue: 12500, balance: 5000, openPositions: { 'BTC/USD': { buy: 2, sell: 0 } } });
  m.updateTradingPerformance({
    winRate: 0.6,
    profitFactor: 1.8,
    averageWin: 120,
    averageLoss: 80,
    maxDrawdown: 0.12,
    sharpeRatio: 1.1,
    sortinoRatio: 1.6,
    calmarRatio: 2.2,
  });
  m.updateModelPerformance({
    ...key,
    metrics: { accuracy: 0.7, precision: 0.65, recall: 0.6, f1Score: 0.62, rmse: 12.5, mae: 9 },
  });
  m.updateCalibrationMetrics({ ...key, ece: 0.04, reliabilityBins: { '0.1': 0.12, '0.3': 0.28 } });
  m.updateOnlineLearningMetrics({ ...key, driftScore: 0.15, memorySize: 2000, loss: 0.08 });
  await m.trackApiRequest('/api/market/data', 'GET', async (call) => {
    call.statusCode = 200;
    return {};
  });
  m.trackApiRequest('/api/orders', 'POST', () => ({ status: 503 }));
  m.setApiQuotaRemaining({ api: 'binance', remaining: 1180 });
  m.trackDbQuery('select', () => []);
  await m.trackDbQuery('insert', async () => 1);
  m.updateDbPool({ pool: 'main', size: 10, active: 3 });
  // The counters of a pg.Pool, as observePgPool reads them (a real pool is in test/integrations/pg.test.ts).
  // Held here: the SDK holds an observed pool weakly, and a collected one stops being published.
  const pool = { totalCount: 4, idleCount: 1, waitingCount: 2 };
  observedPools.push(pool);
  m.observePgPool(pool, { name: 'pg' });
  m.recordTradingSignal({ symbol: '', direction: 'buy', confidenceLevel: 0.5 });

  m.recordClosedTrade({
    symbol: 'BTC/USD',
    direction: 'buy',
    pnl: 120,
    fees: 2,
    strategy: 'trend',
    openedAt: Date.now() - 3_600_000,
    closedAt: Date.now(),
  });
  m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'sell', pnl: -50, fees: 1, strategy: 'trend' });
  m.recordClosedTrade({ symbol: 'ETH/USD', direction: 'buy', pnl: 0 });
  m.heartbeat('main');
  // Execution: an order acknowledged, filled in two pieces (a maker rebate, a taker fee), and one rejected.
  const t0 = Date.now();
  m.recordOrder({
    orderId: 'o1',
    symbol: 'BTC/USD',
    side: 'buy',
    type: 'limit',
    quantity: 2,
    price: 100,
    venue: 'binance',
    strategy: 'trend',
    signalTime: t0 - 20,
    time: t0,
  });
  m.recordOrderUpdate({ orderId: 'o1', status: 'accepted', time: t0 + 5 });
  m.recordFill({
    orderId: 'o1',
    price: 100,
    quantity: 1,
    fee: -0.01,
    feeAsset: 'USDT',
    liquidity: 'maker',
    time: t0 + 9,
  });
  m.recordFill({
    orderId: 'o1',
    price: 100.1,
    quantity: 1,
    fee: 0.05,
    feeAsset: 'USDT',
    liquidity: 'taker',
    time: t0 + 12,
  });
  m.recordOrder({ orderId: 'o2', symbol: 'BTC/USD', side: 'sell', type: 'market', quantity: 1, venue: 'binance' });
  m.recordOrderUpdate({ orderId: 'o2', status: 'rejected', reason: 'insufficient balance' });
  m.recordOrder({
    orderId: 'o3',
    symbol: 'BTC/USD',
    side: 'sell',
    type: 'limit',
    quantity: 1,
    price: 120,
    venue: 'binance',
  });
  m.updatePositions({
    positions: [{ symbol: 'BTC/USD', quantity: 2, entryPrice: 100.05, markPrice: 101, venue: 'binance' }],
  });
  m.updateBalances({ balances: [{ venue: 'binance', asset: 'USDT', free: 9000, locked: 120, value: 9120 }] });
  // The label sets of the first signal and trade: no new series of the existing families (some tests cap them at 3).
  m.recordTradingSignal({
    symbol: 'ETH/USD',
    direction: 'short',
    confidenceLevel: 0.4,
    modelType: 'sentiment',
    strategy: 'trend',
  });
  m.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true, strategy: 'trend' });
  m.recordClosedTrade({ symbol: 'BTC/USD', direction: 'short', pnl: 30, fees: -0.5, strategy: 'trend' });
  for (const equity of [10_000, 10_200, 9_900, 10_100, 10_400]) {
    m.updatePortfolioMetrics({ portfolioValue: equity });
    await sleep(3);
  }
  m.recordPrediction({ ...key, predictionId: 'p1', predicted: 'up', probability: 0.8 });
  m.recordOutcome({ ...key, predictionId: 'p1', actual: 'up' });
  m.recordPrediction({ ...key, predicted: 'down', probability: 0.3, actual: 'up' });
  m.recordOutcome({ ...key, predictionId: 'never-predicted', actual: 'up' });
  m.recordPrediction({ modelName: 'price', timeframe: '1h', symbol: 'BTC/USD', predicted: 101.5, actual: 100 });
  m.recordPrediction({ ...key, predictionId: 'p2', predicted: 'up' });
  m.recordLearningStep({ ...key, loss: 0.07, memorySize: 2100 });
  for (let i = 0; i < 200; i++) m.recordFeature({ modelName: 'lstm', feature: 'volatility', value: i < 100 ? 0 : 10 });
  await m.flushModelMetrics();
  // Returns up and down in every period of the rolling window (the tail ratio needs a 5th percentile
  // that is not 0): replayed periods stamped up to 2 s ahead, so that the window still holds them
  // when the caller scrapes, however loaded the machine (with 1 ms periods, the live clock would
  // close empty periods, returns of 0, before the scrape).
  const ahead = Date.now() + 2000;
  m.restoreHistory({
    equity: Array.from({ length: 40 }, (_, i) => ({ time: ahead + i, value: i % 3 === 0 ? 9_800 + i : 10_100 + i })),
  });
  // Back to the last live equity (portfolio_value; the open period's close, which no scrape closes).
  m.updatePortfolioMetrics({ portfolioValue: 10_400 });
}
