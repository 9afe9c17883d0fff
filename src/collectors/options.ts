import { boolean, type Checks } from '../core/checks.ts';

/** Host and process metrics. */
export interface CollectorOptions {
  /**
   * Collect host and process metrics (CPU, memory, network, disk, load, processes, uptime).
   * @default true
   */
  systemMetrics?: boolean;
}

/** The collector settings in force. */
export interface ResolvedCollectors {
  /** Whether host and process metrics are collected. */
  readonly systemMetrics: boolean;
}

export const COLLECTOR_DEFAULTS: ResolvedCollectors = { systemMetrics: true };

export const COLLECTOR_CHECKS: Checks<CollectorOptions> = { systemMetrics: boolean };
