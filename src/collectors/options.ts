import { boolean, type Checks } from '../core/checks.ts';

/** Host, process and Node runtime metrics. */
export interface CollectorOptions {
  /**
   * Collect host and process metrics (CPU, memory, network, disk, load, processes, uptime).
   * @default true
   */
  systemMetrics?: boolean;
  /**
   * Collect Node runtime metrics (event-loop utilization and delay, GC pauses, V8 heap spaces,
   * active handles), under OpenTelemetry's `nodejs.*` and `v8js.*` names.
   * @default true
   */
  runtimeMetrics?: boolean;
}

/** The collector settings in force. */
export interface ResolvedCollectors {
  /** Whether host and process metrics are collected. */
  readonly systemMetrics: boolean;
  /** Whether Node runtime metrics are collected. */
  readonly runtimeMetrics: boolean;
}

export const COLLECTOR_DEFAULTS: ResolvedCollectors = { systemMetrics: true, runtimeMetrics: true };

export const COLLECTOR_CHECKS: Checks<CollectorOptions> = { systemMetrics: boolean, runtimeMetrics: boolean };
