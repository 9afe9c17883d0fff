/**
 * Execution quality of one order from its fills: volume-weighted average price, slippage against a
 * reference price, fill ratio. Pure functions, for backtests and for checking what the SDK publishes.
 */

/** One fill (execution) of an order. */
export interface Fill {
  /** Execution price; > 0. */
  readonly price: number;
  /** Executed quantity; > 0. */
  readonly quantity: number;
}

/** Side of an order: `buy` pays the price, `sell` receives it. */
export type OrderSide = 'buy' | 'sell';

/** Σ price × quantity / Σ quantity of the fills; undefined when their total quantity is 0 (no fill). */
export function vwap(fills: Iterable<Fill>): number | undefined {
  let notional = 0;
  let quantity = 0;
  for (const fill of fills) {
    notional += fill.price * fill.quantity;
    quantity += fill.quantity;
  }
  return quantity > 0 ? notional / quantity : undefined;
}

/**
 * Slippage of an average execution price against a reference (arrival or decision) price, in basis
 * points of the reference, signed so that **positive is adverse**: a buy above the reference, a sell
 * below it. (averagePrice − expectedPrice) / expectedPrice × 10 000 for a buy, the opposite for a sell.
 * @throws RangeError when expectedPrice is not a positive finite number
 */
export function slippageBps(side: OrderSide, expectedPrice: number, averagePrice: number): number {
  if (!(expectedPrice > 0) || !Number.isFinite(expectedPrice))
    throw new RangeError(`slippageBps: expectedPrice must be a positive finite number, got ${String(expectedPrice)}`);
  const bps = ((averagePrice - expectedPrice) / expectedPrice) * 10_000;
  return side === 'buy' ? bps : -bps;
}

/** Slippage in basis points (positive adverse) of a set of fills, at their VWAP; undefined without a fill. */
export function fillsSlippageBps(side: OrderSide, expectedPrice: number, fills: Iterable<Fill>): number | undefined {
  const average = vwap(fills);
  return average === undefined ? undefined : slippageBps(side, expectedPrice, average);
}

/** Filled quantity / ordered quantity (the fills' total over `orderedQuantity`); > 1 for an overfill. */
export function fillRatio(orderedQuantity: number, fills: Iterable<Fill>): number {
  if (!(orderedQuantity > 0) || !Number.isFinite(orderedQuantity))
    throw new RangeError(`fillRatio: orderedQuantity must be a positive finite number, got ${String(orderedQuantity)}`);
  let filled = 0;
  for (const fill of fills) filled += fill.quantity;
  return filled / orderedQuantity;
}
