import { Adwin, type AdwinOptions } from '../analytics/models/adwin.ts';
import { PageHinkley, type PageHinkleyOptions } from '../analytics/models/page-hinkley.ts';
import { expect, isInt, plainObject, positive, type Checks } from '../core/checks.ts';

/** The trade statistics and equity analytics computed from `recordClosedTrade` and `updatePortfolioMetrics`. */
export interface TradingAnalyticsOptions {
  /**
   * Closed trades in the rolling window of the trade statistics (`window="rolling"`).
   * @default 100
   */
  tradeWindow?: number;
  /**
   * How a break-even trade (net pnl exactly 0) counts in the win rate: `'notWin'` (in the denominator, not a win),
   * `'win'`, or `'exclude'` (left out).
   * @default 'notWin'
   */
  draws?: 'notWin' | 'win' | 'exclude';
  /**
   * Account balance before the first closed trade; enables the realized drawdown (`basis="realized"`).
   * @default none
   */
  startingBalance?: number;
  /**
   * Seconds per return period of the equity curve (Sharpe, Sortino, Calmar); the equity of a period is its last value.
   * @default 86400
   */
  returnsIntervalSeconds?: number;
  /**
   * Return periods in the rolling window of the ratios (`window="rolling"`).
   * @default 30
   */
  returnsWindow?: number;
  /**
   * Annualization factor of the ratios. Set it when an interval stands for more time than it lasts (a replay, a demo).
   * @default the returnsIntervals in a 365-day year (365 for daily)
   */
  periodsPerYear?: number;
  /**
   * Annual risk-free rate for the Sharpe ratio, e.g. 0.04; compounded down to the return period.
   * @default 0
   */
  riskFreeRate?: number;
  /**
   * Annual minimum acceptable return for the Sortino ratio; compounded down to the return period.
   * @default 0
   */
  requiredReturn?: number;
  /**
   * Return periods before the ratios and return statistics (Sharpe, Sortino, Calmar, annual
   * return and volatility, VaR, CVaR, tail ratio, Omega, skewness, kurtosis) are published. With
   * fewer, a Sharpe ratio is mostly noise: its standard error is about sqrt((1 + SR²/2) / n) per
   * period, over 0.3 below 10 periods, and a 5% VaR of fewer than 10 returns is an interpolation
   * between the two lowest.
   * @default 10
   */
  minReturnPeriods?: number;
  /**
   * Confidence of the value at risk and conditional value at risk: the returns' (1 - varConfidence) percentile.
   * @default 0.95
   */
  varConfidence?: number;
  /**
   * IANA time zone of the calendar PnL (`realized_pnl_period`, the daily PnL): where today, the
   * week (from Monday) and the month begin, e.g. `'Europe/Paris'`.
   * @default 'UTC'
   */
  timeZone?: string;
}

/** The trading analytics settings in force. */
export interface ResolvedTradingAnalytics {
  /** Closed trades in the rolling window of the trade statistics. */
  readonly tradeWindow: number;
  /** How a break-even trade counts in the win rate. */
  readonly draws: 'notWin' | 'win' | 'exclude';
  /** Balance before the first closed trade; undefined: no realized drawdown. */
  readonly startingBalance: number | undefined;
  /** Seconds per return period of the equity curve. */
  readonly returnsIntervalSeconds: number;
  /** Return periods in the rolling window of the ratios. */
  readonly returnsWindow: number;
  /** Annualization factor; undefined: the return periods in a 365-day year. */
  readonly periodsPerYear: number | undefined;
  /** Annual risk-free rate of the Sharpe ratio. */
  readonly riskFreeRate: number;
  /** Annual minimum acceptable return of the Sortino ratio. */
  readonly requiredReturn: number;
  /** Return periods before the ratios are published. */
  readonly minReturnPeriods: number;
  /** Confidence of the value at risk. */
  readonly varConfidence: number;
  /** Time zone of the calendar PnL. */
  readonly timeZone: string;
}

/** Order tracking and per-strategy results (`recordOrder`, `recordFill`, the `strategy` fields). */
export interface ExecutionOptions {
  /**
   * Orders tracked at once between `recordOrder` and their end (filled, cancelled, rejected,
   * expired); a new one past it evicts the oldest, counted in
   * `order_tracking_errors_total{reason="evicted"}`. As many ended orders are remembered, to tell a
   * late event from an unknown id. 10 000 open orders took 2.6 MiB of heap (test/hardening/memory.test.ts):
   * the default holds a market maker quoting 100 symbols x 100 levels, and bounds a bot that never
   * reports its orders' ends.
   * @default 10000
   */
  maxOpenOrders?: number;
  /**
   * Distinct strategy names with a label of their own; further ones are recorded as
   * `strategy="other"`. Each takes 6 series of the per-strategy statistics and 7 of
   * `order_events_total` per symbol, side and venue.
   * @default 50
   */
  maxStrategies?: number;
}

/** The execution settings in force. */
export interface ResolvedExecution {
  /** Orders tracked at once. */
  readonly maxOpenOrders: number;
  /** Distinct strategy names with a label of their own. */
  readonly maxStrategies: number;
}

export const EXECUTION_DEFAULTS: ResolvedExecution = { maxOpenOrders: 10_000, maxStrategies: 50 };

export const EXECUTION_CHECKS: Checks<ExecutionOptions> = {
  maxOpenOrders: expect((v) => isInt(v, 1, 10_000_000), 'an integer from 1 to 10000000'),
  maxStrategies: expect((v) => isInt(v, 1, 10_000), 'an integer from 1 to 10000'),
};

/** Drift detectors on each model's error stream and on reported features; `false` turns one off. */
export interface DriftDetectorOptions {
  /** ADWIN's settings (river's defaults when empty). @default {} */
  adwin?: AdwinOptions | false;
  /** Page-Hinkley's settings (river's defaults when empty). @default {} */
  pageHinkley?: PageHinkleyOptions | false;
}

/** The model analytics computed from `recordPrediction`, `recordOutcome` and `recordFeature`. */
export interface ModelAnalyticsOptions {
  /**
   * Seconds between computed model-metric publications, as in the Python module.
   * @default 300
   */
  modelMetricsInterval?: number;
  /**
   * Resolved predictions in each model's rolling window.
   * @default 500
   */
  windowSize?: number;
  /**
   * Predictions awaiting an outcome, over all models; the oldest is evicted and counted past it.
   * @default 10000
   */
  maxPending?: number;
  /**
   * Seconds a prediction waits for its outcome before it expires and is counted.
   * @default 86400
   */
  outcomeTtlSeconds?: number;
  /**
   * Equal-width probability bins for calibration (5: bins '0.1' … '0.9').
   * @default 5
   */
  calibrationBins?: number;
  /**
   * Drift detectors on each model's error stream and on reported features: river's defaults; `false` turns one off.
   * @default { adwin: {}, pageHinkley: {} }
   */
  driftDetectors?: DriftDetectorOptions;
  /**
   * Distinct classes a classifier's analytics hold, per model, timeframe and symbol. Every class
   * ever scored is kept (the lifetime figures need it), so this bounds the memory a model can take
   * when its classes are not a small fixed set, such as numeric predictions sent as strings. Once a
   * model holds this many, a `recordPrediction` (scored at once or waiting for its outcome) or a
   * `recordOutcome` that would bring a new class is dropped whole and counted as
   * `monitoring_invalid_inputs_total{reason="too_many"}` (warned once); the classes held keep
   * exact figures, over the predictions taken. An outcome dropped this way leaves its prediction
   * waiting (it is evicted or expires and is counted then, unless a later outcome fits).
   * Trading classifiers have a handful of classes (buy/sell/hold, up/down/flat, a few regimes):
   * 100 leaves ample room, and each class takes three `model_class_*` series, so the default
   * `maxSeriesPerMetric` (2000) publishes 20 models of 100 classes anyway.
   * @default 100
   */
  maxClassesPerModel?: number;
  /**
   * Features watched for drift (`recordFeature`) over all models together: each (model,
   * timeframe, symbol, feature) runs its own ADWIN and Page-Hinkley (about 1.3 KiB) and publishes
   * up to two `model_drift_score` series, so the default fills that metric's default series cap.
   * A new feature past it, or past 100 of one model, is dropped and counted as
   * `monitoring_invalid_inputs_total{reason="too_many"}` (warned once).
   * @default 1000
   */
  maxFeatureStreams?: number;
}

/** The model analytics settings in force. */
export interface ResolvedModelAnalytics {
  /** Seconds between computed model-metric publications. */
  readonly modelMetricsInterval: number;
  /** Resolved predictions in each model's rolling window. */
  readonly windowSize: number;
  /** Predictions awaiting an outcome, over all models. */
  readonly maxPending: number;
  /** Seconds a prediction waits for its outcome before it expires. */
  readonly outcomeTtlSeconds: number;
  /** Equal-width probability bins for calibration. */
  readonly calibrationBins: number;
  /** The drift detectors' settings; `false` where one is off. */
  readonly driftDetectors: {
    /** ADWIN's settings, or false when it is off. */
    readonly adwin: Readonly<AdwinOptions> | false;
    /** Page-Hinkley's settings, or false when it is off. */
    readonly pageHinkley: Readonly<PageHinkleyOptions> | false;
  };
  /** Distinct classes held per classifier (model, timeframe, symbol). */
  readonly maxClassesPerModel: number;
  /** Features watched for drift over all models together. */
  readonly maxFeatureStreams: number;
}

export const TRADING_ANALYTICS_DEFAULTS: ResolvedTradingAnalytics = {
  tradeWindow: 100,
  draws: 'notWin',
  startingBalance: undefined,
  returnsIntervalSeconds: 86_400,
  returnsWindow: 30,
  periodsPerYear: undefined,
  riskFreeRate: 0,
  requiredReturn: 0,
  minReturnPeriods: 10,
  varConfidence: 0.95,
  timeZone: 'UTC',
};

export const MODEL_ANALYTICS_DEFAULTS: ResolvedModelAnalytics = {
  modelMetricsInterval: 300,
  windowSize: 500,
  maxPending: 10_000,
  outcomeTtlSeconds: 86_400,
  calibrationBins: 5,
  driftDetectors: { adwin: {}, pageHinkley: {} },
  maxClassesPerModel: 100,
  maxFeatureStreams: 1000,
};

const annualRate = expect(
  (v) => typeof v === 'number' && Number.isFinite(v) && v > -1,
  'an annual rate above -1, e.g. 0.04',
);

export const TRADING_ANALYTICS_CHECKS: Checks<TradingAnalyticsOptions> = {
  tradeWindow: expect((v) => isInt(v, 1, 1_000_000), 'an integer from 1 to 1000000'),
  draws: expect((v) => v === 'notWin' || v === 'win' || v === 'exclude', "'notWin', 'win' or 'exclude'"),
  startingBalance: expect(positive, 'a positive amount'),
  returnsIntervalSeconds: expect(
    (v) => positive(v) && (v as number) >= 0.001,
    'a positive number of seconds (at least 0.001)',
  ),
  returnsWindow: expect((v) => isInt(v, 2, 100_000), 'an integer from 2 to 100000'),
  periodsPerYear: expect(positive, 'a positive number'),
  riskFreeRate: annualRate,
  requiredReturn: annualRate,
  minReturnPeriods: expect((v) => isInt(v, 1, 100_000), 'an integer from 1 to 100000'),
  varConfidence: expect(
    (v) => typeof v === 'number' && v >= 0.5 && v < 1,
    'a confidence from 0.5 to below 1, e.g. 0.95 or 0.99',
  ),
  timeZone: expect(isTimeZone, "an IANA time zone Intl knows, e.g. 'UTC' or 'Europe/Paris'"),
};

function isTimeZone(v: unknown): boolean {
  if (typeof v !== 'string' || v.length === 0) return false;
  // Without Intl (see ZoneCalendar).
  if (v === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return true;
  } catch {
    return false;
  }
}

export const MODEL_ANALYTICS_CHECKS: Checks<ModelAnalyticsOptions> = {
  modelMetricsInterval: expect(positive, 'a positive number of seconds'),
  windowSize: expect((v) => isInt(v, 1, 1_000_000), 'an integer from 1 to 1000000'),
  maxPending: expect((v) => isInt(v, 1, 10_000_000), 'an integer from 1 to 10000000'),
  outcomeTtlSeconds: expect(positive, 'a positive number of seconds'),
  calibrationBins: expect((v) => isInt(v, 1, 100), 'an integer from 1 to 100'),
  maxClassesPerModel: expect((v) => isInt(v, 1, 100_000), 'an integer from 1 to 100000'),
  maxFeatureStreams: expect((v) => isInt(v, 1, 1_000_000), 'an integer from 1 to 1000000'),
  driftDetectors: (v) => {
    if (!plainObject(v)) return 'an object { adwin?, pageHinkley? }';
    for (const [key, value] of Object.entries(v)) {
      if (key !== 'adwin' && key !== 'pageHinkley') return `an object { adwin?, pageHinkley? } (unknown key '${key}')`;
      if (value === false || value === undefined) continue;
      if (!plainObject(value)) return `an object whose '${key}' is false or detector options`;
      try {
        // The detectors validate their own options; building one is the check.
        if (key === 'adwin') new Adwin(value as AdwinOptions);
        else new PageHinkley(value as PageHinkleyOptions);
      } catch (error) {
        return `valid detector options (${(error as Error).message})`;
      }
    }
    return undefined;
  },
};

/** A detector left out keeps its defaults; `false` turns it off. */
export function resolveDriftDetectors(
  given: DriftDetectorOptions | undefined,
): ResolvedModelAnalytics['driftDetectors'] {
  if (given === undefined) return MODEL_ANALYTICS_DEFAULTS.driftDetectors;
  return {
    adwin: given.adwin === false ? false : { ...given.adwin },
    pageHinkley: given.pageHinkley === false ? false : { ...given.pageHinkley },
  };
}
