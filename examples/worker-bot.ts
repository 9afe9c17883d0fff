// A bot whose strategies run in worker threads: the main thread owns the monitoring (endpoint,
// dashboard), each worker records through connectMonitoring(), and the win rate, drawdown and
// model accuracy on /metrics are computed over the trades and predictions of all of them. Run:
//   node --conditions=@evil2root/source examples/worker-bot.ts [--workers 4] [--duration 20] [--port 8000]
// then open the dashboard URL it prints.
import { isMainThread, threadId, Worker, workerData } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { connectMonitoring, initEnhancedMonitoring } from '../src/index.ts';

const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '4' },
      duration: { type: 'string', default: '20' },
      port: { type: 'string', default: '8000' },
    },
  });
  const monitoring = await initEnhancedMonitoring({
    port: Number(values.port),
    returnsIntervalSeconds: 1,
    startingBalance: 10_000,
  });
  console.log(`metrics at ${monitoring.metricsUrl}, dashboard at ${monitoring.dashboardUrl}`);
  const workers = Array.from(
    { length: Number(values.workers) },
    (_, i) => new Worker(new URL(import.meta.url), { workerData: { symbol: SYMBOLS[i % SYMBOLS.length] } }),
  );
  // The main thread records too: the account's equity.
  let equity = 10_000;
  const timer = setInterval(() => {
    equity *= 1 + (Math.random() - 0.49) / 200;
    monitoring.updatePortfolioMetrics({ portfolioValue: equity });
    monitoring.heartbeat('main');
  }, 250);
  const stop = async () => {
    clearInterval(timer);
    // Each strategy flushes before it ends; shutdown() would also collect what they still hold.
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve).postMessage('stop'))));
    await monitoring.flushModelMetrics();
    console.log(
      (await monitoring.metricsText())
        .split('\n')
        .filter((l) =>
          /^(trading_signals_total|executed_trades_total|win_rate\{symbol="all",window="lifetime"\}|model_accuracy)/.test(
            l,
          ),
        )
        .join('\n'),
    );
    await monitoring.shutdown();
  };
  setTimeout(() => void stop(), Number(values.duration) * 1000);
} else {
  // A strategy: signals, trades and a model's predictions, recorded as if in the main thread.
  const { symbol } = workerData as { symbol: string };
  const { parentPort } = await import('node:worker_threads');
  const monitoring = await connectMonitoring();
  const model = { modelName: 'momentum', timeframe: '1m', symbol };
  let tick = 0;
  const loop = setInterval(() => {
    tick++;
    const direction = Math.random() < 0.5 ? 'buy' : 'sell';
    const confidenceLevel = Math.round(Math.random() * 100) / 100;
    monitoring.recordTradingSignal({ symbol, direction, confidenceLevel, modelType: 'momentum' });
    const predicted = direction === 'buy' ? 'up' : 'down';
    const actual = Math.random() < 0.55 ? predicted : predicted === 'up' ? 'down' : 'up';
    monitoring.recordPrediction({ ...model, predicted, probability: confidenceLevel, positiveClass: 'up', actual });
    if (confidenceLevel > 0.6) {
      monitoring.recordExecutedTrade({ symbol, direction, success: Math.random() < 0.95 });
      monitoring.recordClosedTrade({
        symbol,
        direction,
        pnl: (actual === predicted ? 1 : -1) * Math.random() * 50,
        fees: 0.2,
      });
    }
    monitoring.heartbeat(`strategy-${threadId}`);
  }, 20);
  parentPort?.once('message', () => {
    clearInterval(loop);
    void monitoring.flush().then(() => {
      console.log(`strategy ${threadId} (${symbol}): ${tick} ticks`);
      process.exit(0);
    });
  });
}
