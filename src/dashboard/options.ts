import { isInt, objectOf, positive, type Checks } from '../core/checks.ts';

/** Settings of the dashboard's history. */
export interface DashboardOptions {
  /**
   * Seconds between samples.
   * @default 5
   */
  intervalSeconds?: number;
  /**
   * Minutes of history kept.
   * @default 360
   */
  historyMinutes?: number;
  /**
   * Most points per series in an answer of `/api/v1/series` (at least 3); a longer history is
   * downsampled to it (counters and histograms at picked samples, gauges by their minimum and maximum).
   * @default 300
   */
  maxPoints?: number;
  /**
   * Most values in one answer of `/api/v1/series`: series x points, a histogram counting 3 (count, p50,
   * p95). A larger selection gets fewer points per series (down to 30), then only the series that fit,
   * flagged `truncated`. Bounds the time and memory of a request whatever the history holds.
   * @default 100000
   */
  maxValues?: number;
}

/** The dashboard settings in force. */
export interface ResolvedDashboard {
  /** Seconds between history samples. */
  readonly intervalSeconds: number;
  /** Minutes of history kept. */
  readonly historyMinutes: number;
  /** Most points per series in an answer of `/api/v1/series`. */
  readonly maxPoints: number;
  /** Most values (series x points) in an answer of `/api/v1/series`. */
  readonly maxValues: number;
}

/** The built-in dashboard as an option of `initEnhancedMonitoring`. */
export interface DashboardSettings {
  /**
   * The built-in dashboard (`/dashboard`, `/api/v1/series`) and its in-memory history; `false` turns it off.
   * @default true (a sample every 5 s, 360 minutes kept, answers of at most 300 points per series and 100000 values)
   */
  dashboard?: boolean | DashboardOptions;
}

export const DASHBOARD_DEFAULTS: ResolvedDashboard = {
  intervalSeconds: 5,
  historyMinutes: 360,
  maxPoints: 300,
  maxValues: 100_000,
};

const positiveNumber = (v: unknown) => (positive(v) ? undefined : 'a positive number');
const dashboardObject = objectOf(
  {
    intervalSeconds: positiveNumber,
    historyMinutes: positiveNumber,
    maxPoints: (v) => (isInt(v, 3, 100_000) ? undefined : 'an integer from 3 to 100000'),
    maxValues: (v) => (isInt(v, 1_000, 100_000_000) ? undefined : 'an integer from 1000 to 100000000'),
  },
  'true, false or { intervalSeconds?, historyMinutes?, maxPoints?, maxValues? }',
);

export const DASHBOARD_CHECKS: Checks<DashboardSettings> = {
  dashboard: (v) => (typeof v === 'boolean' ? undefined : dashboardObject(v)),
};

/** `true` and `{}` mean the defaults; a field left out keeps its default. */
export function resolveDashboard(given: boolean | DashboardOptions | undefined): ResolvedDashboard | false {
  if (given === false) return false;
  const set = given === true || given === undefined ? {} : given;
  return {
    intervalSeconds: set.intervalSeconds ?? DASHBOARD_DEFAULTS.intervalSeconds,
    historyMinutes: set.historyMinutes ?? DASHBOARD_DEFAULTS.historyMinutes,
    maxPoints: set.maxPoints ?? DASHBOARD_DEFAULTS.maxPoints,
    maxValues: set.maxValues ?? DASHBOARD_DEFAULTS.maxValues,
  };
}
