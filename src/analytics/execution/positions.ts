/**
 * What a set of open positions is worth and risks, marked to market: notional, unrealized PnL and
 * exposure. Pure functions; amounts are in the quote currency of the prices (the account currency
 * when the bot quotes everything in it).
 */

/** An open position: signed quantity (> 0 long, < 0 short), average entry price and current mark price. */
export interface OpenPosition {
  /** Signed size: > 0 long, < 0 short. */
  readonly quantity: number;
  /** Average entry price. */
  readonly entryPrice: number;
  /** Current mark price. */
  readonly markPrice: number;
}

/** Exposure of a set of positions at their mark prices. */
export interface Exposure {
  /** Σ |quantity × mark|. */
  readonly gross: number;
  /** Σ quantity × mark: long minus short. */
  readonly net: number;
  /** Σ quantity × mark of the long positions. */
  readonly long: number;
  /** Σ |quantity × mark| of the short positions, as a positive amount. */
  readonly short: number;
}

/** quantity × markPrice: signed, negative for a short. */
export function positionNotional(position: OpenPosition): number {
  return position.quantity * position.markPrice;
}

/** (markPrice − entryPrice) × quantity: a short gains when the mark falls below its entry. */
export function unrealizedPnl(position: OpenPosition): number {
  return (position.markPrice - position.entryPrice) * position.quantity;
}

/** Gross, net, long and short exposure of the positions at their mark prices. */
export function exposure(positions: Iterable<OpenPosition>): Exposure {
  let long = 0;
  let short = 0;
  for (const position of positions) {
    const notional = positionNotional(position);
    if (notional > 0) long += notional;
    else short -= notional;
  }
  return { gross: long + short, net: long - short, long, short };
}

/** Gross exposure / portfolio value; undefined when the portfolio value is not positive. */
export function leverage(grossExposure: number, portfolioValue: number): number | undefined {
  return portfolioValue > 0 ? grossExposure / portfolioValue : undefined;
}
