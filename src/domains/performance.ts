import { DailyPnl, type DayPnl } from '../analytics/trading/calendar-pnl.ts';
import { recoveryFactor } from '../analytics/trading/drawdown.ts';
import { EquityAnalytics } from '../analytics/trading/equity-analytics.ts';
import { TradeAnalytics, type TradeSummary } from '../analytics/trading/trade-analytics.ts';
import type { DrawMode } from '../analytics/trading/trades.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import { labelProblem, MAX_AMOUNT, normalizeDirection, numberProblem, type InputGuard } from './input.ts';
import { METRICS, type MetricDefinition } from '../contract/metrics.ts';
import { StateMismatchError, StateReader, StateSettingsError } from '../analytics/state.ts';
import type { InvalidReason } from '../contract/invalid-reasons.ts';
import type { DirectionInput, TradingPerformance } from './trading.ts';
import type { StrategyMetrics } from './strategies.ts';

/** A closed (round-trip) trade, given to `recordClosedTrade`. */
export interface ClosedTrade {
  /**
   * Instrument, e.g. `'BTC/USD'`: the `symbol` label; a non-empty string. Not `'all'`: that value of
   * the label is the aggregate of every symbol (`reserved_value`).
   */
  symbol: string;
  /** Side of the trade (`buy` for a long position, `sell` for a short); recorded in lower case. */
  direction: DirectionInput;
  /**
   * Profit of the trade before fees, in account currency; negative for a loss. Within ±1e15
   * (`MAX_AMOUNT`), so that sums of trades stay finite (`out_of_range` beyond).
   */
  pnl: number;
  /** Fees paid on the round trip (within ±1e15; < 0 is a rebate); statistics use the net result `pnl - fees`. */
  fees?: number;
  /** Strategy of the trade: its results also go to the `strategy_*` families. Not `all` or `other`. */
  strategy?: string;
  /** Average entry price; >= 0. Validated, not used by any metric yet. */
  entryPrice?: number;
  /** Average exit price; >= 0. Validated, not used by any metric yet. */
  exitPrice?: number;
  /** Size of the position; >= 0. Validated, not used by any metric yet. */
  quantity?: number;
  /** When the position was opened: a Date or Unix milliseconds, not after `closedAt`. Feeds `trade_duration_seconds` (up to `closedAt`). */
  openedAt?: Date | number;
  /** When it was closed: a Date or Unix milliseconds. Default: now. */
  closedAt?: Date | number;
}

/** One value of the equity curve, for `restoreHistory`. */
export interface EquityPoint {
  /** When the equity had this value: a Date or Unix milliseconds. */
  time: Date | number;
  /** Mark-to-market equity in account currency (within ±1e15), as `updatePortfolioMetrics({ portfolioValue })` takes it. */
  value: number;
}

/** What `restoreHistory` applied and what it skipped as already held. */
export interface HistoryRestored {
  /** Closed trades applied. */
  readonly trades: number;
  /** Closed trades skipped: not newer than the newest one already held. */
  readonly skippedTrades: number;
  /** Equity values applied. */
  readonly equity: number;
  /** Equity values skipped: not newer than the newest one already held. */
  readonly skippedEquity: number;
  /** The newest equity value applied, if any: it becomes `portfolio_value`. */
  readonly lastEquity?: number | undefined;
}

/** The saved state of `PerformanceMetrics`. */
export interface PerformanceState {
  readonly all: unknown;
  readonly symbols: [symbol: string, state: unknown][];
  readonly equity: unknown;
  readonly equityUpdates: number;
  readonly lastTradeAt: number | null;
  readonly tradesAtLast: number;
  readonly lastEquityAt: number | null;
  /** Realized PnL by UTC day (absent in a state from before it: the days start empty). */
  readonly daily?: unknown;
}

/** Settings of the performance analytics, from the service options. */
export interface PerformanceSettings {
  readonly tradeWindow: number;
  readonly draws: DrawMode;
  readonly startingBalance: number | undefined;
  readonly returnsIntervalMs: number;
  readonly returnsWindow: number;
  /** Annualization factor; undefined: the return intervals in 365 days. */
  readonly periodsPerYear: number | undefined;
  /** Annual rates, converted here to the return interval. */
  readonly riskFreeRate: number;
  readonly requiredReturn: number;
  /** Values of the `symbol` label of the statistics, `all` included; further symbols count in `symbol="all"` only. */
  readonly maxSymbols: number;
  /** Return periods before the ratios and return statistics are published. */
  readonly minReturnPeriods: number;
  /** Confidence of the value at risk. */
  readonly varConfidence: number;
  /** IANA time zone of the calendar PnL. */
  readonly timeZone: string;
}

const ALL = 'all';
const YEAR_MS = 365 * 86_400_000;
const CLOSED_TRADE_FIELDS = new Set([
  'symbol',
  'direction',
  'pnl',
  'fees',
  'entryPrice',
  'exitPrice',
  'quantity',
  'openedAt',
  'closedAt',
  'strategy',
]);
const PERFORMANCE_FIELDS = new Set([
  'winRate',
  'profitFactor',
  'averageWin',
  'averageLoss',
  'maxDrawdown',
  'sharpeRatio',
  'sortinoRatio',
  'calmarRatio',
]);
const HISTORY_FIELDS = new Set(['closedTrades', 'equity']);
const EQUITY_POINT_FIELDS = new Set(['time', 'value']);
const PERFORMANCE_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  winRate: [0, 1],
  profitFactor: [0, Infinity],
  averageWin: [0, Infinity],
  averageLoss: [0, Infinity],
  maxDrawdown: [0, Infinity],
};
const OUTCOMES = ['loss', 'draw', 'win'] as const;

type StatField = {
  [K in keyof TradeSummary]: TradeSummary[K] extends number | undefined ? K : never;
}[keyof TradeSummary];
// The first four are the ones `updateTradingPerformance` may fill, in this order.
const TRADE_STATS: readonly { field: StatField; def: MetricDefinition }[] = [
  { field: 'winRate', def: METRICS.winRate },
  { field: 'profitFactor', def: METRICS.profitFactor },
  { field: 'averageWin', def: METRICS.averageWin },
  { field: 'averageLoss', def: METRICS.averageLoss },
  { field: 'expectancy', def: METRICS.expectancy },
  { field: 'maxConsecutiveWins', def: METRICS.maxConsecutiveWins },
  { field: 'maxConsecutiveLosses', def: METRICS.maxConsecutiveLosses },
  { field: 'largestWin', def: METRICS.largestWin },
  { field: 'largestLoss', def: METRICS.largestLoss },
  { field: 'payoffRatio', def: METRICS.payoffRatio },
  { field: 'sqn', def: METRICS.sqn },
  { field: 'grossProfit', def: METRICS.grossProfit },
  { field: 'grossLoss', def: METRICS.grossLoss },
  { field: 'feesTotal', def: METRICS.feesTotal },
];
const PERIODS = ['today', 'week', 'month'] as const;
/** Days of realized PnL kept for the daily chart. */
export const DAILY_PNL_DAYS = 90;

/** The statistics of one symbol (or of all): lifetime and rolling, and their gauges found once. */
interface SymbolStats {
  readonly analytics: TradeAnalytics;
  readonly lifetime: GaugeSeries[];
  readonly rolling: GaugeSeries[];
  readonly realizedPnl: GaugeSeries;
  readonly streak: GaugeSeries;
  /** Holding times [lifetime win, lifetime loss, rolling win, rolling loss]; undefined past the symbols they have room for. */
  readonly holding: GaugeSeries[] | undefined;
}

function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  return typeof value === 'number' ? value : undefined;
}

/** Why an optional amount (>= 0) is invalid, or undefined when it is absent or valid. */
function optionalProblem(
  value: unknown,
  field: string,
): { reason: InvalidReason; field: string; value: unknown } | undefined {
  if (value === undefined) return undefined;
  const reason = numberProblem(value, 0);
  return reason === undefined ? undefined : { reason, field, value };
}

/** What an annual rate compounds to over one period of `periodMs`. */
function perPeriod(annual: number, periodsPerYear: number): number {
  return (1 + annual) ** (1 / periodsPerYear) - 1;
}

/**
 * Trading performance computed from raw events: closed trades give win rate, profit factor,
 * averages, expectancy and realized PnL (per symbol and for all, lifetime and rolling) and the
 * realized drawdown; the equity stream gives the mark-to-market drawdown and, from returns sampled
 * every `returnsInterval`, Sharpe, Sortino, Calmar, annual return and volatility. Recording is O(1);
 * the gauges are computed when a reader collects. Also the figures a bot computes itself
 * (`updateTradingPerformance`).
 */
export class PerformanceMetrics {
  private readonly guard: InputGuard;
  private readonly settings: PerformanceSettings;
  private readonly now: () => number;
  private readonly closed: SeriesTable<CounterSeries>;
  private readonly holdingTimes: SeriesTable<HistogramSeries>;
  private readonly stats: readonly SeriesTable<GaugeSeries>[];
  private readonly pnl: SeriesTable<GaugeSeries>;
  private readonly drawdown: SeriesTable<GaugeSeries>;
  private readonly maxDrawdown: SeriesTable<GaugeSeries>;
  private readonly maxDrawdownAbs: SeriesTable<GaugeSeries>;
  private readonly ratios: {
    sharpe: SeriesTable<GaugeSeries>;
    sortino: SeriesTable<GaugeSeries>;
    calmar: SeriesTable<GaugeSeries>;
    annualReturn: SeriesTable<GaugeSeries>;
    annualVolatility: SeriesTable<GaugeSeries>;
    valueAtRisk: SeriesTable<GaugeSeries>;
    conditionalValueAtRisk: SeriesTable<GaugeSeries>;
    tailRatio: SeriesTable<GaugeSeries>;
    omega: SeriesTable<GaugeSeries>;
    skewness: SeriesTable<GaugeSeries>;
    kurtosis: SeriesTable<GaugeSeries>;
  };
  private readonly streak: SeriesTable<GaugeSeries>;
  private readonly holding: SeriesTable<GaugeSeries>;
  private readonly duration: SeriesTable<GaugeSeries>;
  private readonly maxDuration: SeriesTable<GaugeSeries>;
  private readonly recovery: SeriesTable<GaugeSeries>;
  private readonly pnlPeriod: SeriesTable<GaugeSeries>;
  private daily: DailyPnl;
  private all: SymbolStats;
  private bySymbol = new Map<string, SymbolStats>();
  private equity: EquityAnalytics;
  private equityUpdates = 0;
  /** The newest closed trade (its close time, ms) and how many closed at that very time: what `restoreHistory` skips. */
  private lastTradeAt = Number.NEGATIVE_INFINITY;
  private tradesAtLast = 0;
  /** Time (ms) of the newest equity value. */
  private lastEquityAt = Number.NEGATIVE_INFINITY;
  /** Closed trades recorded by this process (what `restoreHistory` counts as applied). */
  private accepted = 0;
  /** Per-strategy results of the closed trades. */
  strategies: StrategyMetrics | undefined;

  constructor(
    registry: InstrumentRegistry,
    guard: InputGuard,
    settings: PerformanceSettings,
    now: () => number = Date.now,
  ) {
    this.guard = guard;
    this.settings = settings;
    this.now = now;
    this.closed = registry.counter(METRICS.tradesClosed);
    this.holdingTimes = registry.histogram(METRICS.tradeDuration);
    this.stats = TRADE_STATS.map((s) => registry.gauge(s.def).table);
    this.pnl = registry.gauge(METRICS.realizedPnl).table;
    this.drawdown = registry.gauge(METRICS.drawdown).table;
    this.maxDrawdown = registry.gauge(METRICS.maxDrawdown).table;
    this.maxDrawdownAbs = registry.gauge(METRICS.maxDrawdownAbs).table;
    this.ratios = {
      sharpe: registry.gauge(METRICS.sharpeRatio).table,
      sortino: registry.gauge(METRICS.sortinoRatio).table,
      calmar: registry.gauge(METRICS.calmarRatio).table,
      annualReturn: registry.gauge(METRICS.annualReturn).table,
      annualVolatility: registry.gauge(METRICS.annualVolatility).table,
      valueAtRisk: registry.gauge(METRICS.valueAtRisk).table,
      conditionalValueAtRisk: registry.gauge(METRICS.conditionalValueAtRisk).table,
      tailRatio: registry.gauge(METRICS.tailRatio).table,
      omega: registry.gauge(METRICS.omegaRatio).table,
      skewness: registry.gauge(METRICS.returnSkewness).table,
      kurtosis: registry.gauge(METRICS.returnKurtosis).table,
    };
    this.streak = registry.gauge(METRICS.currentStreak).table;
    this.holding = registry.gauge(METRICS.averageHolding).table;
    this.duration = registry.gauge(METRICS.drawdownDuration).table;
    this.maxDuration = registry.gauge(METRICS.maxDrawdownDuration).table;
    this.recovery = registry.gauge(METRICS.recoveryFactor).table;
    this.pnlPeriod = registry.gauge(METRICS.realizedPnlPeriod).table;
    this.daily = new DailyPnl(DAILY_PNL_DAYS, settings.timeZone);
    this.all = this.symbolStats(ALL, this.tradeAnalytics(settings.startingBalance));
    this.equity = this.newEquity();
    registry.onCollect(() => this.publish());
  }

  private newEquity(): EquityAnalytics {
    const settings = this.settings;
    const periodsPerYear = settings.periodsPerYear ?? YEAR_MS / settings.returnsIntervalMs;
    return new EquityAnalytics({
      intervalMs: settings.returnsIntervalMs,
      periodsPerYear,
      riskFree: perPeriod(settings.riskFreeRate, periodsPerYear),
      requiredReturn: perPeriod(settings.requiredReturn, periodsPerYear),
      window: settings.returnsWindow,
      varConfidence: settings.varConfidence,
    });
  }

  /** The annualization factor in force: `periodsPerYear`, or the return intervals in 365 days. */
  get periodsPerYear(): number {
    return this.settings.periodsPerYear ?? YEAR_MS / this.settings.returnsIntervalMs;
  }

  /**
   * What the startup log says about the return statistics: when their first values appear at the
   * configured interval, and a warning when the interval annualizes into figures that mean little
   * (periods under an hour, or a periodsPerYear that is not the periods in a year).
   */
  startupNotes(): { info: string; warning: string | undefined } {
    const { returnsIntervalMs, minReturnPeriods, periodsPerYear: given } = this.settings;
    const periodsPerYear = this.periodsPerYear;
    const have = this.equity.lifetime().periods;
    const what = `Sharpe, Sortino, Calmar and the return statistics (returnsIntervalSeconds ${returnsIntervalMs / 1000}, minReturnPeriods ${minReturnPeriods})`;
    // The first close is only the base of the first return.
    const closes = Math.max(0, minReturnPeriods - have) + (have === 0 ? 1 : 0);
    const info =
      closes === 0
        ? `${what}: published from the first collection (${have} return periods restored)`
        : `${what}: the first values appear ${duration(closes * returnsIntervalMs)} after equity updates begin${have > 0 ? ` (${have} periods restored)` : ''}`;
    let warning: string | undefined;
    const scale = Number(Math.sqrt(periodsPerYear).toPrecision(4));
    const count = Number(periodsPerYear.toPrecision(6));
    const year = (periodsPerYear * returnsIntervalMs) / YEAR_MS;
    if (returnsIntervalMs < 3_600_000)
      warning = `returnsIntervalSeconds ${returnsIntervalMs / 1000} with periodsPerYear ${count}: returns over periods this short are mostly noise, and annualizing multiplies Sharpe and Sortino by sqrt(periodsPerYear) = ${scale}; use periods of an hour or more (86400, daily, is the convention)${given === undefined ? '' : ', and a periodsPerYear that counts them in a year'}`;
    else if (year > 2 || year < 0.5)
      warning = `periodsPerYear ${count} with returnsIntervalSeconds ${returnsIntervalMs / 1000}: the annualization treats ${count} periods as a year, ${Number(year.toPrecision(3))} real years of periods; right for a replay at that speed, wrong for a bot running in real time (leave periodsPerYear unset for ${Number((YEAR_MS / returnsIntervalMs).toPrecision(6))})`;
    return { info, warning };
  }

  /** The realized PnL of each of the last 90 days (of the `timeZone` calendar), oldest first, ending today. */
  dailyPnl(): DayPnl[] {
    return this.daily.series(this.now());
  }

  /** The analytics state (trade statistics, equity and return periods) as plain JSON data. */
  saveState(): PerformanceState {
    return {
      all: this.all.analytics.saveState(),
      symbols: [...this.bySymbol].map(([symbol, stats]) => [symbol, stats.analytics.saveState()]),
      equity: this.equity.saveState(),
      equityUpdates: this.equityUpdates,
      lastTradeAt: this.lastTradeAt === Number.NEGATIVE_INFINITY ? null : this.lastTradeAt,
      tradesAtLast: this.tradesAtLast,
      lastEquityAt: this.lastEquityAt === Number.NEGATIVE_INFINITY ? null : this.lastEquityAt,
      daily: this.daily.saveState(),
    };
  }

  /** Restores a saved state into this new instance; all or nothing (throws StateMismatchError). Returns what came back. */
  restoreState(saved: unknown): string {
    const state = new StateReader(saved, 'performance');
    const all = this.tradeAnalytics(this.settings.startingBalance);
    all.loadState(state.get('all'));
    const symbols = new Map<string, TradeAnalytics>();
    const list = state.array('symbols');
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[0].length === 0)
        throw new StateMismatchError(`performance.symbols[${i}] is not a [symbol, state] pair`);
      const analytics = this.tradeAnalytics(undefined);
      analytics.loadState(entry[1]);
      symbols.set(entry[0], analytics);
    }
    const equity = this.newEquity();
    equity.loadState(state.get('equity'));
    const equityUpdates = state.integer('equityUpdates');
    const lastTradeAt = state.has('lastTradeAt') ? state.finite('lastTradeAt') : Number.NEGATIVE_INFINITY;
    const tradesAtLast = state.integer('tradesAtLast');
    const lastEquityAt = state.has('lastEquityAt') ? state.finite('lastEquityAt') : Number.NEGATIVE_INFINITY;
    const daily = new DailyPnl(DAILY_PNL_DAYS, this.settings.timeZone);
    if (state.has('daily')) {
      try {
        daily.loadState(state.get('daily'), 'performance.daily');
      } catch (error) {
        // Days of another time zone: the days start over, every other figure comes back.
        if (!(error instanceof StateSettingsError)) throw error;
      }
    }
    // Checked whole; now applied, and the series of each symbol claimed.
    this.all = this.symbolStats(ALL, all);
    this.bySymbol = new Map();
    for (const [symbol, analytics] of symbols) this.bySymbol.set(symbol, this.symbolStats(symbol, analytics));
    this.equity = equity;
    this.equityUpdates = equityUpdates;
    this.lastTradeAt = lastTradeAt;
    this.tradesAtLast = tradesAtLast;
    this.lastEquityAt = lastEquityAt;
    this.daily = daily;
    return `${all.lifetime().trades} closed trades, ${equityUpdates} equity values`;
  }

  recordClosedTrade(trade: ClosedTrade): void {
    const M = 'recordClosedTrade';
    const record = this.guard.check(M, 'trade', trade, CLOSED_TRADE_FIELDS, 'not_object');
    if (record !== undefined) this.closedTrade(M, record);
  }

  /** Checks and records a closed trade passed by `InputGuard.check` (each field destructured once); false when it was rejected. */
  private closedTrade(M: string, trade: Record<string, unknown>): boolean {
    const reject = (reason: InvalidReason, field: string, value: unknown) =>
      this.guard.reject(M, reason, field, value) ?? false;
    const { symbol, direction: givenDirection, pnl, fees, entryPrice, exitPrice, quantity, openedAt, closedAt } = trade;
    const strategy = trade['strategy'];
    const symbolProblem = labelProblem(symbol);
    if (symbolProblem !== undefined) return reject(symbolProblem, 'symbol', symbol);
    // The statistics of every symbol are published under symbol="all": a real symbol of that name would overwrite them.
    if (symbol === ALL) return reject('reserved_value', 'symbol', symbol);
    const direction = normalizeDirection(givenDirection);
    if (direction === undefined) {
      const d = givenDirection;
      return reject(
        d === undefined ? 'missing_field' : typeof d !== 'string' ? 'wrong_type' : 'unknown_direction',
        'direction',
        d,
      );
    }
    const pnlProblem = numberProblem(pnl, -MAX_AMOUNT, MAX_AMOUNT);
    if (pnlProblem !== undefined) return reject(pnlProblem, 'pnl', pnl);
    if (fees !== undefined) {
      const p = numberProblem(fees, -MAX_AMOUNT, MAX_AMOUNT);
      if (p !== undefined) return reject(p, 'fees', fees);
    }
    const strategyProblem = strategy === undefined ? undefined : this.strategies?.problem(strategy);
    if (strategyProblem !== undefined) return reject(strategyProblem, 'strategy', strategy);
    const amountProblem =
      optionalProblem(entryPrice, 'entryPrice') ??
      optionalProblem(exitPrice, 'exitPrice') ??
      optionalProblem(quantity, 'quantity');
    if (amountProblem !== undefined) return reject(amountProblem.reason, amountProblem.field, amountProblem.value);
    let opened: number | undefined;
    let closedMs: number | undefined;
    if (openedAt !== undefined) {
      opened = timeOf(openedAt);
      const p = opened === undefined ? 'wrong_type' : numberProblem(opened, 0);
      if (p !== undefined) return reject(p, 'openedAt', openedAt);
    }
    if (closedAt !== undefined) {
      closedMs = timeOf(closedAt);
      const p = closedMs === undefined ? 'wrong_type' : numberProblem(closedMs, 0);
      if (p !== undefined) return reject(p, 'closedAt', closedAt);
    }
    const label = symbol as string;
    const profit = pnl as number;
    const cost = fees as number | undefined;
    const at = closedMs ?? this.now();
    let held = NaN;
    if (opened !== undefined) {
      held = (at - opened) / 1000;
      if (held < 0) return reject('out_of_range', 'openedAt', openedAt);
      this.holdingTimes.get2(label, direction).record(held);
    }

    if (at > this.lastTradeAt) {
      this.lastTradeAt = at;
      this.tradesAtLast = 1;
    } else if (at === this.lastTradeAt) this.tradesAtLast++;
    const net = profit - (cost ?? 0);
    this.closed.get3(label, direction, OUTCOMES[Math.sign(net) + 1] as string).value++;
    this.all.analytics.add(profit, cost, held, at);
    this.perSymbol(label)?.analytics.add(profit, cost, held, at);
    this.strategies?.closed(strategy as string | undefined, profit, cost, held, at);
    this.daily.add(net, at);
    this.accepted++;
    return true;
  }

  /**
   * Replays the bot's own history as if recorded live at its times: closed trades by `closedAt`,
   * equity values by `time`. Only what is newer than the newest event already held is applied
   * (for trades closed at that same millisecond, those beyond the number already held), so the
   * whole history can be given at every start: nothing counts twice. Invalid entries are dropped
   * and counted like live input, under `restoreHistory`. `history` is `{ closedTrades?, equity? }`,
   * each an iterable (array, Set, generator), read once.
   */
  restoreHistory(history: unknown): HistoryRestored {
    const M = 'restoreHistory';
    const none: HistoryRestored = { trades: 0, skippedTrades: 0, equity: 0, skippedEquity: 0 };
    const input = this.guard.read(M, 'history', history, HISTORY_FIELDS, 'not_object');
    if (input === undefined) return none;
    const tradeList = input.closedTrades === undefined ? [] : this.guard.list(M, 'closedTrades', input.closedTrades);
    const equityList = input.equity === undefined ? [] : this.guard.list(M, 'equity', input.equity);
    if (tradeList === undefined || equityList === undefined) return none;

    const trades: { trade: Record<string, unknown>; at: number }[] = [];
    let sorted = true;
    for (const entry of tradeList) {
      // closedAt is read here to order the history, and again (once) by closedTrade, which records only what it read.
      const trade = this.guard.check(M, 'closedTrades[]', entry, CLOSED_TRADE_FIELDS, 'wrong_type');
      if (trade === undefined) continue;
      const closedAt = trade.closedAt;
      const at = timeOf(closedAt);
      if (at === undefined || !Number.isFinite(at)) {
        this.guard.reject(M, closedAt === undefined ? 'missing_field' : 'wrong_type', 'closedAt', closedAt);
        continue;
      }
      if (trades.length > 0 && at < trades[trades.length - 1]!.at) sorted = false;
      trades.push({ trade, at });
    }
    if (!sorted) trades.sort((a, b) => a.at - b.at);
    let skippedTrades = 0;
    let appliedTrades = 0;
    let sameTime = 0;
    const watermark = this.lastTradeAt;
    const heldAtWatermark = this.tradesAtLast;
    for (const { trade, at } of trades) {
      if (at < watermark || (at === watermark && ++sameTime <= heldAtWatermark)) {
        skippedTrades++;
        continue;
      }
      if (this.closedTrade(M, trade)) appliedTrades++;
    }
    const points: { value: number; at: number }[] = [];
    sorted = true;
    for (const entry of equityList) {
      const point = this.guard.read(M, 'equity[]', entry, EQUITY_POINT_FIELDS, 'wrong_type');
      if (point === undefined) continue;
      const { time, value } = point;
      const at = timeOf(time);
      if (at === undefined || !Number.isFinite(at)) {
        this.guard.reject(M, 'wrong_type', 'equity time', time);
        continue;
      }
      const p = numberProblem(value, -MAX_AMOUNT, MAX_AMOUNT);
      if (p !== undefined) {
        this.guard.reject(M, p, 'equity value', value);
        continue;
      }
      if (points.length > 0 && at < points[points.length - 1]!.at) sorted = false;
      points.push({ value: value as number, at });
    }
    if (!sorted) points.sort((a, b) => a.at - b.at);
    let appliedEquity = 0;
    let lastEquity: number | undefined;
    for (const { value, at } of points) {
      if (at <= this.lastEquityAt) continue;
      this.equity.update(value, at);
      this.equityUpdates++;
      this.lastEquityAt = at;
      lastEquity = value;
      appliedEquity++;
    }
    return {
      trades: appliedTrades,
      skippedTrades,
      equity: appliedEquity,
      skippedEquity: points.length - appliedEquity,
      lastEquity,
    };
  }

  /** The equity curve: every `portfolioValue` of `updatePortfolioMetrics`. */
  observeEquity(value: number): void {
    const now = this.now();
    this.equity.update(value, now);
    this.equityUpdates++;
    if (now > this.lastEquityAt) this.lastEquityAt = now;
  }

  /** Figures a bot computed itself. They fill the lifetime, all-symbols, equity-basis series until the SDK has data of its own for a figure. */
  updateTradingPerformance(performance: TradingPerformance): void {
    const M = 'updateTradingPerformance';
    const figures = this.guard.read(M, 'performance', performance, PERFORMANCE_FIELDS, 'not_object');
    if (figures === undefined) return;
    let given = 0;
    for (const key in figures) {
      const value = figures[key];
      if (value === undefined) continue;
      given++;
      const [min, max] = PERFORMANCE_LIMITS[key] ?? [-Infinity, Infinity];
      const p = numberProblem(value, min, max);
      if (p !== undefined) return this.guard.reject(M, p, key, value);
    }
    if (given === 0) return this.guard.reject(M, 'missing_field', 'at least one figure', undefined);
    const { winRate, profitFactor, averageWin, averageLoss, maxDrawdown, sharpeRatio, sortinoRatio, calmarRatio } =
      figures as TradingPerformance;
    const trades = this.all.lifetime;
    if (winRate !== undefined) (trades[0] as GaugeSeries).value = winRate;
    if (profitFactor !== undefined) (trades[1] as GaugeSeries).value = profitFactor;
    if (averageWin !== undefined) (trades[2] as GaugeSeries).value = averageWin;
    if (averageLoss !== undefined) (trades[3] as GaugeSeries).value = averageLoss;
    if (maxDrawdown !== undefined) this.maxDrawdown.get1('equity').value = maxDrawdown;
    if (sharpeRatio !== undefined) this.ratios.sharpe.get1('lifetime').value = sharpeRatio;
    if (sortinoRatio !== undefined) this.ratios.sortino.get1('lifetime').value = sortinoRatio;
    if (calmarRatio !== undefined) this.ratios.calmar.get1('lifetime').value = calmarRatio;
  }

  /** Computes every derived gauge from the analytics state; runs at collection time. */
  private publish(): void {
    try {
      const now = this.now();
      if (this.all.analytics.lifetime().trades > 0) {
        this.publishStats(this.all);
        for (const s of this.bySymbol.values()) this.publishStats(s);
        const realized = this.all.analytics;
        if (realized.maxDrawdownAbs !== undefined) {
          set(this.drawdown.get1('realized'), realized.drawdown);
          set(this.maxDrawdown.get1('realized'), realized.maxDrawdown);
          set(this.maxDrawdownAbs.get1('realized'), realized.maxDrawdownAbs);
          // As of the newest trade, as of the newest equity value below: figures that stay put between two scrapes.
          set(this.duration.get1('realized'), seconds(realized.drawdownDurationAt(this.lastTradeAt)));
          set(this.maxDuration.get1('realized'), seconds(realized.maxDrawdownDurationAt(this.lastTradeAt)));
          set(
            this.recovery.get1('realized'),
            finite(recoveryFactor(realized.lifetime().netPnl, realized.maxDrawdownAbs)),
          );
        }
        const periods = this.daily.periods(now);
        for (const period of PERIODS) set(this.pnlPeriod.get1(period), finite(periods[period]));
      }
      if (this.equityUpdates > 0) {
        const e = this.equity;
        e.advance(now);
        set(this.drawdown.get1('equity'), e.drawdown);
        set(this.maxDrawdown.get1('equity'), e.maxDrawdown);
        set(this.maxDrawdownAbs.get1('equity'), e.maxDrawdownAbs);
        set(this.duration.get1('equity'), seconds(e.drawdownDurationAt(this.lastEquityAt)));
        set(this.maxDuration.get1('equity'), seconds(e.maxDrawdownDurationAt(this.lastEquityAt)));
        const net = e.netChange;
        const worst = e.maxDrawdownAbs;
        set(
          this.recovery.get1('equity'),
          net === undefined || worst === undefined ? undefined : finite(recoveryFactor(net, worst)),
        );
        const lifetime = e.lifetime();
        // Fewer periods give figures dominated by noise (see minReturnPeriods): nothing is published before.
        if (lifetime.periods >= this.settings.minReturnPeriods) {
          const r = this.ratios;
          for (const [window, summary] of [
            ['lifetime', lifetime],
            ['rolling', e.rolling()],
          ] as const) {
            set(r.sharpe.get1(window), summary.sharpe);
            set(r.sortino.get1(window), summary.sortino);
            set(r.calmar.get1(window), summary.calmar);
            set(r.annualReturn.get1(window), summary.annualReturn);
            set(r.annualVolatility.get1(window), summary.annualVolatility);
            set(r.valueAtRisk.get1(window), summary.valueAtRisk);
            set(r.conditionalValueAtRisk.get1(window), summary.conditionalValueAtRisk);
            set(r.tailRatio.get1(window), summary.tailRatio);
            set(r.omega.get1(window), summary.omega);
            set(r.skewness.get1(window), summary.skewness);
            set(r.kurtosis.get1(window), summary.kurtosis);
          }
        }
      }
    } catch (error) {
      this.guard.fault('collect', error);
    }
  }

  private publishStats(s: SymbolStats): void {
    const lifetime = s.analytics.lifetime();
    if (lifetime.trades === 0) return;
    const rolling = s.analytics.rolling();
    writeStats(s.lifetime, lifetime);
    writeStats(s.rolling, rolling);
    // Finite with every amount within MAX_AMOUNT; never published as ±Inf whatever happens.
    set(s.realizedPnl, Number.isFinite(lifetime.netPnl) ? lifetime.netPnl : undefined);
    set(s.streak, lifetime.currentStreak);
    const h = s.holding;
    if (h !== undefined) {
      set(h[0] as GaugeSeries, lifetime.averageHoldingWin);
      set(h[1] as GaugeSeries, lifetime.averageHoldingLoss);
      set(h[2] as GaugeSeries, rolling.averageHoldingWin);
      set(h[3] as GaugeSeries, rolling.averageHoldingLoss);
    }
  }

  private perSymbol(symbol: string): SymbolStats | undefined {
    const found = this.bySymbol.get(symbol);
    // 'all' is one of the maxSymbols: two series (lifetime, rolling) per symbol must fit under the series cap.
    if (found !== undefined || this.bySymbol.size + 1 >= this.settings.maxSymbols) return found;
    const created = this.symbolStats(symbol, this.tradeAnalytics(undefined));
    this.bySymbol.set(symbol, created);
    return created;
  }

  private tradeAnalytics(startingBalance: number | undefined): TradeAnalytics {
    const { tradeWindow: window, draws } = this.settings;
    return new TradeAnalytics(startingBalance === undefined ? { window, draws } : { window, draws, startingBalance });
  }

  private symbolStats(symbol: string, analytics: TradeAnalytics): SymbolStats {
    // average_holding_seconds has four series per symbol (window x outcome): the symbols that fit under the series cap.
    const roomForHolding = symbol === ALL || (this.bySymbol.size + 2) * 2 <= this.settings.maxSymbols;
    const h = this.holding;
    return {
      analytics,
      lifetime: this.stats.map((t) => t.get2(symbol, 'lifetime')),
      rolling: this.stats.map((t) => t.get2(symbol, 'rolling')),
      realizedPnl: this.pnl.get1(symbol),
      streak: this.streak.get1(symbol),
      holding: roomForHolding
        ? [
            h.get3(symbol, 'lifetime', 'win'),
            h.get3(symbol, 'lifetime', 'loss'),
            h.get3(symbol, 'rolling', 'win'),
            h.get3(symbol, 'rolling', 'loss'),
          ]
        : undefined,
    };
  }
}

/** A time in ms as words: seconds, minutes, hours or days. */
function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Number(s.toPrecision(3))} s`;
  if (s < 7200) return `${Number((s / 60).toPrecision(3))} min`;
  if (s < 172_800) return `${Number((s / 3600).toPrecision(3))} h`;
  return `${Number((s / 86_400).toPrecision(3))} days`;
}

function set(series: GaugeSeries, value: number | undefined): void {
  series.value = value ?? Number.NaN;
}

function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function writeStats(series: readonly GaugeSeries[], summary: TradeSummary): void {
  for (let i = 0; i < TRADE_STATS.length; i++)
    set(series[i] as GaugeSeries, summary[(TRADE_STATS[i] as { field: StatField }).field]);
}
