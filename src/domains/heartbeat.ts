import { METRICS } from '../contract/metrics.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import { labelProblem, type InputGuard } from './input.ts';

/** `bot_heartbeat_timestamp_seconds{loop}`: the last pass of each of the bot's loops, for dashboards, alerts and `/readyz`. */
export class HeartbeatMetrics {
  private readonly guard: InputGuard;
  private readonly now: () => number;
  private readonly heartbeats: SeriesTable<GaugeSeries>;

  constructor(registry: InstrumentRegistry, guard: InputGuard, now: () => number = Date.now) {
    this.guard = guard;
    this.now = now;
    this.heartbeats = registry.gauge(METRICS.heartbeat).table;
  }

  heartbeat(loop: unknown = 'main'): void {
    const p = labelProblem(loop);
    if (p !== undefined) return this.guard.reject('heartbeat', p, 'loop', loop);
    this.heartbeats.get1(loop as string).value = this.now() / 1000;
  }

  /** Last heartbeat of each loop, Unix seconds (for readiness). */
  *heartbeatTimes(): Generator<[loop: string, seconds: number]> {
    for (const s of this.heartbeats.series) yield [String(s.attributes['loop']), s.value];
  }
}
