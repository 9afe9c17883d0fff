/**
 * A simulated trading bot that exercises every metric of @evil2root/monitoring with real parts:
 * a local exchange API over HTTP (node:http, called with fetch), an embedded SQLite database
 * (node:sqlite), three symbols on random-walk prices, two signal models and a price regressor.
 *
 *   npm run demo                      runs until Ctrl-C; metrics at http://localhost:8000/metrics
 *   npm run demo -- --duration 30     stops by itself after 30 s
 *   npm run demo -- --port 0          any free port
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { initEnhancedMonitoring, type Direction, type MonitoringService, type OpenPositions } from '@evil2root/monitoring';

// ---- command line ------------------------------------------------------------------------------

function options(): { duration: number | undefined; port: number; host: string } {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } } });
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  const port = values.port === undefined ? 8000 : Number(values.port);
  if (duration !== undefined && !(duration > 0)) fail('--duration takes a positive number of seconds');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port takes an integer from 0 to 65535');
  return { duration, port, host: values.host ?? '127.0.0.1' };
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];
const START_PRICES: Record<string, number> = { 'BTC/USD': 64000, 'ETH/USD': 3200, 'SOL/USD': 150 };
const SIGNAL_MODELS = ['price_prediction', 'sentiment'];
const TICK_MS = 250;
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());

// ---- a local exchange: prices, orders, rate limits and the odd failure ------------------------

interface Exchange {
  server: Server;
  url: string;
}

async function startExchange(): Promise<Exchange> {
  const prices = new Map(SYMBOLS.map((s) => [s, START_PRICES[s] as number]));
  let quota = 1200;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://exchange');
    quota = quota <= 0 ? 1200 : quota - 1;
    const headers = { 'content-type': 'application/json', 'x-ratelimit-remaining': String(quota) };
    const reply = (status: number, body: unknown) => setTimeout(() => res.writeHead(status, headers).end(JSON.stringify(body)), rand(2, 80));
    req.resume();
    const roll = Math.random();
    if (roll < 0.02) return reply(500, { error: 'internal error' });
    if (roll < 0.05) return reply(429, { error: 'rate limited' });
    if (req.method === 'GET' && url.pathname === '/api/market/data') {
      const symbol = url.searchParams.get('symbol') ?? '';
      const price = prices.get(symbol);
      if (price === undefined) return reply(404, { error: 'unknown symbol' });
      const next = price * (1 + 0.002 * gaussian());
      prices.set(symbol, next);
      return reply(200, { symbol, price: next });
    }
    if (req.method === 'POST' && url.pathname === '/api/orders') return reply(200, { orderId: Math.floor(Math.random() * 1e9), status: 'filled' });
    reply(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// ---- the bot ---------------------------------------------------------------------------------

interface Position {
  symbol: string;
  direction: Direction;
  quantity: number;
  entry: number;
  openedAt: number;
  ticksLeft: number;
}

interface Prediction {
  model: string;
  symbol: string;
  up: boolean;
  probability: number;
  price: number;
  predictedPrice: number;
}

class Bot {
  readonly counts = { signals: 0, trades: 0, failedTrades: 0, closed: 0, wins: 0, api: 0, apiErrors: 0, queries: 0 };
  private readonly prices = new Map<string, number>();
  private readonly lastPrices = new Map<string, number>();
  private readonly positions: Position[] = [];
  private readonly pnls: number[] = [];
  private readonly equityCurve: number[] = [];
  private readonly pending: Prediction[] = [];
  private readonly outcomes = new Map<string, { predicted: boolean; actual: boolean; probability: number; error: number }[]>();
  private balance = 10_000;
  private tick = 0;
  private readonly started = Date.now();
  private readonly insertTrade;
  private readonly monitoring: MonitoringService;
  private readonly db: DatabaseSync;
  private readonly exchange: string;

  constructor(monitoring: MonitoringService, db: DatabaseSync, exchange: string) {
    this.monitoring = monitoring;
    this.db = db;
    this.exchange = exchange;
    db.exec('CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT, direction TEXT, quantity REAL, entry REAL, exit REAL, pnl REAL, closed_at INTEGER)');
    this.insertTrade = db.prepare('INSERT INTO trades (symbol, direction, quantity, entry) VALUES (?, ?, ?, ?)');
  }

  get equity(): number {
    let open = 0;
    for (const p of this.positions) open += this.unrealized(p);
    return this.balance + open;
  }

  async step(): Promise<void> {
    this.tick++;
    await Promise.all(SYMBOLS.map((s) => this.fetchPrice(s)));
    this.resolvePredictions();
    for (const symbol of SYMBOLS) await this.trade(symbol);
    await this.closeDuePositions();
    this.reportPortfolio();
    if (this.tick % 8 === 0) this.reportPerformance();
    if (this.tick % 12 === 0) this.reportModels();
    if (this.tick % 4 === 0) this.queryHistory();
  }

  private async fetchPrice(symbol: string): Promise<void> {
    this.counts.api++;
    try {
      const body = await this.monitoring.trackApiRequest('/api/market/data', 'GET', async (call) => {
        const res = await fetch(`${this.exchange}/api/market/data?symbol=${encodeURIComponent(symbol)}`);
        call.statusCode = res.status;
        this.readQuota(res);
        return (await res.json()) as { price?: number };
      });
      if (body.price === undefined) {
        this.counts.apiErrors++;
        return;
      }
      const last = this.prices.get(symbol);
      if (last !== undefined) this.lastPrices.set(symbol, last);
      this.prices.set(symbol, body.price);
    } catch {
      this.counts.apiErrors++;
    }
  }

  private readQuota(res: Response): void {
    const remaining = Number(res.headers.get('x-ratelimit-remaining'));
    if (Number.isFinite(remaining)) this.monitoring.setApiQuotaRemaining({ api: 'exchange', remaining });
  }

  /** A momentum rule with noise per model; confident signals become orders. */
  private async trade(symbol: string): Promise<void> {
    const price = this.prices.get(symbol);
    const last = this.lastPrices.get(symbol);
    if (price === undefined || last === undefined) return;
    const momentum = (price - last) / last;
    for (const modelType of SIGNAL_MODELS) {
      const score = momentum * 400 + gaussian() * (modelType === 'sentiment' ? 0.8 : 0.5);
      const direction: Direction = score >= 0 ? 'buy' : 'sell';
      const confidenceLevel = Math.min(1, Math.abs(Math.tanh(score)));
      this.monitoring.recordTradingSignal({ symbol, direction, confidenceLevel, modelType });
      this.counts.signals++;
      this.pending.push({ model: modelType, symbol, up: direction === 'buy', probability: 0.5 + confidenceLevel / 2, price, predictedPrice: price * (1 + momentum * 0.5) });
      if (confidenceLevel > 0.8 && this.positions.length < 12) await this.placeOrder(symbol, direction, price);
    }
  }

  private async placeOrder(symbol: string, direction: Direction, price: number): Promise<void> {
    const quantity = Number(((this.balance * 0.02) / price).toFixed(6));
    this.counts.trades++;
    this.counts.api++;
    let ok = false;
    try {
      const res = await this.monitoring.trackApiRequest('/api/orders', 'POST', async (call) => {
        const r = await fetch(`${this.exchange}/api/orders`, { method: 'POST', body: JSON.stringify({ symbol, direction, quantity }) });
        call.statusCode = r.status;
        this.readQuota(r);
        await r.arrayBuffer();
        return r;
      });
      ok = res.ok;
    } catch {
      ok = false;
    }
    this.monitoring.recordExecutedTrade({ symbol, direction, success: ok });
    if (!ok) {
      this.counts.failedTrades++;
      this.counts.apiErrors++;
      return;
    }
    this.positions.push({ symbol, direction, quantity, entry: price, openedAt: Date.now(), ticksLeft: Math.floor(rand(4, 24)) });
    this.monitoring.trackDbQuery('insert', () => this.insertTrade.run(symbol, direction, quantity, price));
    this.counts.queries++;
  }

  private unrealized(p: Position): number {
    const price = this.prices.get(p.symbol) ?? p.entry;
    return (p.direction === 'buy' ? price - p.entry : p.entry - price) * p.quantity;
  }

  private async closeDuePositions(): Promise<void> {
    for (let i = this.positions.length - 1; i >= 0; i--) {
      const p = this.positions[i] as Position;
      if (--p.ticksLeft > 0) continue;
      this.positions.splice(i, 1);
      const pnl = this.unrealized(p) - p.quantity * p.entry * 0.0005; // taker fee
      this.balance += pnl;
      this.pnls.push(pnl);
      this.counts.closed++;
      if (pnl > 0) this.counts.wins++;
      const exit = this.prices.get(p.symbol) ?? p.entry;
      this.monitoring.trackDbQuery('update', () =>
        this.db.prepare('UPDATE trades SET exit = ?, pnl = ?, closed_at = ? WHERE id = (SELECT MAX(id) FROM trades WHERE symbol = ? AND exit IS NULL)').run(exit, pnl, Date.now(), p.symbol),
      );
      this.counts.queries++;
    }
  }

  private reportPortfolio(): void {
    const openPositions: OpenPositions = {};
    for (const symbol of SYMBOLS) openPositions[symbol] = { buy: 0, sell: 0 };
    for (const p of this.positions) (openPositions[p.symbol] as Record<Direction, number>)[p.direction]++;
    const equity = this.equity;
    this.equityCurve.push(equity);
    this.monitoring.updatePortfolioMetrics({ portfolioValue: equity, balance: this.balance, openPositions });
    this.monitoring.updateDbPool({ pool: 'main', size: 10, active: Math.min(10, 1 + Math.floor(Math.random() * 4) + this.positions.length % 4) });
  }

  /** Win rate, profit factor and averages from closed trades; drawdown and ratios from the equity curve. */
  private reportPerformance(): void {
    const wins = this.pnls.filter((p) => p > 0);
    const losses = this.pnls.filter((p) => p < 0).map((p) => -p);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const returns = this.equityCurve.slice(1).map((e, i) => e / (this.equityCurve[i] as number) - 1);
    const mean = sum(returns) / Math.max(1, returns.length);
    const std = Math.sqrt(sum(returns.map((r) => (r - mean) ** 2)) / Math.max(1, returns.length - 1));
    const downside = Math.sqrt(sum(returns.map((r) => Math.min(0, r) ** 2)) / Math.max(1, returns.length));
    let peak = -Infinity;
    let maxDrawdown = 0;
    for (const e of this.equityCurve) {
      peak = Math.max(peak, e);
      maxDrawdown = Math.max(maxDrawdown, (peak - e) / peak);
    }
    const periodsPerYear = (365 * 24 * 3600 * 1000) / TICK_MS;
    const annualReturn = mean * periodsPerYear;
    const figures = {
      winRate: this.pnls.length > 0 ? wins.length / this.pnls.length : undefined,
      profitFactor: losses.length > 0 ? sum(wins) / sum(losses) : undefined,
      averageWin: wins.length > 0 ? sum(wins) / wins.length : undefined,
      averageLoss: losses.length > 0 ? sum(losses) / losses.length : undefined,
      maxDrawdown,
      sharpeRatio: std > 0 ? (mean / std) * Math.sqrt(periodsPerYear) : undefined,
      sortinoRatio: downside > 0 ? (mean / downside) * Math.sqrt(periodsPerYear) : undefined,
      calmarRatio: maxDrawdown > 0 ? annualReturn / maxDrawdown : undefined,
    };
    // Only defined figures are sent: a ratio with no data is left unpublished, not sent as NaN.
    const defined = Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== undefined && Number.isFinite(v)));
    if (Object.keys(defined).length > 0) this.monitoring.updateTradingPerformance(defined);
  }

  /** Each pending prediction is judged against the price one tick later. */
  private resolvePredictions(): void {
    for (const p of this.pending.splice(0)) {
      const price = this.prices.get(p.symbol);
      if (price === undefined) continue;
      // Half-way through the run the market's regime changes and the models start missing.
      const drifted = (Date.now() - this.started) / 1000 > regimeChangeAfter;
      // Before it the models are calibrated by construction: right with the probability they state.
      const actual = drifted ? price >= p.price : Math.random() < p.probability ? p.up : !p.up;
      const key = `${p.model}|${p.symbol}`;
      const list = this.outcomes.get(key) ?? [];
      list.push({ predicted: p.up, actual, probability: p.probability, error: price - p.predictedPrice });
      if (list.length > 200) list.shift();
      this.outcomes.set(key, list);
    }
  }

  private reportModels(): void {
    for (const [key, list] of this.outcomes) {
      const [model, symbol] = key.split('|') as [string, string];
      const modelName = model === 'price_prediction' ? 'lstm_v2' : 'xgb_sentiment_v1';
      const timeframe = model === 'price_prediction' ? '1h' : '15m';
      if (list.length < 10) continue;
      const tp = list.filter((o) => o.predicted && o.actual).length;
      const fp = list.filter((o) => o.predicted && !o.actual).length;
      const fn = list.filter((o) => !o.predicted && o.actual).length;
      const accuracy = list.filter((o) => o.predicted === o.actual).length / list.length;
      const precision = tp + fp > 0 ? tp / (tp + fp) : undefined;
      const recall = tp + fn > 0 ? tp / (tp + fn) : undefined;
      const f1Score = precision !== undefined && recall !== undefined && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : undefined;
      this.monitoring.updateModelPerformance({ modelName, timeframe, symbol, metrics: { accuracy, ...(precision !== undefined && { precision }), ...(recall !== undefined && { recall }), ...(f1Score !== undefined && { f1Score }) } });

      const errors = list.map((o) => o.error);
      const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
      const mae = errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length;
      this.monitoring.updateModelPerformance({ modelName: 'price_regressor', timeframe, symbol, metrics: { rmse, mae } });

      // Calibration: 5 equal-width bins over the predicted probability of the predicted class.
      const bins = new Map<string, { n: number; hits: number; conf: number }>();
      for (const o of list) {
        const index = Math.min(4, Math.floor(o.probability * 5));
        const label = ((index * 2 + 1) / 10).toFixed(1);
        const b = bins.get(label) ?? { n: 0, hits: 0, conf: 0 };
        b.n++;
        b.hits += o.predicted === o.actual ? 1 : 0;
        b.conf += o.probability;
        bins.set(label, b);
      }
      let ece = 0;
      const reliabilityBins: Record<string, number> = {};
      for (const [label, b] of bins) {
        reliabilityBins[label] = b.hits / b.n;
        ece += (b.n / list.length) * Math.abs(b.hits / b.n - b.conf / b.n);
      }
      this.monitoring.updateCalibrationMetrics({ modelName, timeframe, symbol, ece, reliabilityBins });

      const drifted = (Date.now() - this.started) / 1000 > regimeChangeAfter;
      const seconds = (Date.now() - this.started) / 1000;
      this.monitoring.updateOnlineLearningMetrics({
        modelName, timeframe, symbol,
        driftScore: drifted ? Math.min(3, 0.8 + (1 - accuracy) * 2) : Math.abs(0.1 + 0.05 * gaussian()),
        memorySize: Math.min(5000, this.tick * 4),
        loss: 0.6 * Math.exp(-seconds / 60) + (drifted ? 0.3 : 0.05) + 0.01 * Math.random(),
      });
    }
  }

  /** Reads that a dashboard would make, plus one broken query now and then. */
  private queryHistory(): void {
    this.counts.queries += 2;
    this.monitoring.trackDbQuery('select', () => this.db.prepare('SELECT * FROM trades ORDER BY id DESC LIMIT 20').all());
    this.monitoring.trackDbQuery('select', () => this.db.prepare('SELECT symbol, SUM(pnl) AS pnl FROM trades WHERE pnl IS NOT NULL GROUP BY symbol').all());
    if (this.tick % 40 === 0) {
      try {
        this.monitoring.trackDbQuery('select', () => this.db.prepare('SELECT * FROM orders_archive').all());
      } catch {
        // The table does not exist: the failure is what db_operations_total{status="error"} shows.
      }
    }
  }

  summary(): string {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    const c = this.counts;
    const winRate = c.closed > 0 ? `${Math.round((100 * c.wins) / c.closed)}%` : '-';
    return `[${String(seconds).padStart(4)}s] signals ${c.signals} | trades ${c.trades} (${c.failedTrades} failed) | closed ${c.closed} win ${winRate} | equity ${this.equity.toFixed(2)} | api ${c.api} req ${c.apiErrors} err | db ${c.queries} q`;
  }
}

// ---- main --------------------------------------------------------------------------------------

const { duration, port, host } = options();
const regimeChangeAfter = duration === undefined ? 120 : duration / 2;

let monitoring: MonitoringService;
try {
  monitoring = await initEnhancedMonitoring({ port, host, serviceName: 'evil2root-demo-bot' });
} catch (error) {
  console.error(`Cannot start monitoring: ${(error as Error).message}`);
  console.error('Try --port 0 or another port.');
  process.exit(1);
}
console.log(`Metrics: http://localhost:${monitoring.port}/metrics  (also served at /)`);
console.log(duration === undefined ? 'Running until Ctrl-C.' : `Running for ${duration} s.`);

const exchange = await startExchange();
const db = new DatabaseSync(':memory:');
const bot = new Bot(monitoring, db, exchange.url);

let running = true;
let timer: NodeJS.Timeout | undefined;
const loop = async () => {
  if (!running) return;
  try {
    await bot.step();
  } catch (error) {
    console.error(`tick failed: ${(error as Error).message}`);
  }
  if (running) timer = setTimeout(loop, TICK_MS);
};
const summaries = setInterval(() => console.log(bot.summary()), 5000);
void loop();

async function stop(): Promise<void> {
  if (!running) return;
  running = false;
  clearTimeout(timer);
  clearInterval(summaries);
  console.log(`Final: ${bot.summary()}`);
  await monitoring.shutdown();
  const closed = new Promise<void>((resolve) => exchange.server.close(() => resolve()));
  exchange.server.closeAllConnections();
  await closed;
  db.close();
  console.log(`Stopped after ${Math.round(process.uptime())} s.`);
}

process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
if (duration !== undefined) setTimeout(() => void stop(), duration * 1000);
