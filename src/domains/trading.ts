import type { Gauge, GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import { isObject, isRecord, labelProblem, normalizeDirection, numberProblem, type InputGuard } from './input.ts';
import { METRICS, type MetricDefinition } from '../contract/metrics.ts';

/** A trade direction as recorded: the `direction` label is always `buy` or `sell`, in lower case. */
export type Direction = 'buy' | 'sell';

/**
 * A direction as the recording methods take it: `'buy'` or `'sell'` in lower case, upper case or
 * capitalised (`'buy'`, `'BUY'`, `'Buy'`). Run time also accepts any other capitalisation of them
 * (`'bUy'`) and records them all in lower case; any other value is dropped as invalid input
 * (`unknown_direction`, or `wrong_type` for a non-string), or throws in strict mode.
 */
export type DirectionInput = Direction | Uppercase<Direction> | Capitalize<Direction>;

/** A signal emitted by a strategy or model, whether or not it was acted on. */
export interface TradingSignal {
  /** Instrument, e.g. `'BTC/USD'`: the `symbol` label; a non-empty string. */
  symbol: string;
  /** Side of the signal; recorded in lower case. */
  direction: DirectionInput;
  /** Confidence of the signal, from 0 to 1. */
  confidenceLevel: number;
  /** Model or strategy that emitted the signal; `"unspecified"` when omitted. */
  modelType?: string;
}

/** A trade (order) sent for execution, and whether the venue accepted it. */
export interface ExecutedTrade {
  /** Instrument, e.g. `'BTC/USD'`: the `symbol` label; a non-empty string. */
  symbol: string;
  /** Side of the trade; recorded in lower case. */
  direction: DirectionInput;
  /** Recorded as `status="success"` or `status="failed"`. */
  success: boolean;
}

/** Open positions per symbol and direction, e.g. `{ 'BTC/USD': { buy: 2, sell: 0 } }`. */
export type OpenPositions = Record<string, Partial<Record<Direction, number>>>;

/** The account's current state; any subset of the fields, at least one. */
export interface PortfolioUpdate {
  /** Mark-to-market equity in account currency; also the equity curve behind the drawdown and the Sharpe, Sortino and Calmar ratios. */
  portfolioValue?: number;
  /** Free balance in account currency. */
  balance?: number;
  /** Replaces the whole set: a symbol or direction absent from it reads 0. */
  openPositions?: OpenPositions;
}

/** Performance figures a bot computed itself; any subset, at least one. */
export interface TradingPerformance {
  /** 0 to 1. */
  winRate?: number;
  /** Gross profit divided by gross loss; >= 0. */
  profitFactor?: number;
  /** Average net profit of a winning trade, in account currency; >= 0. */
  averageWin?: number;
  /** Average net loss of a losing trade, as a positive amount in account currency; >= 0. */
  averageLoss?: number;
  /** A positive fraction of the running peak: 0.1 is a 10 % drawdown. */
  maxDrawdown?: number;
  /** Annualized Sharpe ratio. */
  sharpeRatio?: number;
  /** Annualized Sortino ratio. */
  sortinoRatio?: number;
  /** Annual return divided by the maximum drawdown. */
  calmarRatio?: number;
}

const UNSPECIFIED_MODEL = 'unspecified';
const PORTFOLIO_FIELDS = new Set(['portfolioValue', 'balance', 'openPositions']);

/** Signals, executions and the portfolio; the equity goes on to the performance analytics. */
export class TradingMetrics {
  private readonly guard: InputGuard;
  private readonly signals: SeriesTable<HistogramSeries>;
  private readonly trades: SeriesTable<CounterSeries>;
  private readonly positions: Gauge;
  private readonly portfolioValue: GaugeSeries;
  private readonly balance: GaugeSeries;
  private readonly onEquity: (value: number) => void;

  constructor(registry: InstrumentRegistry, guard: InputGuard, onEquity: (value: number) => void) {
    this.guard = guard;
    this.onEquity = onEquity;
    // One table serves both: the signal count is the confidence histogram's observation count.
    this.signals = registry.histogram(METRICS.tradingSignalConfidence);
    registry.counterOfHistogram(METRICS.tradingSignals, this.signals);
    this.trades = registry.counter(METRICS.executedTrades);
    this.positions = registry.gauge(METRICS.openPositions, 0);
    this.portfolioValue = this.scalar(registry, METRICS.portfolioValue);
    this.balance = this.scalar(registry, METRICS.balance);
  }

  recordTradingSignal(signal: TradingSignal): void {
    const M = 'recordTradingSignal';
    if (!isObject(signal)) return this.guard.reject(M, 'not_object', 'signal', signal);
    const { symbol, confidenceLevel, modelType } = signal;
    const symbolProblem = labelProblem(symbol);
    if (symbolProblem !== undefined) return this.guard.reject(M, symbolProblem, 'symbol', symbol);
    const direction = normalizeDirection(signal.direction);
    if (direction === undefined) return this.rejectDirection(M, signal.direction);
    const confidenceProblem = numberProblem(confidenceLevel, 0, 1);
    if (confidenceProblem !== undefined)
      return this.guard.reject(M, confidenceProblem, 'confidenceLevel', confidenceLevel);
    let model = UNSPECIFIED_MODEL;
    if (modelType !== undefined) {
      const modelProblem = labelProblem(modelType);
      if (modelProblem !== undefined) return this.guard.reject(M, modelProblem, 'modelType', modelType);
      model = modelType;
    }
    this.signals.get3(symbol, direction, model).record(confidenceLevel);
  }

  recordExecutedTrade(trade: ExecutedTrade): void {
    const M = 'recordExecutedTrade';
    if (!isObject(trade)) return this.guard.reject(M, 'not_object', 'trade', trade);
    const { symbol, success } = trade;
    const symbolProblem = labelProblem(symbol);
    if (symbolProblem !== undefined) return this.guard.reject(M, symbolProblem, 'symbol', symbol);
    const direction = normalizeDirection(trade.direction);
    if (direction === undefined) return this.rejectDirection(M, trade.direction);
    if (typeof success !== 'boolean')
      return this.guard.reject(M, success === undefined ? 'missing_field' : 'wrong_type', 'success', success);
    this.trades.get3(symbol, direction, success ? 'success' : 'failed').value++;
  }

  updatePortfolioMetrics(update: PortfolioUpdate): void {
    const M = 'updatePortfolioMetrics';
    if (!isObject(update)) return this.guard.reject(M, 'not_object', 'update', update);
    for (const key in update) {
      if (!PORTFOLIO_FIELDS.has(key)) return this.guard.reject(M, 'unknown_field', key, undefined);
    }
    const { portfolioValue, balance, openPositions } = update;
    if (portfolioValue === undefined && balance === undefined && openPositions === undefined) {
      return this.guard.reject(M, 'missing_field', 'portfolioValue, balance or openPositions', undefined);
    }
    if (portfolioValue !== undefined) {
      const p = numberProblem(portfolioValue);
      if (p !== undefined) return this.guard.reject(M, p, 'portfolioValue', portfolioValue);
    }
    if (balance !== undefined) {
      const p = numberProblem(balance);
      if (p !== undefined) return this.guard.reject(M, p, 'balance', balance);
    }
    if (openPositions !== undefined && !this.positionsValid(M, openPositions)) return;

    if (portfolioValue !== undefined) {
      this.portfolioValue.value = portfolioValue;
      this.onEquity(portfolioValue);
    }
    if (balance !== undefined) this.balance.value = balance;
    if (openPositions !== undefined) {
      const gauge = this.positions;
      gauge.beginUpdate();
      for (const symbol in openPositions) {
        const sides = openPositions[symbol] as Record<string, number>;
        for (const side in sides) {
          gauge.set(gauge.table.get2(symbol, normalizeDirection(side) as Direction), sides[side] as number);
        }
      }
    }
  }

  /** Sets `portfolio_value` from restored history (the equity curve itself is fed by the performance domain). */
  restorePortfolioValue(value: number): void {
    this.portfolioValue.value = value;
  }

  private positionsValid(method: string, positions: unknown): boolean {
    if (!isRecord(positions)) return this.guard.reject(method, 'wrong_type', 'openPositions', positions) ?? false;
    // Field names are built only on the reject path: this runs on every portfolio update.
    const where = (symbol: string) => `openPositions[${JSON.stringify(symbol)}]`;
    for (const symbol in positions) {
      if (symbol.length === 0)
        return this.guard.reject(method, 'empty_string', 'openPositions symbol', symbol) ?? false;
      const sides = positions[symbol];
      if (!isRecord(sides)) return this.guard.reject(method, 'wrong_type', where(symbol), sides) ?? false;
      for (const side in sides) {
        if (normalizeDirection(side) === undefined)
          return this.guard.reject(method, 'unknown_direction', `${where(symbol)} key`, side) ?? false;
        const p = numberProblem(sides[side], 0);
        if (p !== undefined) return this.guard.reject(method, p, `${where(symbol)}.${side}`, sides[side]) ?? false;
      }
    }
    return true;
  }

  private rejectDirection(method: string, direction: unknown): undefined {
    if (direction === undefined) return this.guard.reject(method, 'missing_field', 'direction', direction);
    if (typeof direction !== 'string') return this.guard.reject(method, 'wrong_type', 'direction', direction);
    return this.guard.reject(method, 'unknown_direction', 'direction', direction);
  }

  private scalar(registry: InstrumentRegistry, def: MetricDefinition): GaugeSeries {
    return registry.gauge(def).table.get0();
  }
}
