import { objectOf, positive, type Checks } from '../core/checks.ts';

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
}

/** The dashboard settings in force. */
export interface ResolvedDashboard {
  /** Seconds between history samples. */
  readonly intervalSeconds: number;
  /** Minutes of history kept. */
  readonly historyMinutes: number;
}

/** The built-in dashboard as an option of `initEnhancedMonitoring`. */
export interface DashboardSettings {
  /**
   * The built-in dashboard (`/dashboard`, `/api/v1/series`) and its in-memory history; `false` turns it off.
   * @default true (a sample every 5 s, 360 minutes kept)
   */
  dashboard?: boolean | DashboardOptions;
}

export const DASHBOARD_DEFAULTS: ResolvedDashboard = { intervalSeconds: 5, historyMinutes: 360 };

const positiveNumber = (v: unknown) => (positive(v) ? undefined : 'a positive number');
const dashboardObject = objectOf(
  { intervalSeconds: positiveNumber, historyMinutes: positiveNumber },
  'true, false or { intervalSeconds?, historyMinutes? }',
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
  };
}
