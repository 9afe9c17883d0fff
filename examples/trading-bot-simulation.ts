/**
 * A simulated trading bot that drives every metric of @evil2root/monitoring from real parts: a local
 * exchange over HTTP (node:http, called with fetch), a trade journal in SQLite (node:sqlite), and
 * online models that learn, then lose their edge and drift when the market changes regime half-way.
 *
 *   npm run demo                               until Ctrl-C; metrics on http://localhost:8000/metrics,
 *                                              JSON snapshots in logs/metrics every 5 s
 *   npm run demo -- --duration 30 --port 0     stops after 30 s; any free port
 *   npm run demo -- --otlp http://localhost:4318   also pushes OTLP to a Collector
 *   npm run demo -- --export-dir ''            writes no snapshots
 *
 * Read it top to bottom: the exchange, the trade journal, the models, the bot, then main().
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { initEnhancedMonitoring, MonitoringConfigError } from '@evil2root/monitoring';
import type { Direction, ModelPerformanceMetrics, MonitoringService, OpenPositions, TradingPerformance, Tracked } from '@evil2root/monitoring';

const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];
const START_PRICES: Record<string, number> = { 'BTC/USD': 97_000, 'ETH/USD': 3_400, 'SOL/USD': 190 };
const TICK_MS = 250;
/** A tick stands for one daily bar: it sets the volatility, and the ratios are annualised over 365 of them. */
const BARS_PER_YEAR = 365;
const BAR_VOLATILITY = 0.025;
/** Autocorrelation of returns: the market trends, and after the regime change it mean-reverts. */
const MOMENTUM = 0.45;
const START_EQUITY = 10_000;
const POSITION_FRACTION = 0.08;
const FEE_RATE = 0.0005;
const ENTRY_CONFIDENCE = 0.4;
const MAX_POSITIONS_PER_MODEL = 2;
const DB_POOL_SIZE = 10;

const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const randomInt = (lo: number, hi: number) => Math.floor(rand(lo, hi + 1));
const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const priceIn = (body: unknown) => (isObject(body) && typeof body.price === 'number' ? body.price : undefined);

// ---- the exchange: prices, orders, a rate limit and the odd failure ----------------------------

const RATE_LIMIT = 300;
const RATE_WINDOW_MS = 10_000;

async function startExchange(regimeChangeAt: number): Promise<{ url: string; close(): Promise<void> }> {
  const markets = new Map(SYMBOLS.map((s) => [s, { price: START_PRICES[s] ?? 100, lastReturn: 0 }]));
  let used = 0;
  let windowEnds = 0;

  const quote = (symbol: string): [number, object] => {
    const market = markets.get(symbol);
    if (market === undefined) return [404, { error: `unknown symbol ${symbol}` }];
    // The price moves only when quoted, so the bot sees every bar exactly once.
    market.lastReturn = (Date.now() < regimeChangeAt ? MOMENTUM : -MOMENTUM) * market.lastReturn + BAR_VOLATILITY * gaussian();
    market.price *= Math.exp(market.lastReturn);
    return [200, { symbol, price: market.price, time: Date.now() }];
  };
  const fill = (body: string): [number, object] => {
    let order: unknown;
    try {
      order = JSON.parse(body);
    } catch {
      return [400, { error: 'body is not JSON' }];
    }
    const market = isObject(order) ? markets.get(String(order.symbol)) : undefined;
    if (!isObject(order) || market === undefined || !['buy', 'sell'].includes(String(order.side)) || !(Number(order.quantity) > 0)) {
      return [400, { error: 'expected { symbol, side, quantity }' }];
    }
    if (Math.random() < 0.06) return [422, { error: 'insufficient liquidity' }];
    return [200, { orderId: randomInt(1, 1e9), status: 'filled', price: market.price * (1 + (order.side === 'buy' ? 1 : -1) * rand(0, 0.0005)) }];
  };
  const answer = (req: IncomingMessage, body: string): [number, object] => {
    const url = new URL(req.url ?? '/', 'http://exchange');
    const roll = Math.random();
    if (used > RATE_LIMIT || roll < 0.015) return [429, { error: 'rate limit exceeded' }];
    if (roll < 0.03) return [500, { error: 'internal error' }];
    if (req.method === 'GET' && url.pathname === '/api/market/data') return quote(url.searchParams.get('symbol') ?? '');
    if (req.method === 'POST' && url.pathname === '/api/orders') return fill(body);
    return [404, { error: 'not found' }];
  };

  const server = createServer((req, res) => {
    const now = Date.now();
    if (now >= windowEnds) [used, windowEnds] = [0, now + RATE_WINDOW_MS];
    used++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [status, body] = answer(req, Buffer.concat(chunks).toString());
      const headers = { 'content-type': 'application/json', 'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - used)) };
      // Mostly quick, with the long tail real venues have.
      setTimeout(() => res.writeHead(status, headers).end(JSON.stringify(body)), 3 + Math.random() ** 2 * 77);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // fetch keeps idle keep-alive connections open
    }),
  };
}

// ---- the trade journal: SQLite in memory, every statement timed by trackDbQuery ----------------

function openJournal(monitoring: MonitoringService) {
  const db = new DatabaseSync(':memory:');
  db.exec(`CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, side TEXT NOT NULL, model TEXT NOT NULL,
    quantity REAL NOT NULL, entry_price REAL NOT NULL, exit_price REAL, pnl REAL, status TEXT NOT NULL, opened_at INTEGER, closed_at INTEGER)`);
  const insert = db.prepare('INSERT INTO trades (symbol, side, model, quantity, entry_price, status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const settle = db.prepare("UPDATE trades SET exit_price = ?, pnl = ?, status = 'closed', closed_at = ? WHERE id = ?");
  const recent = db.prepare('SELECT id, symbol, side, status, pnl FROM trades ORDER BY id DESC LIMIT 20');
  const pnlBySymbol = db.prepare("SELECT symbol, COUNT(*) AS trades, SUM(pnl) AS pnl FROM trades WHERE status = 'closed' GROUP BY symbol");
  let queries = 0;
  const query = <T>(operation: 'insert' | 'select' | 'update', fn: () => T): Tracked<T> => {
    queries++;
    return monitoring.trackDbQuery(operation, fn);
  };
  return {
    get queries() {
      return queries;
    },
    /** Journals an order, a rejected one too for the audit trail; returns its row id. */
    record(symbol: string, side: Direction, model: string, quantity: number, price: number, status: 'open' | 'rejected'): number {
      return Number(query('insert', () => insert.run(symbol, side, model, quantity, price, status, Date.now())).lastInsertRowid);
    },
    recordClose(row: number, exitPrice: number, pnl: number): void {
      query('update', () => settle.run(exitPrice, pnl, Date.now(), row));
    },
    /** What a dashboard or a risk check reads. */
    readHistory(): void {
      query('select', () => recent.all());
      query('select', () => pnlBySymbol.all());
    },
    /** Reads a table no migration created: it fails, as production queries sometimes do, and shows as status="error". */
    readArchive(): void {
      try {
        query('select', () => db.prepare('SELECT * FROM trades_archive').all());
      } catch {
        // Expected; trackDbQuery has counted it.
      }
    },
    close: () => db.close(),
  };
}
type Journal = ReturnType<typeof openJournal>;

// ---- models and their scores: plain analytics, the SDK only sees the results -------------------

/** `prior` is the weight fitted offline on trending data; `noise` is what the features miss. */
interface ModelSpec { type: string; name: string; timeframe: string; prior: number; noise: number; learningRate: number }
const MODELS: readonly ModelSpec[] = [
  { type: 'price_prediction', name: 'lstm_v2', timeframe: '1d', prior: 0.7, noise: 0.25, learningRate: 0.05 },
  { type: 'sentiment', name: 'xgb_v1', timeframe: '1d', prior: 0.4, noise: 0.5, learningRate: 0.1 },
];
/** The price regressor forecasts next return = MOMENTUM × the last one: fitted on the trending market, never refitted. */
const REGRESSOR = { name: 'arima_v1', timeframe: '1d' };
const SCORE_WINDOW = 200;
const MIN_OUTCOMES = 8;
const REPLAY_CAPACITY = 1_000;

type Outcome = { p: number; up: boolean };

function pushWindow<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > SCORE_WINDOW) list.shift();
}

/** Online logistic regression of "next bar is up" on the last standardised return: a momentum rule it keeps refitting. */
class DirectionModel {
  readonly spec: ModelSpec;
  /** Stated probability of an up move and what followed, oldest first. */
  readonly outcomes: Outcome[] = [];
  /** Exponentially weighted log loss; it starts at ln 2, what a coin flip scores. */
  loss = Math.LN2;
  memorySize = 0;
  /** Page-Hinkley test on the log loss, scaled so that 1 is its alarm threshold. */
  driftScore = 0;
  private drift = { n: 0, mean: 0, sum: 0, min: 0 };
  private weight: number;
  private bias = 0;
  private pending: { x: number; p: number } | undefined;

  constructor(spec: ModelSpec) {
    this.spec = spec;
    this.weight = spec.prior;
  }

  /** Probability that the next bar is up. */
  predict(x: number): number {
    const p = 1 / (1 + Math.exp(-(this.weight * x + this.bias + this.spec.noise * gaussian())));
    this.pending = { x, p };
    return p;
  }

  /** Scores the last prediction against the move that followed, then takes one SGD step. */
  learn(up: boolean): void {
    if (this.pending === undefined) return;
    const { x, p } = this.pending;
    const loss = -Math.log(Math.max(1e-9, up ? p : 1 - p));
    this.loss += 0.05 * (loss - this.loss);
    const d = this.drift;
    d.mean += (loss - d.mean) / ++d.n;
    d.sum += loss - d.mean - 0.04; // rises smaller than 0.04 are noise
    d.min = Math.min(d.min, d.sum);
    this.driftScore = (d.sum - d.min) / 3;
    pushWindow(this.outcomes, { p, up });
    this.memorySize = Math.min(REPLAY_CAPACITY, this.memorySize + 1);
    const gradient = p - (up ? 1 : 0);
    this.weight -= this.spec.learningRate * gradient * x;
    this.bias -= this.spec.learningRate * gradient;
  }
}

function classificationScores(outcomes: readonly Outcome[]): ModelPerformanceMetrics {
  const count = (test: (predictedUp: boolean, up: boolean) => boolean) => outcomes.filter((o) => test(o.p >= 0.5, o.up)).length;
  const tp = count((predicted, up) => predicted && up);
  const fp = count((predicted, up) => predicted && !up);
  const fn = count((predicted, up) => !predicted && up);
  const precision = tp + fp > 0 ? tp / (tp + fp) : undefined;
  const recall = tp + fn > 0 ? tp / (tp + fn) : undefined;
  const f1Score = precision !== undefined && recall !== undefined && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : undefined;
  return { accuracy: count((predicted, up) => predicted === up) / outcomes.length, precision, recall, f1Score };
}

/** Expected calibration error, and the observed up-frequency in each non-empty one of 5 equal-width probability bins. */
function calibration(outcomes: readonly Outcome[]): { ece: number; reliabilityBins: Record<string, number> } {
  const bins = Array.from({ length: 5 }, () => ({ n: 0, ups: 0, sumP: 0 }));
  for (const { p, up } of outcomes) {
    const bin = bins[Math.min(4, Math.floor(p * 5))]!;
    bin.n++;
    bin.ups += up ? 1 : 0;
    bin.sumP += p;
  }
  let ece = 0;
  const reliabilityBins: Record<string, number> = {};
  bins.forEach((bin, i) => {
    if (bin.n === 0) return;
    reliabilityBins[((2 * i + 1) / 10).toFixed(1)] = bin.ups / bin.n;
    ece += (bin.n / outcomes.length) * Math.abs(bin.ups / bin.n - bin.sumP / bin.n);
  });
  return { ece, reliabilityBins };
}

/** The figures of updateTradingPerformance defined so far: with no losing trade yet, there is no profit factor. */
function tradingPerformance(pnls: readonly number[], equity: readonly number[]): TradingPerformance {
  const wins = pnls.filter((p) => p > 0);
  const losses = pnls.filter((p) => p <= 0).map((p) => -p);
  let peak = 0, maxDrawdown = 0;
  for (const e of equity) {
    peak = Math.max(peak, e);
    maxDrawdown = Math.max(maxDrawdown, (peak - e) / peak);
  }
  const returns = equity.slice(1).map((e, i) => e / equity[i]! - 1);
  const mean = sum(returns) / returns.length;
  const std = Math.sqrt(sum(returns.map((r) => (r - mean) ** 2)) / (returns.length - 1));
  const downside = Math.sqrt(sum(returns.map((r) => Math.min(0, r) ** 2)) / returns.length);
  const all: TradingPerformance = {
    winRate: wins.length / pnls.length,
    profitFactor: sum(wins) / sum(losses),
    averageWin: sum(wins) / wins.length,
    averageLoss: sum(losses) / losses.length,
    maxDrawdown: equity.length > 0 ? maxDrawdown : undefined,
    sharpeRatio: (mean / std) * Math.sqrt(BARS_PER_YEAR),
    sortinoRatio: (mean / downside) * Math.sqrt(BARS_PER_YEAR),
    calmarRatio: (mean * BARS_PER_YEAR) / maxDrawdown,
  };
  // A figure with too little data divides by zero: NaN or Infinity marks it as not defined yet.
  return Object.fromEntries(Object.entries(all).filter(([, v]) => Number.isFinite(v)));
}

// ---- the bot ------------------------------------------------------------------------------------

interface Market { symbol: string; price?: number; volatility: number; models: DirectionModel[]; forecast?: number; forecastErrors: number[] }
interface Position { symbol: string; side: Direction; model: string; quantity: number; entry: number; barsLeft: number; row: number }

class Bot {
  readonly counts = { signals: 0, trades: 0, failedTrades: 0, api: 0, apiErrors: 0 };
  /** Closed-trade PnL and equity per bar, oldest first. */
  readonly pnls: number[] = [];
  readonly equityCurve: number[] = [];
  private readonly markets: Market[] = SYMBOLS.map((symbol) => ({
    symbol, volatility: BAR_VOLATILITY, models: MODELS.map((spec) => new DirectionModel(spec)), forecastErrors: [],
  }));
  private readonly positions: Position[] = [];
  private balance = START_EQUITY;
  private queriesSeen = 0;
  private readonly monitoring: MonitoringService;
  private readonly journal: Journal;
  private readonly exchange: string;

  constructor(monitoring: MonitoringService, journal: Journal, exchange: string) {
    this.monitoring = monitoring;
    this.journal = journal;
    this.exchange = exchange;
  }

  get equity(): number {
    const unrealised = this.positions.map((p) => ((this.markets.find((m) => m.symbol === p.symbol)?.price ?? p.entry) - p.entry) * p.quantity * (p.side === 'buy' ? 1 : -1));
    return this.balance + sum(unrealised);
  }

  /** One bar: quote every symbol, signal, send the entries and the due exits, report the portfolio. */
  async tick(): Promise<void> {
    const quotes = await Promise.all(this.markets.map((m) => this.request('/api/market/data', 'GET', `?symbol=${encodeURIComponent(m.symbol)}`)));
    const orders: Promise<void>[] = [];
    this.markets.forEach((market, i) => {
      const price = priceIn(quotes[i]);
      if (price !== undefined) orders.push(...this.onPrice(market, price));
    });
    // An exit the exchange refused stays due and is sent again next bar.
    for (const position of this.positions) if (--position.barsLeft <= 0) orders.push(this.close(position));
    await Promise.all(orders);
    this.reportPortfolio();
  }

  /** Scores and refits every model on the new bar and records its signal; returns the orders the confident ones call for. */
  private onPrice(market: Market, price: number): Promise<void>[] {
    const previous = market.price;
    market.price = price;
    if (previous === undefined) return [];
    const r = Math.log(price / previous);
    market.volatility = Math.sqrt(0.95 * market.volatility ** 2 + 0.05 * r * r);
    if (market.forecast !== undefined) pushWindow(market.forecastErrors, price - market.forecast);
    market.forecast = price * Math.exp(MOMENTUM * r);
    const orders: Promise<void>[] = [];
    for (const model of market.models) {
      model.learn(r > 0);
      const p = model.predict(r / market.volatility);
      const direction: Direction = p >= 0.5 ? 'buy' : 'sell';
      const confidenceLevel = Math.abs(2 * p - 1);
      this.monitoring.recordTradingSignal({ symbol: market.symbol, direction, confidenceLevel, modelType: model.spec.type });
      this.counts.signals++;
      const open = this.positions.filter((pos) => pos.symbol === market.symbol && pos.model === model.spec.type).length;
      if (confidenceLevel >= ENTRY_CONFIDENCE && open < MAX_POSITIONS_PER_MODEL) orders.push(this.open(market.symbol, direction, model.spec.type, price));
    }
    return orders;
  }

  private async open(symbol: string, side: Direction, model: string, price: number): Promise<void> {
    const quantity = (this.equity * POSITION_FRACTION) / price;
    const fill = await this.submitOrder(symbol, side, quantity);
    const row = this.journal.record(symbol, side, model, quantity, fill ?? price, fill === undefined ? 'rejected' : 'open');
    if (fill !== undefined) this.positions.push({ symbol, side, model, quantity, entry: fill, barsLeft: randomInt(4, 14), row });
  }

  private async close(position: Position): Promise<void> {
    const fill = await this.submitOrder(position.symbol, position.side === 'buy' ? 'sell' : 'buy', position.quantity);
    if (fill === undefined) return;
    const gross = (fill - position.entry) * position.quantity * (position.side === 'buy' ? 1 : -1);
    const pnl = gross - FEE_RATE * position.quantity * (position.entry + fill);
    this.balance += pnl;
    this.positions.splice(this.positions.indexOf(position), 1);
    this.pnls.push(pnl);
    this.journal.recordClose(position.row, fill, pnl);
  }

  /** A market order; resolves to the fill price, or undefined when it was refused or never arrived. */
  private async submitOrder(symbol: string, side: Direction, quantity: number): Promise<number | undefined> {
    this.counts.trades++;
    const fill = priceIn(await this.request('/api/orders', 'POST', '', { symbol, side, quantity }));
    this.monitoring.recordExecutedTrade({ symbol, direction: side, success: fill !== undefined });
    if (fill === undefined) this.counts.failedTrades++;
    return fill;
  }

  /** One exchange call, timed by the SDK; resolves to the JSON body of a 2xx answer, else undefined. */
  private async request(endpoint: string, method: 'GET' | 'POST', query: string, payload?: object): Promise<unknown> {
    this.counts.api++;
    try {
      const body = await this.monitoring.trackApiRequest(endpoint, method, async (call) => {
        const init = payload === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
        const res = await fetch(this.exchange + endpoint + query, init);
        call.statusCode = res.status;
        const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? Number.NaN);
        if (Number.isFinite(remaining)) this.monitoring.setApiQuotaRemaining({ api: 'exchange', remaining });
        const json: unknown = await res.json();
        return res.ok ? json : undefined;
      });
      if (body === undefined) this.counts.apiErrors++;
      return body;
    } catch {
      // Refused or reset connections: trackApiRequest has counted them under their error code.
      this.counts.apiErrors++;
      return undefined;
    }
  }

  private reportPortfolio(): void {
    const count = (symbol: string, side: Direction) => this.positions.filter((p) => p.symbol === symbol && p.side === side).length;
    const openPositions: OpenPositions = Object.fromEntries(SYMBOLS.map((s) => [s, { buy: count(s, 'buy'), sell: count(s, 'sell') }]));
    const equity = this.equity;
    this.equityCurve.push(equity);
    this.monitoring.updatePortfolioMetrics({ portfolioValue: equity, balance: this.balance, openPositions });
    // SQLite is one handle; the pool figures stand in for those of a server database.
    const queries = this.journal.queries - this.queriesSeen;
    this.queriesSeen = this.journal.queries;
    this.monitoring.updateDbPool({ pool: 'main', size: DB_POOL_SIZE, active: Math.min(DB_POOL_SIZE, queries + randomInt(0, 3)) });
  }

  reportPerformance(): void {
    const figures = tradingPerformance(this.pnls, this.equityCurve);
    if (Object.keys(figures).length > 0) this.monitoring.updateTradingPerformance(figures);
  }

  reportModels(): void {
    for (const { symbol, models, forecastErrors: errors } of this.markets) {
      for (const model of models) {
        if (model.outcomes.length < MIN_OUTCOMES) continue;
        const key = { modelName: model.spec.name, timeframe: model.spec.timeframe, symbol };
        this.monitoring.updateModelPerformance({ ...key, metrics: classificationScores(model.outcomes) });
        this.monitoring.updateCalibrationMetrics({ ...key, ...calibration(model.outcomes) });
        this.monitoring.updateOnlineLearningMetrics({ ...key, driftScore: model.driftScore, memorySize: model.memorySize, loss: model.loss });
      }
      if (errors.length < MIN_OUTCOMES) continue;
      const rmse = Math.sqrt(sum(errors.map((e) => e * e)) / errors.length);
      const mae = sum(errors.map(Math.abs)) / errors.length;
      this.monitoring.updateModelPerformance({ modelName: REGRESSOR.name, timeframe: REGRESSOR.timeframe, symbol, metrics: { rmse, mae } });
    }
  }

  summary(seconds: number): string {
    const { signals, trades, failedTrades, api, apiErrors } = this.counts;
    const winRate = this.pnls.length > 0 ? `${Math.round((100 * this.pnls.filter((p) => p > 0).length) / this.pnls.length)}%` : '-';
    const equity = this.equity.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
    return `[${String(seconds).padStart(3)}s] signals ${signals} | trades ${trades} (${failedTrades} failed) | closed ${this.pnls.length} win ${winRate} | equity ${equity} | api ${api} req ${apiErrors} err | db ${this.journal.queries} q`;
  }
}

// ---- main ---------------------------------------------------------------------------------------

/** The parsed command line, or what is wrong with it. */
interface CommandLine {
  duration: number | undefined;
  port: number;
  host: string;
  exportDir: string | false;
  otlp: string | undefined;
}

function parseCommandLine(args: string[]): CommandLine | string {
  let values: { duration?: string; port?: string; host?: string; 'export-dir'?: string; otlp?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { duration: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'export-dir': { type: 'string' }, otlp: { type: 'string' } },
    }));
  } catch (error) {
    return (error as Error).message;
  }
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  // setTimeout holds at most 2^31 - 1 ms.
  if (duration !== undefined && !(duration > 0 && duration <= 2_147_483)) return `--duration must be a number of seconds above 0, at most 2147483, got "${values.duration}"`;
  const port = values.port === undefined ? 8000 : /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
  if (!(port <= 65535)) return `--port must be an integer from 0 to 65535, got "${values.port}"`;
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') return '--host must not be empty';
  const exportDir = values['export-dir'] ?? 'logs/metrics';
  return { duration, port, host, exportDir: exportDir === '' ? false : exportDir, otlp: values.otlp };
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`${args}\nusage: npm run demo -- [--duration <seconds>] [--port <n>] [--host <address>] [--export-dir <dir>|''] [--otlp <endpoint>]`);
    return 2;
  }
  let monitoring: MonitoringService;
  try {
    monitoring = await initEnhancedMonitoring({
      port: args.port,
      host: args.host,
      serviceName: 'evil2root-demo-bot',
      exportDirectory: args.exportDir,
      exportIntervalSeconds: 5,
      otlp: args.otlp === undefined ? undefined : { endpoint: args.otlp, intervalSeconds: 5 },
      handleSignals: true,
    });
  } catch (error) {
    const option = error instanceof MonitoringConfigError ? error.option : undefined;
    const hint = option === 'host' ? 'check --host'
      : option === 'exportDirectory' ? "check --export-dir, or --export-dir '' for no snapshots"
      : option === 'otlp' ? 'check --otlp' : 'try --port 0 or another port';
    console.error(`Cannot start monitoring: ${(error as Error).message}\nHint: ${hint}.`);
    return 1;
  }
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  console.log(`Metrics: http://localhost:${monitoring.port}/metrics  (/ serves the same)`);
  if (args.exportDir !== false) console.log(`Snapshots: ${args.exportDir}/metrics-<time>.json every 5 s; ${args.exportDir}/latest.json is the newest`);
  if (args.otlp !== undefined) console.log(`OTLP: pushing to ${monitoring.options.otlp === false ? '?' : monitoring.options.otlp.endpoint} every 5 s`);

  const regimeChangeAfter = args.duration === undefined ? 60 : args.duration / 2;
  const exchange = await startExchange(started + regimeChangeAfter * 1000);
  const journal = openJournal(monitoring);
  const bot = new Bot(monitoring, journal, exchange.url);
  console.log(`Trading ${SYMBOLS.join(', ')} on ${exchange.url}; the market stops trending and mean-reverts after ${regimeChangeAfter} s.`);
  console.log(args.duration === undefined ? 'Running until Ctrl-C.' : `Running for ${args.duration} s.`);

  // The next tick is set only when the last one has finished, so a slow exchange never piles ticks up.
  let running = true;
  let inFlight = Promise.resolve();
  let nextTick: NodeJS.Timeout | undefined;
  const tick = () => {
    inFlight = bot.tick()
      .catch((error: unknown) => console.error(`tick failed: ${(error as Error).message}`))
      .finally(() => {
        if (running) nextTick = setTimeout(tick, TICK_MS);
      });
  };
  tick();
  const reports = [
    setInterval(() => journal.readHistory(), 1_000),
    setInterval(() => bot.reportPerformance(), 2_000),
    setInterval(() => bot.reportModels(), 3_000),
    setInterval(() => journal.readArchive(), 4_000),
    setInterval(() => console.log(bot.summary(elapsed())), 5_000),
  ];

  let durationTimer: NodeJS.Timeout | undefined;
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (args.duration !== undefined) durationTimer = setTimeout(() => resolve('duration reached'), args.duration * 1000);
  });

  running = false;
  clearTimeout(nextTick);
  clearTimeout(durationTimer);
  for (const timer of reports) clearInterval(timer);
  await inFlight;
  console.log(`${bot.summary(elapsed())}  (final, ${reason})`);
  await monitoring.shutdown();
  await exchange.close();
  journal.close();
  console.log(`Stopped after ${elapsed()} s.`);
  return 0;
}

process.exitCode = await main();
