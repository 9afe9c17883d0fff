/**
 * The dashboard history in its state file: the compact encoding (base64 of float64, the filled
 * part only) gives back exactly the buffers it saved, gaps and never-sampled slots included, and a
 * history saved in the plain JSON of earlier releases still loads into the same history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { savedHistory } from '../../bench/series-api.ts';
import { MetricHistory } from '../../src/dashboard/history.ts';
import { DASHBOARD_DEFAULTS } from '../../src/dashboard/options.ts';
import { StateMismatchError } from '../../src/analytics/state.ts';

const INTERVAL = 5;
const END = 1_700_000_000_000;
const silent = { info: () => {}, warn: () => {}, error: () => {} };

function history(capacity: number): MetricHistory {
  return new MetricHistory({
    ...DASHBOARD_DEFAULTS,
    intervalSeconds: INTERVAL,
    historyMinutes: (capacity * INTERVAL) / 60,
    maxSlots: 1_000_000,
    logger: silent,
  });
}

interface PlainSeries {
  values?: (number | null)[];
  counts?: (number | null)[];
}
interface Plain {
  capacity: number;
  taken: number;
  timestamps: number[];
  series: PlainSeries[];
}

/**
 * A history in the plain format of earlier releases, `taken` samples into a ring of `capacity`
 * (so the unfilled slots hold null, and timestamp 0), with gaps, values that need all 17 digits,
 * -0, infinities and the extremes of float64.
 */
function plainHistory(capacity: number, taken: number): Plain {
  const saved = savedHistory(40, capacity, INTERVAL, END) as Plain;
  saved.taken = taken;
  const filled = Math.min(taken, capacity);
  for (let i = filled; i < capacity; i++) saved.timestamps[i] = 0;
  const odd = [0.1 + 0.2, -0, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, 1 / 3];
  for (const [k, s] of saved.series.entries()) {
    const list = (s.values ?? s.counts)!;
    const width = list.length / capacity;
    for (let i = filled * width; i < list.length; i++) list[i] = null;
    if (s.values !== undefined) {
      for (let i = k % 5; i < filled; i += 7) s.values[i] = null;
      for (const [j, v] of odd.entries()) if (j < filled) s.values[j] = v;
    }
  }
  return saved;
}

/** Every value of every buffer as its float64 bytes (NaN and -0 told apart), read through the private fields. */
function buffers(h: MetricHistory): string[] {
  const inner = h as unknown as {
    timestamps: Float64Array;
    series: Map<string, { values?: Float64Array; counts?: Float64Array }>;
  };
  const hex = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  return [hex(inner.timestamps), ...[...inner.series.values()].map((s) => hex((s.values ?? s.counts)!))];
}

for (const [capacity, taken] of [
  [300, 120],
  [300, 300],
  [300, 1234],
] as const) {
  test(`a history ${taken} samples into ${capacity}: saved compactly, restored identical; the plain format of earlier releases loads the same`, () => {
    const plain = plainHistory(capacity, taken);
    const fromPlain = history(capacity);
    fromPlain.restoreState(plain);
    const compact = fromPlain.saveState() as { encoding: string; timestamps: unknown; series: { values?: unknown }[] };
    assert.equal(compact.encoding, 'filled:deltas|f64le-base64');
    // Only the filled part is written.
    // Only the filled part is written; integers (timestamps) as deltas, other values as float64 bytes.
    assert.ok(Array.isArray(compact.timestamps));
    assert.equal(compact.timestamps.length, Math.min(taken, capacity));
    assert.ok(compact.series.some((x) => typeof x.values === 'string'));
    const restored = history(capacity);
    // Through JSON, as the state file does.
    restored.restoreState(JSON.parse(JSON.stringify(compact)));
    assert.deepEqual(buffers(restored), buffers(fromPlain));
    assert.deepEqual(restored.query(), fromPlain.query());
    assert.deepEqual(restored.query({ points: 50 }), fromPlain.query({ points: 50 }));
    // The plain values themselves came through, null as NaN.
    const firstValues = fromPlain.query({ points: capacity }).series.find((s) => 'values' in s);
    assert.ok(firstValues !== undefined);
    const plainText = JSON.stringify(plain).length;
    const compactText = JSON.stringify(compact).length;
    assert.ok(compactText < plainText, `compact ${compactText} bytes, plain ${plainText}`);
  });
}

test('a compact history of the wrong length or encoding is refused (that part starts fresh)', () => {
  const h = history(300);
  h.restoreState(plainHistory(300, 100));
  const saved = JSON.parse(JSON.stringify(h.saveState())) as { encoding: string; series: { values?: string }[] };
  const short = structuredClone(saved);
  const s = short.series.find((x) => typeof x.values === 'string')!;
  s.values = Buffer.from(s.values!, 'base64').subarray(8).toString('base64');
  const fewer = structuredClone(saved) as unknown as { timestamps: number[] };
  fewer.timestamps.pop();
  assert.throws(() => history(300).restoreState(fewer), StateMismatchError);
  assert.throws(() => history(300).restoreState(short), StateMismatchError);
  assert.throws(() => history(300).restoreState({ ...saved, encoding: 'f32' }), StateMismatchError);
  const numbers = structuredClone(saved) as unknown as { series: { values?: unknown }[] };
  numbers.series.find((x) => x.values !== undefined)!.values = { not: 'a buffer' };
  assert.throws(() => history(300).restoreState(numbers), StateMismatchError);
});
