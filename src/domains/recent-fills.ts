import type { Direction } from './trading.ts';

/** One fill as the dashboard's "recent fills" table shows it (plain JSON data). */
export interface RecentFill {
  /** When it executed, Unix milliseconds. */
  readonly time: number;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Direction;
  readonly venue: string;
  readonly strategy: string;
  readonly price: number;
  readonly quantity: number;
  /** The fee as given (< 0 a rebate); null when none was given. */
  readonly fee: number | null;
  readonly feeAsset: string;
  readonly liquidity: string;
  /** (price − the order's expected price) / expected × 10 000, positive when adverse; null without a reference. */
  readonly slippageBps: number | null;
}

/** The labels of a fill's order: its (symbol, side, venue, strategy). */
export interface FillLabels {
  readonly symbol: string;
  readonly side: Direction;
  readonly venue: string;
  readonly strategy: string;
}

/** What a fill's order says about it. */
export interface FillOrigin {
  readonly id: string;
  /** Slippage reference; NaN without one. */
  readonly expected: number;
  readonly group: FillLabels;
}

/** Fills kept for the dashboard. */
export const RECENT_FILLS = 50;

/**
 * The last {@link RECENT_FILLS} fills in preallocated slots, overwritten oldest first: recording one
 * writes numbers into typed arrays and references to strings the caller already holds, so it
 * allocates nothing. Only `list()`, called by the dashboard, builds objects.
 */
export class RecentFills {
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly prices: Float64Array;
  private readonly quantities: Float64Array;
  /** NaN: no fee given. */
  private readonly fees: Float64Array;
  /** NaN: no reference price. */
  private readonly slippage: Float64Array;
  private readonly groups: (FillLabels | undefined)[];
  private readonly ids: string[];
  private readonly assets: string[];
  private readonly liquidity: string[];
  private next = 0;
  private size = 0;

  constructor(capacity = RECENT_FILLS) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.prices = new Float64Array(capacity);
    this.quantities = new Float64Array(capacity);
    this.fees = new Float64Array(capacity);
    this.slippage = new Float64Array(capacity);
    this.groups = new Array<FillLabels | undefined>(capacity).fill(undefined);
    this.ids = new Array<string>(capacity).fill('');
    this.assets = new Array<string>(capacity).fill('');
    this.liquidity = new Array<string>(capacity).fill('');
  }

  add(
    time: number,
    order: FillOrigin,
    price: number,
    quantity: number,
    fee: number | undefined,
    asset: string,
    liquidity: string,
  ): void {
    const i = this.next;
    this.times[i] = time;
    this.prices[i] = price;
    this.quantities[i] = quantity;
    this.fees[i] = fee === undefined ? Number.NaN : fee;
    const expected = order.expected;
    const bps = ((price - expected) / expected) * 10_000;
    // NaN stays NaN: an order without a reference has no slippage.
    this.slippage[i] = order.group.side === 'buy' ? bps : -bps;
    // The labels and the id, not the order: an order object is reused for another order once forgotten.
    this.groups[i] = order.group;
    this.ids[i] = order.id;
    this.assets[i] = asset;
    this.liquidity[i] = liquidity;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    if (this.size < this.capacity) this.size++;
  }

  /** The fills held, newest first. */
  list(): RecentFill[] {
    const out: RecentFill[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - 1 - k + this.capacity) % this.capacity;
      const g = this.groups[i] as FillLabels;
      const fee = this.fees[i] as number;
      const bps = this.slippage[i] as number;
      out.push({
        time: this.times[i] as number,
        orderId: this.ids[i] as string,
        symbol: g.symbol,
        side: g.side,
        venue: g.venue,
        strategy: g.strategy,
        price: this.prices[i] as number,
        quantity: this.quantities[i] as number,
        fee: Number.isNaN(fee) ? null : fee,
        feeAsset: this.assets[i] as string,
        liquidity: this.liquidity[i] as string,
        slippageBps: Number.isNaN(bps) ? null : bps,
      });
    }
    return out;
  }
}
