import { StateMismatchError, StateReader } from '../analytics/state.ts';
import type { InvalidReason } from '../contract/invalid-reasons.ts';
import { METRICS } from '../contract/metrics.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { HistogramSeries } from '../storage/histogram.ts';
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
import { RecentFills, type RecentFill } from './recent-fills.ts';
import { OTHER_STRATEGY, UNSPECIFIED_STRATEGY, type StrategyMetrics } from './strategies.ts';
import type { Direction, DirectionInput } from './trading.ts';

/** A time as the execution methods take it: a Date or Unix milliseconds. */
export type TimeInput = Date | number;

/** An order submitted to a venue, given to `recordOrder`. */
export interface OrderInput {
  /** The order's id, unique among open orders: a non-empty string, or a number (recorded as its string). */
  orderId: string | number;
  /** Instrument, e.g. `'BTC/USD'`: the `symbol` label. */
  symbol: string;
  /** `buy` or `sell` (or `long`, `short`): the `side` label. */
  side: DirectionInput;
  /** Order type; for `limit` the limit price is the slippage reference unless `expectedPrice` is given. */
  type: 'market' | 'limit' | 'stop' | (string & {});
  /** Ordered quantity; > 0. */
  quantity: number;
  /** Limit price; > 0. */
  price?: number;
  /** Arrival or decision price, the reference of `order_slippage_bps`; > 0. Default: `price` for a limit order, else none (no slippage). */
  expectedPrice?: number;
  /** Venue (exchange, broker, account): the `venue` label; `"unspecified"` when omitted. */
  venue?: string;
  /** Strategy that placed it: the `strategy` label; `"unspecified"` when omitted. Not `all` or `other`. */
  strategy?: string;
  /** When the signal behind it was emitted: observes `order_latency_seconds{stage="signal_to_submit"}`. */
  signalTime?: TimeInput;
  /** When it was submitted. Default: now. */
  time?: TimeInput;
}

/** A status of an order after its submission. */
export type OrderStatus = 'accepted' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/** A status change of an order, given to `recordOrderUpdate`. */
export interface OrderUpdate {
  /** The id given to `recordOrder`. */
  orderId: string | number;
  /** The new status; `filled`, `cancelled`, `rejected` and `expired` end the order. */
  status: OrderStatus;
  /** The venue's reason, for a rejection: the `reason` label of `order_rejections_total` (at most 50 distinct, then `other`). */
  reason?: string;
  /** When the venue reported it. Default: now. */
  time?: TimeInput;
}

/** A fill (execution) of an order, given to `recordFill`. */
export interface FillInput {
  /** The id given to `recordOrder`. */
  orderId: string | number;
  /** Execution price; > 0. */
  price: number;
  /** Executed quantity; > 0. */
  quantity: number;
  /** Fee charged, in `feeAsset`; < 0 is a rebate (`fee_rebates_total`), > 0 a fee (`fees_paid_total`). Within ±1e15. */
  fee?: number;
  /** Asset of the fee: the `asset` label; `"unspecified"` when omitted. */
  feeAsset?: string;
  /** Whether the fill added liquidity (`maker`) or took it (`taker`): the `liquidity` label; `"unspecified"` when omitted. */
  liquidity?: 'maker' | 'taker';
  /** When it executed. Default: now. */
  time?: TimeInput;
}

/** Settings of the execution domain, from the service options. */
export interface ExecutionSettings {
  /** Orders tracked at once; a new one past it evicts the oldest (the `maxOpenOrders` option). */
  readonly maxOpenOrders: number;
  /** Distinct (symbol, side, venue, strategy) combinations whose series are found once and kept. */
  readonly maxGroups: number;
}

/** The saved state of `ExecutionMetrics`: the open orders and the ended ones still remembered, oldest first. */
export interface ExecutionState {
  readonly orders: SavedOrder[];
  /** Absent in states of earlier releases (ended orders were then forgotten at a restart). */
  readonly ended?: SavedEndedOrder[];
}

type SavedOrder = [
  id: string,
  symbol: string,
  side: Direction,
  venue: string,
  strategy: string,
  quantity: number,
  expected: number | null,
  submittedAt: number,
  events: number,
  filled: number,
  notional: number,
  firstFillAt: number | null,
];

/** An ended order: as an open one, plus its terminal event (an index of EVENTS). */
type SavedEndedOrder = [...SavedOrder, ended: number];

const UNSPECIFIED = 'unspecified';
/** Distinct rejection reasons kept as labels; further ones are recorded as `other`. */
export const MAX_REJECT_REASONS = 50;
const EVENTS = ['submitted', 'accepted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired'] as const;
const SUBMITTED = 0;
const ACCEPTED = 1;
const PARTIALLY_FILLED = 2;
const FILLED = 3;
const REJECTED = 5;
/** The event of a status (its index in EVENTS), or -1 for anything else. */
function statusIndex(status: unknown): number {
  switch (status) {
    case 'accepted':
      return 1;
    case 'partially_filled':
      return 2;
    case 'filled':
      return 3;
    case 'cancelled':
      return 4;
    case 'rejected':
      return 5;
    case 'expired':
      return 6;
    default:
      return -1;
  }
}
/** Reasons of `order_tracking_errors_total`. */
export const TRACKING_ERRORS = ['unknown_order', 'after_terminal', 'duplicate_order', 'overfill', 'evicted'] as const;
type TrackingError = (typeof TRACKING_ERRORS)[number];
/** A fill within this relative distance of the ordered quantity completes the order (floating-point sums of parts). */
const QUANTITY_TOLERANCE = 1e-9;
// Known fields compared one by one: faster than a Set lookup per key on these paths.
function isOrderField(key: string): boolean {
  return (
    key === 'orderId' ||
    key === 'symbol' ||
    key === 'side' ||
    key === 'type' ||
    key === 'quantity' ||
    key === 'price' ||
    key === 'expectedPrice' ||
    key === 'venue' ||
    key === 'strategy' ||
    key === 'signalTime' ||
    key === 'time'
  );
}

function isFillField(key: string): boolean {
  return (
    key === 'orderId' ||
    key === 'price' ||
    key === 'quantity' ||
    key === 'fee' ||
    key === 'feeAsset' ||
    key === 'liquidity' ||
    key === 'time'
  );
}

/** The series of one (symbol, side, venue, strategy), found once. */
interface OrderGroup {
  readonly symbol: string;
  readonly side: Direction;
  readonly venue: string;
  readonly strategy: string;
  readonly events: readonly CounterSeries[];
  readonly slippage: HistogramSeries;
  readonly fillRatio: HistogramSeries;
  readonly notional: CounterSeries;
  readonly open: GaugeSeries;
  readonly toAck: HistogramSeries;
  readonly toFirstFill: HistogramSeries;
  readonly toFill: HistogramSeries;
  /** The fee series of the last (asset, liquidity) this group paid or received in: most fills repeat it. */
  feeAsset: string;
  feeLiquidity: string;
  fees: CounterSeries | undefined;
  rebates: CounterSeries | undefined;
}

/** One tracked order, linked in submission order (`older` toward the head, the oldest). */
class Order {
  // Not readonly: an order forgotten by the ring of ended ones is reused for the next one (see `reset`).
  id: string;
  group: OrderGroup;
  quantity: number;
  /** Slippage reference; NaN without one. */
  expected: number;
  submittedAt: number;
  /** Bit i set once EVENTS[i] was counted for this order. */
  events = 1 << SUBMITTED;
  filled = 0;
  notional = 0;
  firstFillAt = Number.NaN;
  /** The terminal event, once ended. */
  ended = -1;
  /** False once a new order took its id in `orders` (the ring then must not delete that one). */
  inMap = true;
  older: Order | undefined = undefined;
  newer: Order | undefined = undefined;

  constructor(id: string, group: OrderGroup, quantity: number, expected: number, submittedAt: number) {
    this.id = id;
    this.group = group;
    this.quantity = quantity;
    this.expected = expected;
    this.submittedAt = submittedAt;
  }

  /** Makes this (forgotten) order a new one, as the constructor would. */
  reset(id: string, group: OrderGroup, quantity: number, expected: number, submittedAt: number): this {
    this.id = id;
    this.group = group;
    this.quantity = quantity;
    this.expected = expected;
    this.submittedAt = submittedAt;
    this.events = 1 << SUBMITTED;
    this.filled = 0;
    this.notional = 0;
    this.firstFillAt = Number.NaN;
    this.ended = -1;
    this.inMap = true;
    return this;
  }
}

function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  return typeof value === 'number' ? value : undefined;
}

/**
 * Order lifecycles and fills: `order_events_total`, rejections, latencies, slippage and fill ratio
 * per completed order, open orders, traded notional, fees and rebates. Open orders are held in a
 * Map by id and linked in submission order, like pending predictions: adding, finding, ending and
 * evicting the oldest are O(1), and at most `maxOpenOrders` are held. An ended order is kept among
 * the last `maxOpenOrders` ended ones, so a late event about it is told apart from an unknown id.
 * Events the SDK cannot join are well-formed input (a fill racing its order across two streams, an
 * order evicted, a restart without state): they are counted in `order_tracking_errors_total{reason}`
 * and never thrown, strict mode included; malformed calls go through the InputGuard like every domain.
 */
export class ExecutionMetrics {
  private readonly guard: InputGuard;
  private readonly settings: ExecutionSettings;
  private readonly strategies: StrategyMetrics;
  private readonly now: () => number;
  private readonly eventTable: SeriesTable<CounterSeries>;
  private readonly rejections: SeriesTable<CounterSeries>;
  private readonly latency: SeriesTable<HistogramSeries>;
  private readonly slippageTable: SeriesTable<HistogramSeries>;
  private readonly fillRatioTable: SeriesTable<HistogramSeries>;
  private readonly openTable: SeriesTable<GaugeSeries>;
  private readonly notionalTable: SeriesTable<CounterSeries>;
  private readonly fees: SeriesTable<CounterSeries>;
  private readonly rebates: SeriesTable<CounterSeries>;
  private readonly tracking: Record<TrackingError, CounterSeries>;
  private readonly groups = new Map<string, Map<string, Map<string, Map<string, OrderGroup>>>>();
  private groupCount = 0;
  /** The group of the last order: a bot often sends several in a row for one symbol, side, venue and strategy. */
  private lastGroup: OrderGroup | undefined;
  private readonly reasons = new Set<string>();
  /** Every open order and the last `maxOpenOrders` ended ones, by id: one lookup finds either. */
  private readonly orders = new Map<string, Order>();
  /** Open orders, linked oldest (head) to newest (tail), and how many. */
  private head: Order | undefined;
  private tail: Order | undefined;
  private openOrders = 0;
  /** The ended orders still in `orders`, in a ring: the oldest is overwritten (and forgotten) first. */
  private readonly endedRing: (Order | undefined)[];
  private endedAt = 0;
  /**
   * Orders the ring forgot (or evicted) and nothing refers to any more: the next orders' objects. An
   * object is made only when this is empty, so at most 2 x maxOpenOrders ever exist.
   */
  private readonly free: Order[] = [];
  /**
   * The order of the last event: a bot reports an order, its ack and its fill in a row, so the ack and
   * the fill find it without a lookup. Never an order in `free` (its id would be stale).
   */
  private last: Order | undefined;
  /** The last fills, for the dashboard. */
  private readonly recent = new RecentFills();

  constructor(
    registry: InstrumentRegistry,
    guard: InputGuard,
    strategies: StrategyMetrics,
    settings: ExecutionSettings,
    now: () => number = Date.now,
  ) {
    this.guard = guard;
    this.settings = settings;
    this.strategies = strategies;
    this.now = now;
    this.eventTable = registry.counter(METRICS.orderEvents);
    this.rejections = registry.counter(METRICS.orderRejections);
    this.latency = registry.histogram(METRICS.orderLatency);
    this.slippageTable = registry.histogram(METRICS.orderSlippage);
    this.fillRatioTable = registry.histogram(METRICS.orderFillRatio);
    this.openTable = registry.gauge(METRICS.openOrders).table;
    this.notionalTable = registry.counter(METRICS.tradedNotional);
    this.fees = registry.counter(METRICS.feesPaid);
    this.rebates = registry.counter(METRICS.feeRebates);
    const tracking = registry.counter(METRICS.orderTrackingErrors, TRACKING_ERRORS.length);
    // Every reason at 0 from the start, so that `increase()` and alerts see the first one.
    this.tracking = Object.fromEntries(TRACKING_ERRORS.map((r) => [r, tracking.get1(r)])) as Record<
      TrackingError,
      CounterSeries
    >;
    this.endedRing = new Array<Order | undefined>(settings.maxOpenOrders).fill(undefined);
  }

  /** Orders tracked now. */
  get openCount(): number {
    return this.openOrders;
  }

  /** The last fills of known orders (late ones included), newest first, as plain data. */
  recentFills(): RecentFill[] {
    return this.recent.list();
  }

  recordOrder(order: OrderInput): void {
    const M = 'recordOrder';
    // Read as the trading hot paths read theirs (see TradingMetrics): each field destructured once, then
    // the plain-object test and a scan for unknown keys, with no record copied.
    if (typeof order !== 'object' || order === null) return this.guard.reject(M, 'not_object', 'order', order);
    const { orderId, symbol, side, type, quantity, price, expectedPrice, venue, strategy, signalTime, time } = order;
    if (order.constructor !== Object && !isPlainObject(order))
      return this.guard.reject(M, 'not_object', 'order', order);
    for (const key in order) if (!isOrderField(key)) return this.guard.reject(M, 'unknown_field', key, undefined);
    const id = this.idOf(M, orderId);
    if (id === undefined) return;
    const symbolProblem = labelProblem(symbol);
    if (symbolProblem !== undefined) return this.guard.reject(M, symbolProblem, 'symbol', symbol);
    const direction = normalizeDirection(side);
    if (direction === undefined)
      return this.guard.reject(
        M,
        side === undefined ? 'missing_field' : typeof side !== 'string' ? 'wrong_type' : 'unknown_direction',
        'side',
        side,
      );
    const typeProblem = labelProblem(type);
    if (typeProblem !== undefined) return this.guard.reject(M, typeProblem, 'type', type);
    const quantityProblem = positiveProblem(quantity);
    if (quantityProblem !== undefined) return this.guard.reject(M, quantityProblem, 'quantity', quantity);
    if (price !== undefined) {
      const p = positiveProblem(price);
      if (p !== undefined) return this.guard.reject(M, p, 'price', price);
    }
    if (expectedPrice !== undefined) {
      const p = positiveProblem(expectedPrice);
      if (p !== undefined) return this.guard.reject(M, p, 'expectedPrice', expectedPrice);
    }
    const venueLabel = this.optionalLabel(M, 'venue', venue);
    if (venueLabel === undefined) return;
    let strategyLabel = UNSPECIFIED_STRATEGY;
    if (strategy !== undefined) {
      const p = this.strategies.problem(strategy);
      if (p !== undefined) return this.guard.reject(M, p, 'strategy', strategy);
    }
    const signalAt = signalTime === undefined ? undefined : this.timeOf(M, 'signalTime', signalTime);
    if (signalAt === null) return;
    const at = time === undefined ? this.now() : this.timeOf(M, 'time', time);
    if (at === null || at === undefined) return;

    const existing = this.orders.get(id);
    if (existing !== undefined) {
      if (existing.ended === -1) return this.trackingError('duplicate_order');
      // An ended order still remembered: the new one takes its place in `orders` (set in track).
      existing.inMap = false;
    }
    if (strategy !== undefined) strategyLabel = this.strategies.label(strategy as string);
    const group = this.group(symbol as string, direction, venueLabel, strategyLabel);
    const isLimit =
      type === 'limit' || (type !== 'market' && type !== 'stop' && (type as string).toLowerCase() === 'limit');
    const reference = (expectedPrice ?? (isLimit ? price : undefined)) as number | undefined;
    // In a steady flow every order ends and pushes an older one out of the ring: that one is reused, so
    // recording an order allocates nothing and ended orders do not pile up for the garbage collector.
    const spare = this.free.pop();
    const expected = reference ?? Number.NaN;
    this.track(
      spare === undefined
        ? new Order(id, group, quantity as number, expected, at)
        : spare.reset(id, group, quantity as number, expected, at),
    );
    (group.events[SUBMITTED] as CounterSeries).value++;
    group.open.value++;
    if (signalAt !== undefined)
      this.latency.get2(venueLabel, 'signal_to_submit').record(Math.max(0, (at - signalAt) / 1000));
  }

  recordOrderUpdate(update: OrderUpdate): void {
    const M = 'recordOrderUpdate';
    if (typeof update !== 'object' || update === null) return this.guard.reject(M, 'not_object', 'update', update);
    const { orderId, status, reason, time } = update;
    if (update.constructor !== Object && !isPlainObject(update))
      return this.guard.reject(M, 'not_object', 'update', update);
    for (const key in update)
      if (key !== 'orderId' && key !== 'status' && key !== 'reason' && key !== 'time')
        return this.guard.reject(M, 'unknown_field', key, undefined);
    const id = this.idOf(M, orderId);
    if (id === undefined) return;
    const event = statusIndex(status);
    if (event === -1)
      return this.guard.reject(
        M,
        status === undefined ? 'missing_field' : typeof status !== 'string' ? 'wrong_type' : 'out_of_range',
        'status',
        status,
      );
    if (reason !== undefined) {
      const p = labelProblem(reason);
      // A reason too long for a label is still a rejection: it is recorded as `other`, not dropped.
      if (p !== undefined && p !== 'too_long') return this.guard.reject(M, p, 'reason', reason);
    }
    // NaN: not given; the clock is read only by the events that observe a latency.
    const given = time === undefined ? Number.NaN : this.timeOf(M, 'time', time);
    if (given === null) return;

    const last = this.last;
    const order = last !== undefined && last.id === id ? last : (this.last = this.orders.get(id));
    if (order === undefined) return this.trackingError('unknown_order');
    if (order.ended !== -1) {
      // The same end told twice (a `filled` confirming the fill that completed it) is no error.
      if (order.ended !== event) this.trackingError('after_terminal');
      return;
    }
    const group = order.group;
    if (event === ACCEPTED) {
      if ((order.events & (1 << ACCEPTED)) === 0) {
        const at = Number.isNaN(given) ? this.now() : given;
        group.toAck.record(Math.max(0, (at - order.submittedAt) / 1000));
      }
      this.count(order, ACCEPTED);
    } else if (event === PARTIALLY_FILLED) {
      this.count(order, PARTIALLY_FILLED);
    } else {
      if (event === REJECTED) this.reject(group.venue, reason as string | undefined);
      this.end(order, event, event === FILLED && Number.isNaN(given) ? this.now() : given);
    }
  }

  recordFill(fill: FillInput): void {
    const M = 'recordFill';
    if (typeof fill !== 'object' || fill === null) return this.guard.reject(M, 'not_object', 'fill', fill);
    const { orderId, price, quantity, fee, feeAsset, liquidity, time } = fill;
    if (fill.constructor !== Object && !isPlainObject(fill)) return this.guard.reject(M, 'not_object', 'fill', fill);
    for (const key in fill) if (!isFillField(key)) return this.guard.reject(M, 'unknown_field', key, undefined);
    const id = this.idOf(M, orderId);
    if (id === undefined) return;
    const priceProblem = positiveProblem(price);
    if (priceProblem !== undefined) return this.guard.reject(M, priceProblem, 'price', price);
    const quantityProblem = positiveProblem(quantity);
    if (quantityProblem !== undefined) return this.guard.reject(M, quantityProblem, 'quantity', quantity);
    if (fee !== undefined) {
      const p = numberProblem(fee, -MAX_AMOUNT, MAX_AMOUNT);
      if (p !== undefined) return this.guard.reject(M, p, 'fee', fee);
    }
    const asset = this.optionalLabel(M, 'feeAsset', feeAsset);
    if (asset === undefined) return;
    let side = UNSPECIFIED;
    if (liquidity !== undefined) {
      if (liquidity !== 'maker' && liquidity !== 'taker')
        return this.guard.reject(
          M,
          typeof liquidity === 'string' ? 'out_of_range' : 'wrong_type',
          'liquidity',
          liquidity,
        );
      side = liquidity;
    }
    const at = time === undefined ? this.now() : this.timeOf(M, 'time', time);
    if (at === null || at === undefined) return;

    const p = price as number;
    const q = quantity as number;
    const last = this.last;
    const order = last !== undefined && last.id === id ? last : (this.last = this.orders.get(id));
    if (order === undefined) return this.trackingError('unknown_order');
    if (order.ended !== -1) {
      // A fill after its order ended: real money, so its notional and fee count; its order's figures are already out.
      this.trackingError('after_terminal');
      this.money(order.group, p * q, fee as number | undefined, asset, side);
      this.recent.add(at, order, p, q, fee as number | undefined, asset, side);
      return;
    }
    const group = order.group;
    const wasOver = order.filled > order.quantity * (1 + QUANTITY_TOLERANCE);
    order.filled += q;
    order.notional += p * q;
    this.money(group, p * q, fee as number | undefined, asset, side);
    this.recent.add(at, order, p, q, fee as number | undefined, asset, side);
    if (Number.isNaN(order.firstFillAt)) {
      order.firstFillAt = at;
      group.toFirstFill.record(Math.max(0, (at - order.submittedAt) / 1000));
    }
    if (!wasOver && order.filled > order.quantity * (1 + QUANTITY_TOLERANCE)) this.trackingError('overfill');
    if (order.filled >= order.quantity * (1 - QUANTITY_TOLERANCE)) this.end(order, FILLED, at);
    else this.count(order, PARTIALLY_FILLED);
  }

  /**
   * The open orders and the ended ones still remembered, as plain JSON data, oldest first: after a
   * restart a late event about an ended order is told from an unknown id, and a late fill's money
   * counts, as in a run that never stopped.
   */
  saveState(): ExecutionState {
    const orders: SavedOrder[] = [];
    for (let o = this.head; o !== undefined; o = o.newer) orders.push(savedOrder(o));
    const ended: SavedEndedOrder[] = [];
    const ring = this.endedRing;
    for (let i = 0; i < ring.length; i++) {
      const o = ring[(this.endedAt + i) % ring.length];
      if (o !== undefined && o.inMap && o.ended !== -1) ended.push([...savedOrder(o), o.ended]);
    }
    return { orders, ended };
  }

  /**
   * Restores the open orders into this new instance (checked whole first, StateMismatchError
   * otherwise) and recounts `open_orders` from them. Past a smaller `maxOpenOrders`, the oldest are
   * evicted and counted as they would be live.
   */
  restoreState(saved: unknown): string {
    const state = new StateReader(saved, 'execution');
    const ids = new Set<string>();
    const check = (e: unknown, where: string, ended: boolean): void => {
      if (!Array.isArray(e) || e.length !== (ended ? 13 : 12))
        throw new StateMismatchError(`${where} is not a saved order`);
      const [id, symbol, side, venue, strategy, quantity, expected, submittedAt, events, filled, notional, first, end] =
        e as unknown[];
      const labelsOk = [id, symbol, venue, strategy].every((v) => labelProblem(v) === undefined);
      const numbersOk = [quantity, submittedAt, filled, notional].every(
        (v) => typeof v === 'number' && Number.isFinite(v),
      );
      if (
        !labelsOk ||
        !numbersOk ||
        (side !== 'buy' && side !== 'sell') ||
        !((quantity as number) > 0) ||
        !(expected === null || (typeof expected === 'number' && expected > 0)) ||
        !Number.isInteger(events) ||
        !(first === null || (typeof first === 'number' && Number.isFinite(first))) ||
        (ended && !(Number.isInteger(end) && (end as number) > SUBMITTED && (end as number) < EVENTS.length))
      )
        throw new StateMismatchError(`${where} is not a saved order`);
      if (ids.has(id as string)) throw new StateMismatchError(`${where} repeats id ${JSON.stringify(id)}`);
      ids.add(id as string);
    };
    const open = state.array('orders');
    for (let i = 0; i < open.length; i++) check(open[i], `execution.orders[${i}]`, false);
    const ended = state.has('ended') ? state.array('ended') : [];
    for (let i = 0; i < ended.length; i++) check(ended[i], `execution.ended[${i}]`, true);
    for (const series of this.openTable.series) series.value = 0;
    if (this.openTable.overflow !== undefined) this.openTable.overflow.value = 0;
    for (const e of ended as SavedEndedOrder[]) {
      const order = this.restoredOrder(e);
      order.ended = e[12];
      this.orders.set(order.id, order);
      this.remember(order);
    }
    for (const e of open as SavedOrder[]) {
      const order = this.restoredOrder(e);
      this.track(order);
      order.group.open.value++;
    }
    return `${this.openOrders} open orders`;
  }

  /** A saved order as an Order of this instance, in its group; not tracked yet. */
  private restoredOrder(e: SavedOrder | SavedEndedOrder): Order {
    const [id, symbol, side, venue, strategy, quantity, expected, submittedAt, events, filled, notional, first] = e;
    const label =
      strategy === UNSPECIFIED_STRATEGY || strategy === OTHER_STRATEGY ? strategy : this.strategies.label(strategy);
    const order = new Order(id, this.group(symbol, side, venue, label), quantity, expected ?? Number.NaN, submittedAt);
    order.events = events;
    order.filled = filled;
    order.notional = notional;
    order.firstFillAt = first ?? Number.NaN;
    return order;
  }

  /** Adds an order as the newest, evicting the oldest when full. */
  private track(order: Order): void {
    if (this.openOrders >= this.settings.maxOpenOrders && this.head !== undefined) {
      const oldest = this.head;
      this.unlink(oldest);
      this.orders.delete(oldest.id);
      oldest.group.open.value--;
      this.trackingError('evicted');
      this.release(oldest);
    }
    this.orders.set(order.id, order);
    this.last = order;
    this.openOrders++;
    order.older = this.tail;
    if (this.tail === undefined) this.head = order;
    else this.tail.newer = order;
    this.tail = order;
  }

  /** Hands a forgotten order to the next `recordOrder`. */
  private release(order: Order): void {
    if (this.last === order) this.last = undefined;
    this.free.push(order);
  }

  private unlink(order: Order): void {
    this.openOrders--;
    if (order.older === undefined) this.head = order.newer;
    else order.older.newer = order.newer;
    if (order.newer === undefined) this.tail = order.older;
    else order.newer.older = order.older;
    order.older = order.newer = undefined;
  }

  /** Ends an order: its terminal event, and for a completed one its latency, fill ratio and slippage. */
  private end(order: Order, event: number, at: number): void {
    const group = order.group;
    this.unlink(order);
    group.open.value--;
    this.count(order, event);
    order.ended = event;
    this.remember(order);
    if (event === REJECTED) return;
    const ratio = order.filled / order.quantity;
    if (event === FILLED) {
      group.toFill.record(Math.max(0, (at - order.submittedAt) / 1000));
      // The venue says filled: 1, unless the fills reported more.
      group.fillRatio.record(ratio > 1 ? ratio : 1);
    } else group.fillRatio.record(ratio);
    if (order.filled > 0 && !Number.isNaN(order.expected)) {
      const bps = ((order.notional / order.filled - order.expected) / order.expected) * 10_000;
      group.slippage.record(group.side === 'buy' ? bps : -bps);
    }
  }

  /** Keeps an ended order in `orders` (a late event about it is told from an unknown id) until the ring comes round. */
  private remember(order: Order): void {
    const ring = this.endedRing;
    const previous = ring[this.endedAt];
    if (previous !== undefined) {
      if (previous.inMap) this.orders.delete(previous.id);
      this.release(previous);
    }
    ring[this.endedAt] = order;
    this.endedAt = this.endedAt + 1 === ring.length ? 0 : this.endedAt + 1;
  }

  /** Counts `event` for the order once. */
  private count(order: Order, event: number): void {
    const bit = 1 << event;
    if ((order.events & bit) !== 0) return;
    order.events |= bit;
    (order.group.events[event] as CounterSeries).value++;
  }

  private money(group: OrderGroup, notional: number, fee: number | undefined, asset: string, liquidity: string): void {
    group.notional.value += notional;
    if (fee === undefined || fee === 0) return;
    if (group.feeAsset !== asset || group.feeLiquidity !== liquidity) {
      group.feeAsset = asset;
      group.feeLiquidity = liquidity;
      group.fees = group.rebates = undefined;
    }
    if (fee > 0) (group.fees ??= this.fees.get3(group.venue, asset, liquidity)).value += fee;
    else (group.rebates ??= this.rebates.get3(group.venue, asset, liquidity)).value -= fee;
  }

  private reject(venue: string, reason: string | undefined): void {
    let label = reason === undefined ? UNSPECIFIED : reason;
    if (labelProblem(label) !== undefined) label = 'other';
    else if (!this.reasons.has(label)) {
      if (this.reasons.size >= MAX_REJECT_REASONS) label = 'other';
      else this.reasons.add(label);
    }
    this.rejections.get2(venue, label).value++;
  }

  private trackingError(reason: TrackingError): void {
    this.tracking[reason].value++;
  }

  /** The series of one combination, found once; past `maxGroups` combinations they are looked up on each order (memory stays bounded). */
  private group(symbol: string, side: Direction, venue: string, strategy: string): OrderGroup {
    const last = this.lastGroup;
    if (
      last !== undefined &&
      last.symbol === symbol &&
      last.side === side &&
      last.venue === venue &&
      last.strategy === strategy
    )
      return last;
    return (this.lastGroup = this.findGroup(symbol, side, venue, strategy));
  }

  private findGroup(symbol: string, side: Direction, venue: string, strategy: string): OrderGroup {
    let bySide = this.groups.get(symbol);
    let byVenue = bySide?.get(side);
    let byStrategy = byVenue?.get(venue);
    const found = byStrategy?.get(strategy);
    if (found !== undefined) return found;
    const created: OrderGroup = {
      symbol,
      side,
      venue,
      strategy,
      events: EVENTS.map((e) => this.eventTable.get5(symbol, side, venue, strategy, e)),
      slippage: this.slippageTable.get4(symbol, side, venue, strategy),
      fillRatio: this.fillRatioTable.get3(symbol, venue, strategy),
      notional: this.notionalTable.get3(symbol, side, venue),
      open: this.openTable.get2(symbol, venue),
      toAck: this.latency.get2(venue, 'submit_to_ack'),
      toFirstFill: this.latency.get2(venue, 'submit_to_first_fill'),
      toFill: this.latency.get2(venue, 'submit_to_fill'),
      feeAsset: '',
      feeLiquidity: '',
      fees: undefined,
      rebates: undefined,
    };
    if (Number.isNaN(created.open.value)) created.open.value = 0;
    if (this.groupCount >= this.settings.maxGroups) return created;
    if (bySide === undefined) this.groups.set(symbol, (bySide = new Map()));
    if (byVenue === undefined) bySide.set(side, (byVenue = new Map()));
    if (byStrategy === undefined) byVenue.set(venue, (byStrategy = new Map()));
    byStrategy.set(strategy, created);
    this.groupCount++;
    return created;
  }

  private idOf(method: string, value: unknown): string | undefined {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return String(value);
      return this.guard.reject(method, 'not_finite', 'orderId', value);
    }
    const p = labelProblem(value);
    if (p !== undefined) return this.guard.reject(method, p, 'orderId', value);
    return value as string;
  }

  private optionalLabel(method: string, field: string, value: unknown): string | undefined {
    if (value === undefined) return UNSPECIFIED;
    const p = labelProblem(value);
    if (p !== undefined) return this.guard.reject(method, p, field, value);
    return value as string;
  }

  /** The time in ms, or null after rejecting the call. */
  private timeOf(method: string, field: string, value: unknown): number | null {
    const ms = timeOf(value);
    const p: InvalidReason | undefined = ms === undefined ? 'wrong_type' : numberProblem(ms, 0);
    if (p !== undefined) {
      this.guard.reject(method, p, field, value);
      return null;
    }
    return ms as number;
  }
}

function positiveProblem(value: unknown): InvalidReason | undefined {
  const p = numberProblem(value, 0, MAX_AMOUNT);
  if (p !== undefined) return p;
  return (value as number) > 0 ? undefined : 'out_of_range';
}

/** An order as its saved state holds it. */
function savedOrder(o: Order): SavedOrder {
  const g = o.group;
  return [
    o.id,
    g.symbol,
    g.side,
    g.venue,
    g.strategy,
    o.quantity,
    Number.isNaN(o.expected) ? null : o.expected,
    o.submittedAt,
    o.events,
    o.filled,
    o.notional,
    Number.isNaN(o.firstFillAt) ? null : o.firstFillAt,
  ];
}
