import { expect, isInt, nonEmpty, type Checks } from '../core/checks.ts';

/** Where the computed figures outlive the process. */
export interface StateOptions {
  /**
   * Directory where every figure the SDK computes (peaks, drawdowns, trade and model statistics,
   * return periods, pending predictions, drift detectors, domain counters and histograms) is kept
   * and restored from at the next start. `false` turns durable state off. Also `MONITORING_STATE_DIR`.
   * @default `<exportDirectory>/state` when `exportDirectory` is set, else off
   */
  stateDirectory?: string | false;
  /**
   * Seconds between background writes of the state when nothing is exported. Every scrape, push
   * and snapshot also writes it first, so this only bounds what a crash can lose between exports.
   * The dashboard's history (`dashboard.json`) is written every 60 s, or at this interval when longer.
   * @default 5
   */
  stateFlushIntervalSeconds?: number;
}

/** The durable-state settings in force. */
export interface ResolvedState {
  /** The state directory, or `false` when durable state is off. */
  readonly stateDirectory: string | false;
  /** Seconds between background writes. */
  readonly stateFlushIntervalSeconds: number;
}

export const STATE_DEFAULTS: ResolvedState = { stateDirectory: false, stateFlushIntervalSeconds: 5 };

export const STATE_CHECKS: Checks<StateOptions> = {
  stateDirectory: expect((v) => v === false || nonEmpty(v), 'a directory path, or false'),
  stateFlushIntervalSeconds: expect((v) => isInt(v, 1, 3600), 'an integer number of seconds from 1 to 3600'),
};
