/**
 * The dashboard history's file is written in slices across event-loop turns, and still holds one
 * consistent snapshot: the history as it was when the save began, while samples keep landing
 * between the slices and wrap its rings over slots not written yet.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { savedHistory, syntheticHistory } from '../../bench/series-api.ts';
import { METRICS } from '../../src/contract/metrics.ts';
import type { MetricHistory } from '../../src/dashboard/history.ts';
import { ExportHealth } from '../../src/export/health.ts';
import { decodeState } from '../../src/state/file.ts';
import { StateStore } from '../../src/state/store.ts';
import { InstrumentRegistry } from '../../src/storage/registry.ts';

const INTERVAL = 5;
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A full history: `series` series (gauges, counters, histograms) over `capacity` samples, its ring wrapped once. */
function fullHistory(series: number, capacity: number): MetricHistory {
  const saved = savedHistory(series, capacity, INTERVAL, 1_700_000_000_000) as { taken: number };
  // Wrapped: the next sample overwrites slot 7, not slot 0.
  saved.taken = 2 * capacity + 7;
  return syntheticHistory(series, capacity, { intervalSeconds: INTERVAL }, saved);
}

interface Inner {
  taken: number;
  series: Map<string, { kind: string; name: string; labels: Record<string, string>; bounds?: number[] }>;
}

/**
 * One collection as the dashboard's reader would give it (built by hand: the history reads only
 * these fields): a new value for every series the history holds, and one series it does not hold yet.
 */
function collection(h: MetricHistory, round: number): ResourceMetrics {
  const inner = h as unknown as Inner;
  const metrics = [...inner.series.values()].map((s, i) => {
    const time: [number, number] = [1_800_000_000 + round, 0];
    if (s.kind === 'histogram') {
      const counts = s.bounds!.map((_, b) => round * 10 + b + i);
      counts.push(round);
      return {
        descriptor: { name: s.name, description: '', unit: 's', valueType: 1 },
        aggregationTemporality: 1,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [
          {
            startTime: time,
            endTime: time,
            attributes: s.labels,
            value: { buckets: { boundaries: s.bounds, counts }, count: 0, sum: 0 },
          },
        ],
      };
    }
    return {
      descriptor: { name: s.name, description: '', unit: '1', valueType: 1 },
      aggregationTemporality: 1,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [{ startTime: time, endTime: time, attributes: s.labels, value: 1e6 + round * 1000 + i + 0.5 }],
    };
  });
  metrics.push({
    descriptor: { name: 'balance', description: '', unit: '1', valueType: 1 },
    aggregationTemporality: 1,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [{ startTime: [0, 0], endTime: [0, 0], attributes: { account: `new-${round}` }, value: round + 0.25 }],
  });
  return { resource: {}, scopeMetrics: [{ scope: { name: 'test' }, metrics }] } as unknown as ResourceMetrics;
}

test('a save in pieces while samples land between them is exactly the history at its start (rings wrapped over unwritten series)', (t) => {
  const capacity = 240;
  const h = fullHistory(120, capacity);
  const atStart = JSON.stringify(h.saveState());
  const pieces: string[] = [];
  let longest = 0;
  let round = 0;
  const save = h.saveText();
  for (;;) {
    const t0 = performance.now();
    const piece = save.next();
    longest = Math.max(longest, performance.now() - t0);
    if (piece.done === true) break;
    pieces.push(piece.value);
    // Three collections between pieces: by the end, hundreds of slots of the series not yet written are overwritten.
    for (let k = 0; k < 3; k++) h.sample(collection(h, ++round), 1_800_000_000_000 + round * INTERVAL * 1000);
  }
  t.diagnostic(
    `${pieces.length} pieces, ${round} samples taken during the save, longest piece ${longest.toFixed(2)} ms`,
  );
  assert.ok(pieces.length > 100, `a history of 120 series comes in one piece a series, got ${pieces.length}`);
  assert.ok(round > capacity, 'the samples taken during the save wrapped the whole ring');
  const text = pieces.join('');
  // Not the history now (the test would pass on a copy-free save of an idle history otherwise) ...
  assert.notEqual(JSON.stringify(h.saveState()), atStart);
  // ... but exactly the one at the start, byte for byte.
  assert.equal(text, atStart);
  // And it loads into that history.
  const back = fullHistory(120, capacity);
  back.restoreState(JSON.parse(text));
  assert.equal(JSON.stringify(back.saveState()), atStart);
});

test('a save abandoned half way leaves no copy behind: later samples do not keep values for it', () => {
  const h = fullHistory(20, 60);
  const save = h.saveText();
  save.next();
  save.next();
  save.return();
  const inner = h as unknown as { saving: Set<unknown> };
  assert.equal(inner.saving.size, 0);
  h.sample(collection(h, 1), 1_800_000_005_000);
  assert.equal(inner.saving.size, 0);
});

test('the store writes a full history across many event-loop turns, samples landing meanwhile, and the file restores the history as it was at the start of the write', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'history-slices-'));
  dirs.push(dir);
  const capacity = 720;
  const h = fullHistory(300, capacity);
  const registry = new InstrumentRegistry(1000, () => {});
  const store = new StateStore(
    dir,
    [
      {
        name: 'dashboard.json',
        beforeExport: false,
        parts: [
          {
            name: 'history',
            save: () => h.saveState(),
            saveText: () => h.saveText(),
            restore: (saved) => h.restoreState(saved),
          },
        ],
      },
    ],
    {
      health: new ExportHealth(registry.counter(METRICS.exportFailures, Number.MAX_SAFE_INTEGER), silent),
      restoreFailures: registry.counter(METRICS.stateRestoreFailures, Number.MAX_SAFE_INTEGER),
      logger: silent,
      flushIntervalMs: 60_000,
    },
  );
  store.open();
  const atStart = JSON.stringify({ history: h.saveState() });
  // The bot's event loop meanwhile: a turn that samples the history, and measures the gaps between its turns.
  let turns = 0;
  let longestGap = 0;
  let running = true;
  let last = performance.now();
  const loop = () => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    turns++;
    if (turns % 2 === 0) h.sample(collection(h, turns), 1_800_000_000_000 + turns * INTERVAL * 1000);
    if (running) setImmediate(loop);
  };
  setImmediate(loop);
  await store.persistAll();
  running = false;
  t.diagnostic(
    `the write took ${turns} event-loop turns; the longest gap between two turns ${longestGap.toFixed(1)} ms`,
  );
  assert.ok(turns > 1, `a full history is written over several turns, got ${turns}`);
  const { body } = decodeState(await readFile(join(dir, 'dashboard.json')));
  assert.equal(JSON.stringify(body), atStart);
  assert.notEqual(JSON.stringify({ history: h.saveState() }), atStart, 'samples landed during the write');
  // Once the samples stop, the next write is the history now; the one after it is skipped (the digest of the pieces tells).
  await store.persistAll();
  const now = await readFile(join(dir, 'dashboard.json'));
  assert.equal(JSON.stringify(decodeState(now).body), JSON.stringify({ history: h.saveState() }));
  await store.persistAll();
  assert.deepEqual(await readFile(join(dir, 'dashboard.json')), now);
  store.release();
});
