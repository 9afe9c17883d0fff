import type { Gauge, GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import {
  isPlainObject,
  labelProblem,
  MAX_AMOUNT,
  normalizeDirection,
  numberProblem,
  type InputGuard,
} from './input.ts';
import { METRICS, type MetricDefinition } from '../contract/metrics.ts';
import type { StrategyMetrics } from './strategies.ts';

/** A trade direction as recorded: the `direction` label is always `buy` or `sell`, in lower case. */
export type Direction = 'buy' | 'sell';

/** The aliases of a direction: `long` is recorded as `buy`, `short` as `sell`. */
export type DirectionAlias = 'long' | 'short';

/**
 * A direction as the recording methods take it: `'buy'` or `'sell'`, or their aliases `'long'` and
 * `'short'` (recorded as `buy` and `sell`), in lower case, upper case or capitalised (`'buy'`,
 * `'BUY'`, `'Long'`). Run time also accepts any other capitalisation of them (`'bUy'`) and records
 * them all as `buy` or `sell`; any other value is dropped as invalid input (`unknown_direction`, or
 * `wrong_type` for a non-string), or throws in strict mode.
 */
export type DirectionInput =
  | Direction
  | Uppercase<Direction>
  | Capitalize<Direction>
  | DirectionAlias
  | Uppercase<DirectionAlias>
  | Capitalize<DirectionAlias>;

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
  /** Strategy the signal belongs to: also counted in `strategy_signals_total{strategy}`. Not `all` or `other`. */
  strategy?: string;
}

/** A trade (order) sent for execution, and whether the venue accepted it. */
export interface ExecutedTrade {
  /** Instrument, e.g. `'BTC/USD'`: the `symbol` label; a non-empty string. */
  symbol: string;
  /** Side of the trade; recorded in lower case. */
  direction: DirectionInput;
  /** Recorded as `status="success"` or `status="failed"`. */
  success: boolean;
  /** Strategy the trade belongs to: also counted in `strategy_executed_trades_total{strategy}`. Not `all` or `other`. */
  strategy?: string;
}

/** Open positions per symbol and direction, e.g. `{ 'BTC/USD': { buy: 2, sell: 0 } }` (`long`/`short` are read as `buy`/`sell`). */
export type OpenPositions = Record<string, Partial<Record<Direction | DirectionAlias, number>>>;

/** The account's current state; any subset of the fields, at least one. */
export interface PortfolioUpdate {
  /**
   * Mark-to-market equity in account currency, within ±1e15 (`MAX_AMOUNT`); also the equity curve
   * behind the drawdown and the Sharpe, Sortino and Calmar ratios.
   */
  portfolioValue?: number;
  /** Free balance in account currency, within ±1e15 (`MAX_AMOUNT`). */
  balance?: number;
  /**
   * Replaces the whole set: a symbol or direction absent from it reads 0. A plain object of plain
   * objects; a Map, array or other container is rejected (`wrong_type`), not read as empty.
   */
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

/**
 * The open positions of one update, read and checked before any is applied (an update is applied
 * whole or not at all): entry i is (symbols[i], directions[i], sizes[i]). One is kept and reused, so
 * the hot path allocates nothing.
 */
class PositionBuffer {
  readonly symbols: string[] = [];
  readonly directions: Direction[] = [];
  readonly sizes: number[] = [];
  length = 0;
}

/** The field name of one symbol's positions in a rejection; built only on the reject path. */
function positionField(symbol: string): string {
  return `openPositions[${JSON.stringify(symbol)}]`;
}

/** Signals, executions and the portfolio; the equity goes on to the performance analytics. */
export class TradingMetrics {
  private readonly guard: InputGuard;
  private readonly signals: SeriesTable<HistogramSeries>;
  private readonly trades: SeriesTable<CounterSeries>;
  private readonly positions: Gauge;
  private readonly portfolioValue: GaugeSeries;
  private readonly balance: GaugeSeries;
  private readonly onEquity: (value: number) => void;
  private readonly strategies: StrategyMetrics | undefined;
  /** The buffer `readPositions` fills, when not in use. */
  private spare: PositionBuffer | undefined = new PositionBuffer();

  constructor(
    registry: InstrumentRegistry,
    guard: InputGuard,
    onEquity: (value: number) => void,
    strategies?: StrategyMetrics,
  ) {
    this.guard = guard;
    this.onEquity = onEquity;
    this.strategies = strategies;
    // One table serves both: the signal count is the confidence histogram's observation count.
    this.signals = registry.histogram(METRICS.tradingSignalConfidence);
    registry.counterOfHistogram(METRICS.tradingSignals, this.signals);
    this.trades = registry.counter(METRICS.executedTrades);
    this.positions = registry.gauge(METRICS.openPositions, 0);
    this.portfolioValue = this.scalar(registry, METRICS.portfolioValue);
    this.balance = this.scalar(registry, METRICS.balance);
  }

  // The three hot paths below apply InputGuard.read's rule without allocating a record: each field
  // is destructured once into a local, and only the locals are checked and recorded (a getter that
  // changes between reads cannot record an unchecked value); the argument must be a plain object
  // with no unknown key. The plain-object test reads `constructor` after the fields (one map check,
  // where Object.getPrototypeOf costs ~13 ns) and falls back to isPlainObject only for other
  // objects. The unknown-key scan is a for-in of each method's own (so its feedback sees only that
  // method's shapes): enumerating the keys is the one real cost, measured at ~8 ns (3 keys) to
  // ~15 ns (4 keys) per call in bench/hot-path.ts.

  recordTradingSignal(signal: TradingSignal): void {
    const M = 'recordTradingSignal';
    if (typeof signal !== 'object' || signal === null) return this.guard.reject(M, 'not_object', 'signal', signal);
    const { symbol, direction: givenDirection, confidenceLevel, modelType, strategy } = signal;
    if (signal.constructor !== Object && !isPlainObject(signal))
      return this.guard.reject(M, 'not_object', 'signal', signal);
    for (const key in signal) {
      if (
        key !== 'symbol' &&
        key !== 'direction' &&
        key !== 'confidenceLevel' &&
        key !== 'modelType' &&
        key !== 'strategy'
      )
        return this.guard.reject(M, 'unknown_field', key, undefined);
    }
    const symbolProblem = labelProblem(symbol);
    if (symbolProblem !== undefined) return this.guard.reject(M, symbolProblem, 'symbol', symbol);
    const direction = normalizeDirection(givenDirection);
    if (direction === undefined) return this.rejectDirection(M, givenDirection);
    const confidenceProblem = numberProblem(confidenceLevel, 0, 1);
    if (confidenceProblem !== undefined)
      return this.guard.reject(M, confidenceProblem, 'confidenceLevel', confidenceLevel);
    let model = UNSPECIFIED_MODEL;
    if (modelType !== undefined) {
      const modelProblem = labelProblem(modelType);
      if (modelProblem !== undefined) return this.guard.reject(M, modelProblem, 'modelType', modelType);
      model = modelType;
    }
    if (strategy !== undefined) {
      const p = this.strategies?.problem(strategy);
      if (p !== undefined) return this.guard.reject(M, p, 'strategy', strategy);
      this.strategies?.signal(strategy, direction);
    }
    this.signals.get3(symbol, direction, model).record(confidenceLevel);
  }

  recordExecutedTrade(trade: ExecutedTrade): void {
    const M = 'recordExecutedTrade';
    if (typeof trade !== 'object' || trade === null) return this.guard.reject(M, 'not_object', 'trade', trade);
    const { symbol, direction: givenDirection, success, strategy } = trade;
    if (trade.constructor !== Object && !isPlainObject(trade))
      return this.guard.reject(M, 'not_object', 'trade', trade);
    for (const key in trade) {
      if (key !== 'symbol' && key !== 'direction' && key !== 'success' && key !== 'strategy')
        return this.guard.reject(M, 'unknown_field', key, undefined);
    }
    const symbolProblem = labelProblem(symbol);
    if (symbolProblem !== undefined) return this.guard.reject(M, symbolProblem, 'symbol', symbol);
    const direction = normalizeDirection(givenDirection);
    if (direction === undefined) return this.rejectDirection(M, givenDirection);
    if (typeof success !== 'boolean')
      return this.guard.reject(M, success === undefined ? 'missing_field' : 'wrong_type', 'success', success);
    if (strategy !== undefined) {
      const p = this.strategies?.problem(strategy);
      if (p !== undefined) return this.guard.reject(M, p, 'strategy', strategy);
      this.strategies?.executed(strategy, success);
    }
    this.trades.get3(symbol, direction, success ? 'success' : 'failed').value++;
  }

  updatePortfolioMetrics(update: PortfolioUpdate): void {
    const M = 'updatePortfolioMetrics';
    if (typeof update !== 'object' || update === null) return this.guard.reject(M, 'not_object', 'update', update);
    const { portfolioValue, balance, openPositions } = update;
    if (update.constructor !== Object && !isPlainObject(update))
      return this.guard.reject(M, 'not_object', 'update', update);
    for (const key in update) {
      if (key !== 'portfolioValue' && key !== 'balance' && key !== 'openPositions')
        return this.guard.reject(M, 'unknown_field', key, undefined);
    }
    if (portfolioValue === undefined && balance === undefined && openPositions === undefined) {
      return this.guard.reject(M, 'missing_field', 'portfolioValue, balance or openPositions', undefined);
    }
    if (portfolioValue !== undefined) {
      const p = numberProblem(portfolioValue, -MAX_AMOUNT, MAX_AMOUNT);
      if (p !== undefined) return this.guard.reject(M, p, 'portfolioValue', portfolioValue);
    }
    if (balance !== undefined) {
      const p = numberProblem(balance, -MAX_AMOUNT, MAX_AMOUNT);
      if (p !== undefined) return this.guard.reject(M, p, 'balance', balance);
    }
    let positions: PositionBuffer | undefined;
    if (openPositions !== undefined) {
      positions = this.readPositions(M, openPositions);
      if (positions === undefined) return;
    }

    if (portfolioValue !== undefined) {
      this.portfolioValue.value = portfolioValue;
      this.onEquity(portfolioValue);
    }
    if (balance !== undefined) this.balance.value = balance;
    if (positions !== undefined) {
      const gauge = this.positions;
      const { symbols, directions, sizes } = positions;
      gauge.beginUpdate();
      for (let i = 0; i < positions.length; i++)
        gauge.set(gauge.table.get2(symbols[i] as string, directions[i] as Direction), sizes[i] as number);
      this.spare = positions;
    }
  }

  /** The `portfolio_value` readers see now; NaN before the first one. */
  get portfolioValueNow(): number {
    return this.portfolioValue.value;
  }

  /** Sets `portfolio_value` from restored history (the equity curve itself is fed by the performance domain). */
  restorePortfolioValue(value: number): void {
    this.portfolioValue.value = value;
  }

  /**
   * Reads `openPositions` (a plain object of plain objects) once into a buffer, checking each
   * symbol, direction and size; undefined after rejecting the call.
   */
  private readPositions(method: string, positions: unknown): PositionBuffer | undefined {
    if (
      typeof positions !== 'object' ||
      positions === null ||
      (positions.constructor !== Object && !isPlainObject(positions))
    )
      return this.guard.reject(method, 'wrong_type', 'openPositions', positions);
    // Taken while in use, so a getter that records re-entrantly gets a buffer of its own.
    const buffer = this.spare ?? new PositionBuffer();
    this.spare = undefined;
    if (this.fillPositions(method, positions as Record<string, unknown>, buffer)) return buffer;
    this.spare = buffer;
    return undefined;
  }

  private fillPositions(method: string, positions: Record<string, unknown>, buffer: PositionBuffer): boolean {
    const { symbols, directions, sizes } = buffer;
    let n = 0;
    for (const symbol in positions) {
      const symbolProblem = labelProblem(symbol);
      if (symbolProblem !== undefined)
        return this.guard.reject(method, symbolProblem, 'openPositions symbol', symbol) ?? false;
      const sides = positions[symbol];
      if (typeof sides !== 'object' || sides === null || (sides.constructor !== Object && !isPlainObject(sides)))
        return this.guard.reject(method, 'wrong_type', positionField(symbol), sides) ?? false;
      for (const side in sides as Record<string, unknown>) {
        const direction = normalizeDirection(side);
        if (direction === undefined)
          return this.guard.reject(method, 'unknown_direction', `${positionField(symbol)} key`, side) ?? false;
        const size = (sides as Record<string, unknown>)[side];
        const p = numberProblem(size, 0);
        if (p !== undefined) return this.guard.reject(method, p, `${positionField(symbol)}.${side}`, size) ?? false;
        symbols[n] = symbol;
        directions[n] = direction;
        sizes[n] = size as number;
        n++;
      }
    }
    buffer.length = n;
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
