/**
 * Trading performance analytics: empyrical-compatible return statistics and closed-trade
 * statistics (pure, offline), and the streaming classes the SDK feeds on every trade and equity
 * update. No OpenTelemetry here.
 */

export {
  DEFAULT_PERIODS_PER_YEAR,
  annualReturn,
  annualVolatility,
  calmarRatio,
  downsideRisk,
  maxDrawdown,
  returnsFromEquity,
  sharpeRatio,
  sortinoRatio,
} from './returns.ts';
export type { PeriodOptions, SharpeOptions, SortinoOptions } from './returns.ts';
export { DRAW_MODES, tradeStats } from './trades.ts';
export type { DrawMode, TradeStats, TradeStatsOptions } from './trades.ts';
export {
  ReturnMoments,
  ReturnQuantiles,
  conditionalValueAtRisk,
  kurtosis,
  omegaRatio,
  skewness,
  tailRatio,
  valueAtRisk,
} from './distribution.ts';
export type { OmegaOptions, ReturnMomentsState, ReturnQuantilesState } from './distribution.ts';
export { DrawdownTracker, drawdownDurations, recoveryFactor } from './drawdown.ts';
export { DailyPnl, ZoneCalendar, calendarPnl, dailyPnl, utcDay } from './calendar-pnl.ts';
export type { CalendarPnl, DailyPnlState, DayPnl } from './calendar-pnl.ts';
export type { DrawdownTrackerState } from './drawdown.ts';
export type { ReturnSumsState } from './return-sums.ts';
export { TradeAnalytics } from './trade-analytics.ts';
export type { TradeAnalyticsOptions, TradeAnalyticsState, TradeSumsState, TradeSummary } from './trade-analytics.ts';
export { EquityAnalytics } from './equity-analytics.ts';
export type { EquityAnalyticsOptions, EquityAnalyticsState, EquitySummary } from './equity-analytics.ts';
