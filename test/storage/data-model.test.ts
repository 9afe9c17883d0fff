import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValueType } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import {
  CUMULATIVE,
  DELTA,
  DOUBLE_VALUES,
  GAUGE_POINTS,
  HISTOGRAM_POINTS,
  hrTimeNow,
  INT_VALUES,
  SUM_POINTS,
} from '../../src/storage/data-model.ts';

test("the data model's values are OpenTelemetry's", () => {
  assert.equal(SUM_POINTS, DataPointType.SUM);
  assert.equal(GAUGE_POINTS, DataPointType.GAUGE);
  assert.equal(HISTOGRAM_POINTS, DataPointType.HISTOGRAM);
  assert.equal(CUMULATIVE, AggregationTemporality.CUMULATIVE);
  assert.equal(DELTA, AggregationTemporality.DELTA);
  assert.equal(INT_VALUES, ValueType.INT);
  assert.equal(DOUBLE_VALUES, ValueType.DOUBLE);
});

test("hrTimeNow() lies between two of @opentelemetry/core's hrTime() taken around it, in range", () => {
  const ns = ([s, n]: readonly [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(n);
  for (let i = 0; i < 1000; i++) {
    const before = hrTime();
    const now = hrTimeNow();
    const after = hrTime();
    assert.ok(Number.isInteger(now[0]) && Number.isInteger(now[1]) && now[1] >= 0 && now[1] < 1e9, String(now));
    assert.ok(ns(before) <= ns(now) && ns(now) <= ns(after), `${before} ${now} ${after}`);
  }
});
