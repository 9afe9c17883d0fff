/**
 * Execution and position analytics (pure, offline): VWAP, slippage and fill ratio of an order's
 * fills; notional, unrealized PnL, exposure and leverage of open positions. The SDK publishes the
 * same figures from `recordFill` and `updatePositions`.
 */

export { fillRatio, fillsSlippageBps, slippageBps, vwap } from './fills.ts';
export type { Fill, OrderSide } from './fills.ts';
export { exposure, leverage, positionNotional, unrealizedPnl } from './positions.ts';
export type { Exposure, OpenPosition } from './positions.ts';
