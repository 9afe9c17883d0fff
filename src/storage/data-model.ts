/**
 * The values of OpenTelemetry's metric data model that the registry, the serializers and the
 * dashboard need at run time, without loading the SDK for them: `@opentelemetry/sdk-metrics`,
 * `core` and `api` (about 25 MiB and 100 ms at start as ES modules) are loaded only by a monitoring
 * that needs a MeterProvider. The types stay OpenTelemetry's, so the data is theirs, exactly.
 */
import type { HrTime } from '@opentelemetry/api';
import type { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';

/** `DataPointType` of `@opentelemetry/sdk-metrics`. */
export const HISTOGRAM_POINTS = 0 as DataPointType.HISTOGRAM;
export const GAUGE_POINTS = 2 as DataPointType.GAUGE;
export const SUM_POINTS = 3 as DataPointType.SUM;

/** `AggregationTemporality` of `@opentelemetry/sdk-metrics`. */
export const DELTA = 0 as AggregationTemporality.DELTA;
export const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;

/** `ValueType` of `@opentelemetry/api`. */
export const INT_VALUES = 0;
export const DOUBLE_VALUES = 1;

const NANOS_PER_SECOND = 1e9;

function millisToHrTime(epochMillis: number): HrTime {
  return [Math.trunc(epochMillis / 1000), Math.round((epochMillis % 1000) * 1e6)];
}

/** Now, as `hrTime()` of `@opentelemetry/core` computes it: the time origin plus `performance.now()`. */
export function hrTimeNow(): HrTime {
  const origin = millisToHrTime(performance.timeOrigin);
  const elapsed = millisToHrTime(performance.now());
  const time: HrTime = [origin[0] + elapsed[0], origin[1] + elapsed[1]];
  if (time[1] >= NANOS_PER_SECOND) {
    time[1] -= NANOS_PER_SECOND;
    time[0] += 1;
  }
  return time;
}
