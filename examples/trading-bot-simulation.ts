/**
 * A simulated trading bot that drives every metric of @evil2root/monitoring from real parts: a local
 * exchange over HTTP (node:http, called with fetch), a trade journal in SQLite (node:sqlite), and
 * online models that learn, then lose their edge and drift when the market changes regime half-way.
 * The bot reports raw events only (orders, fills, positions and balances, closed trades, equity,
 * predictions and their outcomes, learning steps, features); the SDK computes slippage, fill ratios,
 * exposure, win rate per symbol and strategy, drawdown, Sharpe, accuracy, calibration and drift.
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
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { initEnhancedMonitoring, MonitoringConfigError } from '@evil2root/monitoring';
import type { Direction, MonitoringService, OpenPositions, Tracked } from '@evil2root/monitoring';

const SYMBOLS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];
const START_PRICES: Record<string, number> = { 'BTC/USD': 97_000, 'ETH/USD': 3_400, 'SOL/USD': 190 };
/** Usual bid-ask spread in basis points. */
const SPREAD_BPS: Record<string, number> = { 'BTC/USD': 1, 'ETH/USD': 2, 'SOL/USD': 4 };
/** The replay runs at speed: a tick of 250 ms is a 12-hour bar, so two ticks are a trading day. */
const TICK_MS = 250;
const BAR_MS = 12 * 3_600_000;
const DAY_SECONDS = (TICK_MS / 1000) * (86_400_000 / BAR_MS);
const BAR_VOLATILITY = 0.025;
/** Autocorrelation of returns: the market trends, and after the regime change it mean-reverts, twice as volatile. */
const MOMENTUM = 0.45;
const REGIME_VOLATILITY = 2;
/** The session opens with thin books for its first bars: wide spreads and a slow, overloaded venue. */
const OPENING_BARS = 6;
const OPENING_SPREAD_BPS = 20;
/** Spread samples the exchange reports per bar (one every 90 minutes). */
const SPREAD_SAMPLES = 8;
/** Market data older than this is useless to the bot: it gives up, and that bar is missed. */
const QUOTE_TIMEOUT_MS = 150;
const START_EQUITY = 10_000;
const POSITION_FRACTION = 0.08;
const FEE_RATE = 0.0005;
/** A resting (maker) fill earns this rebate, as a fraction of its notional; a taker pays FEE_RATE. */
const MAKER_REBATE = 0.0001;
/** Share of entries sent as limit orders at the quote (the rest are market orders), and how often one only partly fills. */
const LIMIT_SHARE = 0.35;
const PARTIAL_FILL_SHARE = 0.3;
const VENUE = 'sim-exchange';
const ENTRY_CONFIDENCE = 0.4;
const MAX_POSITIONS_PER_MODEL = 2;
const DB_POOL_SIZE = 10;

const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const randomInt = (lo: number, hi: number) => Math.floor(rand(lo, hi + 1));
const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const numberIn = (body: unknown, key: string) =>
  isObject(body) && typeof body[key] === 'number' ? body[key] : undefined;

// ---- the exchange: prices, orders, a rate limit and the odd failure ----------------------------

const RATE_LIMIT = 300;
const RATE_WINDOW_MS = 10_000;

interface Quote {
  symbol: string;
  bar: number;
  time: number;
  price: number;
  spreadsBps: number[];
}

async function startExchange(
  started: number,
  regimeChangeAt: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const markets = new Map(SYMBOLS.map((s) => [s, { price: START_PRICES[s] ?? 100, lastReturn: 0, bar: 0 }]));
  let used = 0;
  let orderCount = 0;
  let windowEnds = 0;
  const opening = (symbol: string) => (markets.get(symbol)?.bar ?? 0) <= OPENING_BARS;

  // A bar passes with every market-data request, answered or not: a quote that failed or timed out is a bar the bot missed.
  const nextBar = (symbol: string): Quote | undefined => {
    const market = markets.get(symbol);
    if (market === undefined) return undefined;
    const trending = Date.now() < regimeChangeAt;
    const volatility = BAR_VOLATILITY * (trending ? 1 : REGIME_VOLATILITY);
    market.lastReturn = (trending ? MOMENTUM : -MOMENTUM) * market.lastReturn + volatility * gaussian();
    market.price *= Math.exp(market.lastReturn);
    market.bar++;
    const spread = opening(symbol)
      ? OPENING_SPREAD_BPS
      : (SPREAD_BPS[symbol] ?? 5) * (trending ? 1 : REGIME_VOLATILITY);
    const spreadsBps = Array.from({ length: SPREAD_SAMPLES }, () => spread * Math.exp(0.1 * gaussian()));
    return { symbol, bar: market.bar, time: started + market.bar * BAR_MS, price: market.price, spreadsBps };
  };
  const fill = (body: string): [number, object] => {
    let order: unknown;
    try {
      order = JSON.parse(body);
    } catch {
      return [400, { error: 'body is not JSON' }];
    }
    const market = isObject(order) ? markets.get(String(order.symbol)) : undefined;
    if (
      !isObject(order) ||
      market === undefined ||
      !['buy', 'sell'].includes(String(order.side)) ||
      !(Number(order.quantity) > 0)
    ) {
      return [400, { error: 'expected { symbol, side, quantity }' }];
    }
    // One order in ten is rejected, the second one of the run among them, so that even a short run shows
    // rejections by reason.
    orderCount++;
    if (orderCount % 20 === 2) return [422, { error: 'insufficient liquidity' }];
    if (orderCount % 20 === 12) return [422, { error: 'price outside the band' }];
    const quantity = Number(order.quantity);
    const sign = order.side === 'buy' ? 1 : -1;
    // A limit order rests at its price and fills as maker, sometimes only partly; a market order walks
    // the book in one to three pieces, each a little worse, and pays the taker fee.
    if (order.type === 'limit' && Number(order.price) > 0) {
      const price = Number(order.price);
      const filled = Math.random() < PARTIAL_FILL_SHARE ? quantity * rand(0.2, 0.9) : quantity;
      const fills = [{ price, quantity: filled, fee: -MAKER_REBATE * price * filled, liquidity: 'maker' }];
      return [200, { orderId: randomInt(1, 1e9), status: filled < quantity ? 'partially_filled' : 'filled', fills }];
    }
    const pieces = randomInt(1, 3);
    const fills = Array.from({ length: pieces }, (_, i) => {
      const price = market.price * (1 + sign * rand(0, 0.0003) * (i + 1));
      const part = quantity / pieces;
      return { price, quantity: part, fee: FEE_RATE * price * part, liquidity: 'taker' };
    });
    return [200, { orderId: randomInt(1, 1e9), status: 'filled', fills }];
  };
  const answer = (req: IncomingMessage, body: string): [number, object] => {
    const url = new URL(req.url ?? '/', 'http://exchange');
    const quote =
      req.method === 'GET' && url.pathname === '/api/market/data'
        ? nextBar(url.searchParams.get('symbol') ?? '')
        : undefined;
    const roll = Math.random();
    if (used > RATE_LIMIT || roll < 0.015) return [429, { error: 'rate limit exceeded' }];
    if (roll < 0.03) return [500, { error: 'internal error' }];
    if (req.method === 'GET' && url.pathname === '/api/market/data')
      return quote === undefined ? [404, { error: 'unknown symbol' }] : [200, quote];
    if (req.method === 'POST' && url.pathname === '/api/orders') return fill(body);
    return [404, { error: 'not found' }];
  };

  const server = createServer((req, res) => {
    const now = Date.now();
    if (now >= windowEnds) [used, windowEnds] = [0, now + RATE_WINDOW_MS];
    used++;
    const symbol = new URL(req.url ?? '/', 'http://exchange').searchParams.get('symbol') ?? '';
    const busy = SYMBOLS.includes(symbol) && opening(symbol);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [status, body] = answer(req, Buffer.concat(chunks).toString());
      const headers = {
        'content-type': 'application/json',
        'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - used)),
      };
      // Mostly quick, with the long tail real venues have, and a much longer one while the session opens.
      const delay =
        Math.random() < (busy ? 0.3 : 0.01) ? rand(QUOTE_TIMEOUT_MS + 20, 400) : 3 + Math.random() ** 2 * 77;
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(status, headers).end(JSON.stringify(body));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps idle keep-alive connections open
      }),
  };
}

/** The fills of an order answer: price, quantity, fee (negative: a rebate) and liquidity of each. */
function fillsIn(body: unknown): { price: number; quantity: number; fee: number; liquidity: 'maker' | 'taker' }[] {
  if (!isObject(body) || !Array.isArray(body.fills)) return [];
  return body.fills.flatMap((f: unknown) => {
    const [price, quantity, fee] = [numberIn(f, 'price'), numberIn(f, 'quantity'), numberIn(f, 'fee')];
    if (price === undefined || quantity === undefined || fee === undefined || !isObject(f)) return [];
    return [{ price, quantity, fee, liquidity: f.liquidity === 'maker' ? ('maker' as const) : ('taker' as const) }];
  });
}

function quoteIn(body: unknown): Quote | undefined {
  if (!isObject(body) || typeof body.symbol !== 'string' || !Array.isArray(body.spreadsBps)) return undefined;
  const [bar, time, price] = [numberIn(body, 'bar'), numberIn(body, 'time'), numberIn(body, 'price')];
  if (bar === undefined || time === undefined || price === undefined) return undefined;
  return {
    symbol: body.symbol,
    bar,
    time,
    price,
    spreadsBps: body.spreadsBps.filter((s): s is number => typeof s === 'number'),
  };
}

// ---- the trade journal: SQLite, every statement timed by trackDbQuery ---------------------------

/** The journal lives in `file` (kept across runs, as a bot's database is) or, with ':memory:', only in this run. */
function openJournal(monitoring: MonitoringService, file: string) {
  const db = new DatabaseSync(file);
  db.exec(`CREATE TABLE IF NOT EXISTS trades (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, side TEXT NOT NULL, model TEXT NOT NULL,
    quantity REAL NOT NULL, entry_price REAL NOT NULL, exit_price REAL, pnl REAL, status TEXT NOT NULL, opened_at INTEGER, closed_at INTEGER)`);
  const insert = db.prepare(
    'INSERT INTO trades (symbol, side, model, quantity, entry_price, status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const settle = db.prepare("UPDATE trades SET exit_price = ?, pnl = ?, status = 'closed', closed_at = ? WHERE id = ?");
  const recent = db.prepare('SELECT id, symbol, side, status, pnl FROM trades ORDER BY id DESC LIMIT 20');
  const pnlBySymbol = db.prepare(
    "SELECT symbol, COUNT(*) AS trades, SUM(pnl) AS pnl FROM trades WHERE status = 'closed' GROUP BY symbol",
  );
  const realized = db.prepare("SELECT COALESCE(SUM(pnl), 0) AS pnl FROM trades WHERE status = 'closed'");
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
    record(
      symbol: string,
      side: Direction,
      model: string,
      quantity: number,
      price: number,
      status: 'open' | 'rejected',
    ): number {
      return Number(
        query('insert', () => insert.run(symbol, side, model, quantity, price, status, Date.now())).lastInsertRowid,
      );
    },
    recordClose(row: number, exitPrice: number, pnl: number): void {
      query('update', () => settle.run(exitPrice, pnl, Date.now(), row));
    },
    /** Net result of every trade closed so far, this run's and earlier runs': the account's realized PnL. */
    realizedPnl(): number {
      return Number((query('select', () => realized.get()) as { pnl: number }).pnl);
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

// ---- models: plain online learners; the SDK scores their predictions --------------------------

/** `prior` is the weight fitted offline on trending data; `noise` is what the features miss. */
interface ModelSpec {
  type: string;
  name: string;
  timeframe: string;
  prior: number;
  noise: number;
  learningRate: number;
  feature: 'volatility' | 'spread_bps';
}
const MODELS: readonly ModelSpec[] = [
  {
    type: 'price_prediction',
    name: 'lstm_v2',
    timeframe: '12h',
    prior: 0.7,
    noise: 0.25,
    learningRate: 0.01,
    feature: 'volatility',
  },
  {
    type: 'sentiment',
    name: 'xgb_v1',
    timeframe: '12h',
    prior: 0.4,
    noise: 0.5,
    learningRate: 0.02,
    feature: 'spread_bps',
  },
];
/** The price regressor forecasts the next return (in %) as MOMENTUM × the last one: fitted on the trending market, never refitted. */
const REGRESSOR = { name: 'arima_v1', timeframe: '12h' };
const REPLAY_CAPACITY = 1_000;

/** Online logistic regression of "next bar is up" on the last standardised return: a momentum rule it keeps refitting. */
class DirectionModel {
  readonly spec: ModelSpec;
  /** Exponentially weighted log loss; it starts at ln 2, what a coin flip scores. */
  loss = Math.LN2;
  memorySize = 0;
  private weight: number;
  private bias = 0;

  constructor(spec: ModelSpec) {
    this.spec = spec;
    this.weight = spec.prior;
  }

  /** Probability that the next bar is up. */
  predict(x: number): number {
    return 1 / (1 + Math.exp(-(this.weight * x + this.bias + this.spec.noise * gaussian())));
  }

  /** One SGD step on a prediction `p` made from `x`, now that the bar it was about is known. */
  learn(x: number, p: number, up: boolean): void {
    this.loss += 0.05 * (-Math.log(Math.max(1e-9, up ? p : 1 - p)) - this.loss);
    this.memorySize = Math.min(REPLAY_CAPACITY, this.memorySize + 1);
    const gradient = p - (up ? 1 : 0);
    this.weight -= this.spec.learningRate * gradient * x;
    this.bias -= this.spec.learningRate * gradient;
  }
}

// ---- the bot ------------------------------------------------------------------------------------

/** A prediction waiting for the bar it is about. */
interface Pending {
  model?: DirectionModel;
  x: number;
  p: number;
}
interface Market {
  symbol: string;
  bar: number;
  time: number;
  price?: number;
  volatility: number;
  models: DirectionModel[];
  pending: Pending[];
}
interface Position {
  symbol: string;
  side: Direction;
  model: string;
  quantity: number;
  entry: number;
  openedAt: number;
  barsLeft: number;
  row: number;
}

class Bot {
  readonly counts = { signals: 0, trades: 0, failedTrades: 0, closed: 0, wins: 0, missedBars: 0, api: 0, apiErrors: 0 };
  private readonly markets: Market[] = SYMBOLS.map((symbol) => ({
    symbol,
    bar: 0,
    time: 0,
    volatility: BAR_VOLATILITY,
    models: MODELS.map((spec) => new DirectionModel(spec)),
    pending: [],
  }));
  private readonly positions: Position[] = [];
  private balance: number;
  private orderSeq = 0;
  private queriesSeen = 0;
  private readonly monitoring: MonitoringService;
  private readonly journal: Journal;
  private readonly exchange: string;

  constructor(monitoring: MonitoringService, journal: Journal, exchange: string) {
    this.monitoring = monitoring;
    this.journal = journal;
    this.exchange = exchange;
    // The account carries over from earlier runs, as a real one does: the journal is the bot's source of truth.
    this.balance = START_EQUITY + journal.realizedPnl();
  }

  get equity(): number {
    const unrealised = this.positions.map(
      (p) =>
        ((this.markets.find((m) => m.symbol === p.symbol)?.price ?? p.entry) - p.entry) *
        p.quantity *
        (p.side === 'buy' ? 1 : -1),
    );
    return this.balance + sum(unrealised);
  }

  /** One bar: quote every symbol, score and signal, send the entries and the due exits, report the portfolio. */
  async tick(): Promise<void> {
    this.monitoring.heartbeat('main');
    const quotes = await Promise.all(
      this.markets.map((m) => this.request('/api/market/data', 'GET', `?symbol=${encodeURIComponent(m.symbol)}`)),
    );
    const orders: Promise<void>[] = [];
    this.markets.forEach((market, i) => {
      const quote = quoteIn(quotes[i]);
      if (quote !== undefined) orders.push(...this.onQuote(market, quote));
    });
    // An exit the exchange refused stays due and is sent again next bar.
    for (const position of this.positions) if (--position.barsLeft <= 0) orders.push(this.close(position));
    await Promise.all(orders);
    this.reportPortfolio();
  }

  /**
   * Resolves the predictions made for this bar, refits the models, then predicts the next bar and
   * records the signals; returns the orders the confident ones call for.
   */
  private onQuote(market: Market, quote: Quote): Promise<void>[] {
    const { symbol, price } = quote;
    const previous = market.price;
    const gap = quote.bar - market.bar;
    Object.assign(market, { price, bar: quote.bar, time: quote.time });
    for (const spec of MODELS) {
      if (spec.feature !== 'spread_bps') continue;
      for (const value of quote.spreadsBps)
        this.monitoring.recordFeature({
          modelName: spec.name,
          timeframe: spec.timeframe,
          symbol,
          feature: 'spread_bps',
          value,
        });
    }
    if (previous === undefined) return [];
    const r = Math.log(price / previous);
    const pending = market.pending.splice(0);
    // After a missed bar the outcome of the last predictions is unknown: they are left to expire (outcomeTtlSeconds).
    if (gap === 1) this.resolve(market, pending, r);
    else this.counts.missedBars += gap - 1;
    market.volatility = Math.sqrt(0.95 * market.volatility ** 2 + (0.05 * (r * r)) / gap);
    const x = r / (market.volatility * Math.sqrt(gap));
    const id = quote.bar + 1;
    const key = { timeframe: REGRESSOR.timeframe, symbol, predictionId: id };
    this.monitoring.recordPrediction({ ...key, modelName: REGRESSOR.name, predicted: (100 * MOMENTUM * r) / gap });
    market.pending.push({ x, p: Number.NaN });
    const orders: Promise<void>[] = [];
    for (const model of market.models) {
      const { name, timeframe, type, feature } = model.spec;
      if (feature === 'volatility')
        this.monitoring.recordFeature({ modelName: name, timeframe, symbol, feature, value: 100 * market.volatility });
      const p = model.predict(x);
      this.monitoring.recordPrediction({
        modelName: name,
        timeframe,
        symbol,
        predictionId: id,
        predicted: p >= 0.5 ? 'up' : 'down',
        probability: p,
        positiveClass: 'up',
      });
      market.pending.push({ model, x, p });
      const direction: Direction = p >= 0.5 ? 'buy' : 'sell';
      const confidenceLevel = Math.abs(2 * p - 1);
      const signalledAt = Date.now();
      this.monitoring.recordTradingSignal({ symbol, direction, confidenceLevel, modelType: type, strategy: type });
      this.counts.signals++;
      const open = this.positions.filter((pos) => pos.symbol === symbol && pos.model === type).length;
      if (confidenceLevel >= ENTRY_CONFIDENCE && open < MAX_POSITIONS_PER_MODEL)
        orders.push(this.open(market, direction, type, signalledAt));
    }
    return orders;
  }

  /** The bar a prediction was about has closed with return `r`: its outcome, and a learning step for the classifiers. */
  private resolve(market: Market, pending: readonly Pending[], r: number): void {
    const { symbol, bar: predictionId } = market;
    for (const { model, x, p } of pending) {
      if (model === undefined) {
        this.monitoring.recordOutcome({
          modelName: REGRESSOR.name,
          timeframe: REGRESSOR.timeframe,
          symbol,
          predictionId,
          actual: 100 * r,
        });
        continue;
      }
      const { name: modelName, timeframe } = model.spec;
      this.monitoring.recordOutcome({ modelName, timeframe, symbol, predictionId, actual: r > 0 ? 'up' : 'down' });
      model.learn(x, p, r > 0);
      this.monitoring.recordLearningStep({
        modelName,
        timeframe,
        symbol,
        loss: model.loss,
        memorySize: model.memorySize,
      });
    }
  }

  private async open(market: Market, side: Direction, model: string, signalTime: number): Promise<void> {
    const { symbol } = market;
    // Trades carry wall-clock times, like the equity: holding times, daily PnL and drawdown durations are real.
    const openedAt = Date.now();
    const price = market.price ?? 0;
    const ordered = (this.equity * POSITION_FRACTION) / price;
    const limit = Math.random() < LIMIT_SHARE ? price : undefined;
    const fill = await this.submitOrder(symbol, side, ordered, model, price, limit, signalTime);
    const row = this.journal.record(
      symbol,
      side,
      model,
      fill?.quantity ?? ordered,
      fill?.price ?? price,
      fill === undefined ? 'rejected' : 'open',
    );
    if (fill !== undefined)
      this.positions.push({
        symbol,
        side,
        model,
        quantity: fill.quantity,
        entry: fill.price,
        openedAt,
        barsLeft: randomInt(2, 12),
        row,
      });
  }

  private async close(position: Position): Promise<void> {
    const { symbol, side, quantity, entry: entryPrice, openedAt, model } = position;
    const price = this.markets.find((m) => m.symbol === symbol)?.price ?? entryPrice;
    const exit = await this.submitOrder(symbol, side === 'buy' ? 'sell' : 'buy', quantity, model, price);
    // An exit that was refused or only partly filled stays due and is sent again next bar.
    if (exit === undefined || exit.quantity < quantity) return;
    const exitPrice = exit.price;
    const pnl = (exitPrice - entryPrice) * quantity * (side === 'buy' ? 1 : -1);
    const fees = FEE_RATE * quantity * (entryPrice + exitPrice);
    this.balance += pnl - fees;
    this.positions.splice(this.positions.indexOf(position), 1);
    this.counts.closed++;
    if (pnl > fees) this.counts.wins++;
    this.journal.recordClose(position.row, exitPrice, pnl - fees);
    const closedAt = Date.now();
    this.monitoring.recordClosedTrade({
      symbol,
      direction: side,
      strategy: model,
      pnl,
      fees,
      entryPrice,
      exitPrice,
      quantity,
      openedAt,
      closedAt,
    });
  }

  /**
   * An order at the quote the bot decided on (`expectedPrice`): a limit order at `limit`, else a market
   * order. Reports its life to the SDK (submitted, accepted, each fill with its fee or rebate, then
   * filled, or cancelled after a partial fill, or rejected with the venue's reason) and resolves to
   * the filled quantity and its average price, or undefined when nothing was filled.
   */
  private async submitOrder(
    symbol: string,
    side: Direction,
    quantity: number,
    strategy: string,
    expectedPrice: number,
    limit?: number,
    signalTime?: number,
  ): Promise<{ quantity: number; price: number } | undefined> {
    this.counts.trades++;
    const orderId = `${process.pid}-${++this.orderSeq}`;
    const type = limit === undefined ? 'market' : 'limit';
    const submitted = Date.now();
    this.monitoring.recordOrder({
      orderId,
      symbol,
      side,
      type,
      quantity,
      ...(limit === undefined ? {} : { price: limit }),
      expectedPrice,
      venue: VENUE,
      strategy,
      ...(signalTime === undefined ? {} : { signalTime }),
      time: submitted,
    });
    let reason = 'no answer';
    const body = await this.request(
      '/api/orders',
      'POST',
      '',
      { symbol, side, quantity, type, price: limit },
      (error) => {
        reason = error;
      },
    );
    const fills = fillsIn(body);
    const filled = sum(fills.map((f) => f.quantity));
    this.monitoring.recordExecutedTrade({ symbol, direction: side, success: filled > 0, strategy });
    if (filled === 0) {
      this.counts.failedTrades++;
      this.monitoring.recordOrderUpdate({ orderId, status: 'rejected', reason });
      return undefined;
    }
    const answered = Date.now();
    this.monitoring.recordOrderUpdate({ orderId, status: 'accepted', time: answered });
    for (const fill of fills) this.monitoring.recordFill({ orderId, ...fill, feeAsset: 'USD', time: answered });
    // The fill that completes the quantity ends the order; the venue's own confirmation changes nothing.
    this.monitoring.recordOrderUpdate({ orderId, status: filled < quantity ? 'cancelled' : 'filled', time: answered });
    return { quantity: filled, price: sum(fills.map((f) => f.price * f.quantity)) / filled };
  }

  /** One exchange call, timed by the SDK; resolves to the JSON body of a 2xx answer, else undefined (after telling `onError` why). */
  private async request(
    endpoint: string,
    method: 'GET' | 'POST',
    query: string,
    payload?: object,
    onError?: (reason: string) => void,
  ): Promise<unknown> {
    this.counts.api++;
    try {
      const body = await this.monitoring.trackApiRequest(endpoint, method, async (call) => {
        const init: RequestInit =
          payload === undefined
            ? { method, signal: AbortSignal.timeout(QUOTE_TIMEOUT_MS) }
            : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
        const res = await fetch(this.exchange + endpoint + query, init);
        call.statusCode = res.status;
        const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? Number.NaN);
        if (Number.isFinite(remaining)) this.monitoring.setApiQuotaRemaining({ api: 'exchange', remaining });
        const json: unknown = await res.json();
        if (!res.ok) onError?.(isObject(json) && typeof json.error === 'string' ? json.error : `http ${res.status}`);
        return res.ok ? json : undefined;
      });
      if (body === undefined) this.counts.apiErrors++;
      return body;
    } catch (error) {
      // Refused, reset or timed-out calls: trackApiRequest has counted them under their error code or name.
      this.counts.apiErrors++;
      onError?.((error as Error).name);
      return undefined;
    }
  }

  private reportPortfolio(): void {
    const count = (symbol: string, side: Direction) =>
      this.positions.filter((p) => p.symbol === symbol && p.side === side).length;
    const openPositions: OpenPositions = Object.fromEntries(
      SYMBOLS.map((s) => [s, { buy: count(s, 'buy'), sell: count(s, 'sell') }]),
    );
    this.monitoring.updatePortfolioMetrics({ portfolioValue: this.equity, balance: this.balance, openPositions });
    const markOf = (symbol: string, entry: number) => this.markets.find((m) => m.symbol === symbol)?.price ?? entry;
    this.monitoring.updatePositions({
      positions: this.positions.map((p) => ({
        symbol: p.symbol,
        quantity: p.side === 'buy' ? p.quantity : -p.quantity,
        entryPrice: p.entry,
        markPrice: markOf(p.symbol, p.entry),
        venue: VENUE,
        strategy: p.model,
      })),
    });
    // Cash in USD, part of it locked as margin for the positions; the base assets the long positions hold.
    const margin = sum(this.positions.map((p) => p.quantity * p.entry)) * 0.2;
    const longs = SYMBOLS.map((symbol) => ({
      symbol,
      quantity: sum(this.positions.filter((p) => p.symbol === symbol && p.side === 'buy').map((p) => p.quantity)),
    })).filter((l) => l.quantity > 0);
    this.monitoring.updateBalances({
      balances: [
        {
          venue: VENUE,
          asset: 'USD',
          free: Math.max(0, this.balance - margin),
          locked: Math.min(margin, Math.max(0, this.balance)),
          value: Math.max(0, this.balance),
        },
        ...longs.map((l) => ({
          venue: VENUE,
          asset: l.symbol.split('/')[0] ?? l.symbol,
          free: l.quantity,
          value: l.quantity * markOf(l.symbol, 0),
        })),
      ],
    });
    // SQLite is one handle; the pool figures stand in for those of a server database.
    const queries = this.journal.queries - this.queriesSeen;
    this.queriesSeen = this.journal.queries;
    const demand = queries + randomInt(0, 3);
    this.monitoring.updateDbPool({
      pool: 'main',
      size: DB_POOL_SIZE,
      active: Math.min(DB_POOL_SIZE, demand),
      waiting: Math.max(0, demand - DB_POOL_SIZE),
    });
  }

  /**
   * The summary line. This run's own counts, then the SDK's lifetime figures read from the bot's own
   * scrape: with a state directory they continue across runs (closed trades, win rate, drawdown, drifts).
   */
  async summary(seconds: number): Promise<string> {
    const { signals, trades, failedTrades, missedBars, api, apiErrors } = this.counts;
    const equity = this.equity.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
    const scrape = await this.monitoring.metricsText();
    const all = (name: string) =>
      sum([...scrape.matchAll(new RegExp(`^${name}\\{.*\\} (\\S+)$`, 'gm'))].map((m) => Number(m[1])));
    const one = (series: string) => {
      const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const percent = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(1)}%`);
    const winRate = one('win_rate{symbol="all",window="lifetime"}');
    const drawdown = one('drawdown{basis="equity"}');
    const maxDrawdown = one('max_drawdown{basis="equity"}');
    return `[${String(seconds).padStart(3)}s] signals ${signals} | trades ${trades} (${failedTrades} failed) | closed ${all('trades_closed_total')} win ${percent(winRate)} | equity ${equity} dd ${percent(drawdown)} max ${percent(maxDrawdown)} | missed bars ${missedBars} | drifts ${all('model_drift_events_total')} | api ${api} req ${apiErrors} err | db ${this.journal.queries} q`;
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
      options: {
        duration: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'export-dir': { type: 'string' },
        otlp: { type: 'string' },
      },
    }));
  } catch (error) {
    return (error as Error).message;
  }
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  // setTimeout holds at most 2^31 - 1 ms.
  if (duration !== undefined && !(duration > 0 && duration <= 2_147_483))
    return `--duration must be a number of seconds above 0, at most 2147483, got "${values.duration}"`;
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
    console.error(
      `${args}\nusage: npm run demo -- [--duration <seconds>] [--port <n>] [--host <address>] [--export-dir <dir>|''] [--otlp <endpoint>]`,
    );
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
      // Trading performance from closed trades and the equity curve: a return period of DAY_SECONDS
      // stands for a daily bar (365 a year), so a one-minute run spans four months of trading.
      startingBalance: START_EQUITY,
      returnsIntervalSeconds: DAY_SECONDS,
      periodsPerYear: 365,
      returnsWindow: 30,
      tradeWindow: 50,
      // Model scores over the last 40 resolved predictions (20 days), published every 2 s. A
      // prediction whose bar the bot missed never gets its outcome and expires after two days.
      modelMetricsInterval: 2,
      windowSize: 40,
      outcomeTtlSeconds: 2 * DAY_SECONDS,
    });
  } catch (error) {
    const option = error instanceof MonitoringConfigError ? error.option : undefined;
    const hint =
      option === 'host'
        ? 'check --host'
        : option === 'exportDirectory'
          ? "check --export-dir, or --export-dir '' for no snapshots"
          : option === 'otlp'
            ? 'check --otlp'
            : 'try --port 0 or another port';
    console.error(`Cannot start monitoring: ${(error as Error).message}\nHint: ${hint}.`);
    return 1;
  }
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  console.log(`Metrics: http://localhost:${monitoring.port}/metrics  (/ serves the same)`);
  console.log(`Dashboard: http://localhost:${monitoring.port}/dashboard`);
  if (args.exportDir !== false) {
    console.log(
      `Snapshots: ${args.exportDir}/metrics-<time>.json every 5 s; ${args.exportDir}/latest.json is the newest`,
    );
    console.log(
      `State: ${args.exportDir}/state keeps every figure across restarts (run the demo again: closed trades, win rate and drawdown continue)`,
    );
  }
  if (args.otlp !== undefined)
    console.log(
      `OTLP: pushing to ${monitoring.options.otlp === false ? '?' : monitoring.options.otlp.endpoint} every 5 s`,
    );

  const regimeChangeAfter = args.duration === undefined ? 60 : args.duration / 2;
  const exchange = await startExchange(started, started + regimeChangeAfter * 1000);
  // With an export directory the journal is a file next to it, so a second run continues the first's account.
  const journal = openJournal(
    monitoring,
    args.exportDir === false ? ':memory:' : join(dirname(args.exportDir), 'demo-journal.sqlite'),
  );
  const bot = new Bot(monitoring, journal, exchange.url);
  console.log(
    `Trading ${SYMBOLS.join(', ')} on ${exchange.url}; the market stops trending, mean-reverts and doubles its volatility after ${regimeChangeAfter} s.`,
  );
  console.log(args.duration === undefined ? 'Running until Ctrl-C.' : `Running for ${args.duration} s.`);

  // The next tick is set only when the last one has finished, so a slow exchange never piles ticks up.
  let running = true;
  let inFlight = Promise.resolve();
  let nextTick: NodeJS.Timeout | undefined;
  const tick = () => {
    const tickStarted = Date.now();
    inFlight = bot
      .tick()
      .catch((error: unknown) => console.error(`tick failed: ${(error as Error).message}`))
      .finally(() => {
        if (running) nextTick = setTimeout(tick, Math.max(0, TICK_MS - (Date.now() - tickStarted)));
      });
  };
  tick();
  const printSummary = (suffix = '') =>
    bot.summary(elapsed()).then(
      (line) => console.log(line + suffix),
      (error: unknown) => console.error(`summary failed: ${(error as Error).message}`),
    );
  const reports = [
    // The reporting loop: what a dashboard or a risk check reads, with a heartbeat of its own.
    setInterval(() => {
      journal.readHistory();
      monitoring.heartbeat('reporting');
    }, 1_000),
    setInterval(() => journal.readArchive(), 4_000),
    setInterval(() => void printSummary(), 5_000),
  ];

  let durationTimer: NodeJS.Timeout | undefined;
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (args.duration !== undefined)
      durationTimer = setTimeout(() => resolve('duration reached'), args.duration * 1000);
  });

  running = false;
  clearTimeout(nextTick);
  clearTimeout(durationTimer);
  for (const timer of reports) clearInterval(timer);
  await inFlight;
  await printSummary(`  (final, ${reason})`);
  await monitoring.shutdown();
  await exchange.close();
  journal.close();
  console.log(`Stopped after ${elapsed()} s.`);
  return 0;
}

process.exitCode = await main();
