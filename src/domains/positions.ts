import { METRICS } from '../contract/metrics.ts';
import type { InvalidReason } from '../contract/invalid-reasons.ts';
import type { Gauge, GaugeSeries } from '../storage/gauge.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import { labelProblem, MAX_AMOUNT, numberProblem, type InputGuard } from './input.ts';

/** One open position, as `updatePositions` takes it. */
export interface PositionInput {
  /** Instrument: the `symbol` label. Not `all` (the sum's label). */
  symbol: string;
  /** Signed size: > 0 long, < 0 short (0: flat, published as 0). */
  quantity: number;
  /** Average entry price; >= 0. */
  entryPrice: number;
  /** Current mark price; >= 0. */
  markPrice: number;
  /** Venue: the `venue` label; `"unspecified"` when omitted. Not `all`. */
  venue?: string;
  /** Strategy holding it. Positions of several strategies in one (symbol, venue) are summed. */
  strategy?: string;
}

/** The whole set of open positions: replaces the previous one (a position absent from it reads 0). */
export interface PositionsUpdate {
  /** Every open position, as an iterable (array, Set, generator) read once. */
  positions: Iterable<PositionInput>;
}

/** One balance, as `updateBalances` takes it. */
export interface BalanceInput {
  /** Venue (exchange, broker, account): the `venue` label. */
  venue: string;
  /** Asset, e.g. `'USDT'`: the `asset` label. */
  asset: string;
  /** Free (available) amount; >= 0. */
  free: number;
  /** Amount locked in open orders or as margin; >= 0. Default 0. */
  locked?: number;
  /** Value of the whole balance in account currency; >= 0. Published as `state="value"` where given. */
  value?: number;
}

/** The whole set of balances: replaces the previous one (a balance absent from it is no longer published). */
export interface BalancesUpdate {
  /** Every balance, as an iterable read once. */
  balances: Iterable<BalanceInput>;
}

const ALL = 'all';
const UNSPECIFIED = 'unspecified';
const POSITIONS_FIELDS = new Set(['positions']);
const POSITION_FIELDS = new Set(['symbol', 'quantity', 'entryPrice', 'markPrice', 'venue', 'strategy']);
const BALANCES_FIELDS = new Set(['balances']);
const BALANCE_FIELDS = new Set(['venue', 'asset', 'free', 'locked', 'value']);

interface CheckedPosition {
  readonly symbol: string;
  readonly venue: string;
  readonly quantity: number;
  readonly notional: number;
  readonly pnl: number;
}

/**
 * What the bot holds: positions (quantity, notional, unrealized PnL per symbol and venue, and their
 * sum), exposure (gross, net, long, short), leverage against `portfolio_value`, and balances per
 * venue and asset. Each update replaces the whole set and is applied whole or not at all. The series
 * live in the registry, so the durable state brings back the last set known until the bot's next
 * update replaces it.
 */
export class PositionMetrics {
  private readonly guard: InputGuard;
  private readonly quantity: Gauge;
  private readonly notional: Gauge;
  private readonly pnl: Gauge;
  private readonly exposure: { gross: GaugeSeries; net: GaugeSeries; long: GaugeSeries; short: GaugeSeries };
  private readonly leverage: GaugeSeries;
  private readonly balances: Gauge;
  private readonly portfolioValue: () => number;

  /** @param portfolioValue the `portfolio_value` published now (NaN before one), for the leverage */
  constructor(registry: InstrumentRegistry, guard: InputGuard, portfolioValue: () => number) {
    this.guard = guard;
    this.portfolioValue = portfolioValue;
    this.quantity = registry.gauge(METRICS.positionQuantity, 0);
    this.notional = registry.gauge(METRICS.positionNotional, 0);
    this.pnl = registry.gauge(METRICS.unrealizedPnl, 0);
    const exposure = registry.gauge(METRICS.exposure).table;
    this.exposure = {
      gross: exposure.get1('gross'),
      net: exposure.get1('net'),
      long: exposure.get1('long'),
      short: exposure.get1('short'),
    };
    this.leverage = registry.gauge(METRICS.leverage).table.get0();
    this.balances = registry.gauge(METRICS.assetBalance);
    registry.onCollect(() => this.publishLeverage());
  }

  updatePositions(update: PositionsUpdate): void {
    const M = 'updatePositions';
    const input = this.guard.read(M, 'update', update, POSITIONS_FIELDS, 'not_object');
    if (input === undefined) return;
    if (input.positions === undefined) return this.guard.reject(M, 'missing_field', 'positions', undefined);
    const list = this.guard.list(M, 'positions', input.positions);
    if (list === undefined) return;
    const checked: CheckedPosition[] = [];
    for (const entry of list) {
      const p = this.guard.read(M, 'positions[]', entry, POSITION_FIELDS, 'wrong_type');
      if (p === undefined) return;
      const { symbol, quantity, entryPrice, markPrice, venue, strategy } = p;
      const problem =
        label(symbol, 'symbol', true) ??
        (venue === undefined ? undefined : label(venue, 'venue', true)) ??
        (strategy === undefined ? undefined : label(strategy, 'strategy', false)) ??
        amount(quantity, 'quantity', -MAX_AMOUNT) ??
        amount(entryPrice, 'entryPrice', 0) ??
        amount(markPrice, 'markPrice', 0);
      if (problem !== undefined) return this.guard.reject(M, problem.reason, problem.field, problem.value);
      const q = quantity as number;
      const mark = markPrice as number;
      checked.push({
        symbol: symbol as string,
        venue: (venue as string | undefined) ?? UNSPECIFIED,
        quantity: q,
        notional: q * mark,
        pnl: (mark - (entryPrice as number)) * q,
      });
    }

    this.quantity.beginUpdate();
    this.notional.beginUpdate();
    this.pnl.beginUpdate();
    let long = 0;
    let short = 0;
    let total = 0;
    for (const p of checked) {
      add(this.quantity, this.quantity.table.get2(p.symbol, p.venue), p.quantity);
      add(this.notional, this.notional.table.get2(p.symbol, p.venue), p.notional);
      add(this.pnl, this.pnl.table.get2(p.symbol, p.venue), p.pnl);
      if (p.notional > 0) long += p.notional;
      else short -= p.notional;
      total += p.pnl;
    }
    this.pnl.set(this.pnl.table.get2(ALL, ALL), total);
    this.exposure.gross.value = long + short;
    this.exposure.net.value = long - short;
    this.exposure.long.value = long;
    this.exposure.short.value = short;
  }

  updateBalances(update: BalancesUpdate): void {
    const M = 'updateBalances';
    const input = this.guard.read(M, 'update', update, BALANCES_FIELDS, 'not_object');
    if (input === undefined) return;
    if (input.balances === undefined) return this.guard.reject(M, 'missing_field', 'balances', undefined);
    const list = this.guard.list(M, 'balances', input.balances);
    if (list === undefined) return;
    const checked: { venue: string; asset: string; free: number; locked: number; value: number | undefined }[] = [];
    for (const entry of list) {
      const b = this.guard.read(M, 'balances[]', entry, BALANCE_FIELDS, 'wrong_type');
      if (b === undefined) return;
      const { venue, asset, free, locked, value } = b;
      const problem =
        label(venue, 'venue', false) ??
        label(asset, 'asset', false) ??
        amount(free, 'free', 0) ??
        (locked === undefined ? undefined : amount(locked, 'locked', 0)) ??
        (value === undefined ? undefined : amount(value, 'value', 0));
      if (problem !== undefined) return this.guard.reject(M, problem.reason, problem.field, problem.value);
      checked.push({
        venue: venue as string,
        asset: asset as string,
        free: free as number,
        locked: (locked as number | undefined) ?? 0,
        value: value as number | undefined,
      });
    }
    const gauge = this.balances;
    gauge.beginUpdate();
    for (const b of checked) {
      add(gauge, gauge.table.get3(b.venue, b.asset, 'free'), b.free);
      add(gauge, gauge.table.get3(b.venue, b.asset, 'locked'), b.locked);
      if (b.value !== undefined) add(gauge, gauge.table.get3(b.venue, b.asset, 'value'), b.value);
    }
  }

  private publishLeverage(): void {
    const value = this.portfolioValue();
    const gross = this.exposure.gross.value;
    this.leverage.value = value > 0 && !Number.isNaN(gross) ? gross / value : Number.NaN;
  }
}

/** Sets the series in this update, or adds to it when the update already set it (two entries of one label set are summed). */
function add(gauge: Gauge, series: GaugeSeries, value: number): void {
  if (series.epoch === gauge.epoch) series.value += value;
  else gauge.set(series, value);
}

type Problem = { reason: InvalidReason; field: string; value: unknown };

function label(value: unknown, field: string, reserveAll: boolean): Problem | undefined {
  const reason = labelProblem(value);
  if (reason !== undefined) return { reason, field, value };
  return reserveAll && value === ALL ? { reason: 'reserved_value', field, value } : undefined;
}

function amount(value: unknown, field: string, min: number): Problem | undefined {
  const reason = numberProblem(value, min, MAX_AMOUNT);
  return reason === undefined ? undefined : { reason, field, value };
}
