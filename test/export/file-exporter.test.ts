import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, InstrumentType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { nodeFileSystem, type ExportFileSystem } from '../../src/export/atomic-file.ts';
import {
  FileMetricExporter,
  prepareExportDirectory,
  type FileExporterOptions,
  type FileExportFailureReason,
} from '../../src/export/file-exporter.ts';
import { MonitoringConfigError } from '../../src/core/errors.ts';
import { largeMetrics, RecordingLogger, sampleMetrics } from '../fixtures/export/metrics.ts';
import { mountTmpfs, unmountAll } from '../helpers/tmpfs.ts';

let sample: ResourceMetrics;
let large: ResourceMetrics;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
const dirs: string[] = [];

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  sample = await sampleMetrics();
  large = await largeMetrics(2000);
});

after(async () => {
  unmountAll();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, [], 'no unhandled rejection during the file exporter tests');
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'file-exporter-'));
  dirs.push(dir);
  return dir;
}

/** node:fs/promises, except that every call fails with `code` while one is set. */
function faultyFs(): { fs: ExportFileSystem; failWith(code: string | undefined): void } {
  let failing: string | undefined;
  const guard =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (failing !== undefined) throw Object.assign(new Error(`${failing}: injected failure`), { code: failing });
      return f(...args);
    };
  const fs = {
    mkdir: guard(nodeFileSystem.mkdir),
    open: guard(nodeFileSystem.open),
    rename: guard(nodeFileSystem.rename),
    unlink: guard(nodeFileSystem.unlink),
    readdir: guard(nodeFileSystem.readdir),
    truncate: guard(nodeFileSystem.truncate),
  } as ExportFileSystem;
  return {
    fs,
    failWith: (code) => {
      failing = code;
    },
  };
}

function exporter(
  options: Partial<FileExporterOptions> & { directory: string },
  internals: ConstructorParameters<typeof FileMetricExporter>[2] = {},
) {
  const logger = new RecordingLogger();
  const failures: FileExportFailureReason[] = [];
  const e = new FileMetricExporter(
    { format: 'snapshot', maxFiles: undefined, maxAgeHours: undefined, maxBytes: undefined, ...options },
    {
      logger,
      onFailure: (reason) => {
        failures.push(reason);
      },
    },
    internals,
  );
  return { exporter: e, logger, failures };
}

function exportVia(e: FileMetricExporter, metrics: ResourceMetrics): Promise<ExportResult> {
  return new Promise((resolve) => e.export(metrics, resolve));
}

/** A clock that returns the given instants in turn, then keeps the last. */
function clock(...isos: string[]): () => Date {
  let i = 0;
  return () => new Date(isos[Math.min(i++, isos.length - 1)]!);
}

const listing = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();
const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));

test('selects cumulative temporality for every instrument', async () => {
  const { exporter: e } = exporter({ directory: await tempDir() });
  for (const type of Object.values(InstrumentType))
    assert.equal(e.selectAggregationTemporality(type), AggregationTemporality.CUMULATIVE);
});

test('snapshot format: one timestamped file per export plus latest.json, both the returned snapshot, no temporary file left', async () => {
  const dir = await tempDir();
  const { exporter: e } = exporter({ directory: dir }, { now: clock('2026-11-26T19:16:43.123Z') });
  const snapshot = await e.write(sample);
  assert.deepEqual(await listing(dir), ['latest.json', 'metrics-20261126T191643.123Z.json']);
  assert.deepEqual(
    await readJson(join(dir, 'metrics-20261126T191643.123Z.json')),
    JSON.parse(JSON.stringify(snapshot)),
  );
  assert.deepEqual(await readJson(join(dir, 'latest.json')), JSON.parse(JSON.stringify(snapshot)));
  assert.equal(snapshot.timestamp, '2026-11-26T19:16:43.123Z');
  assert.deepEqual(
    snapshot.metrics.map((m) => m.name),
    ['trading_signals_total', 'system_processes', 'open_positions', 'portfolio_value', 'api_latency'],
  );
});

test('exports in the same millisecond get distinct names that sort in write order', async () => {
  const dir = await tempDir();
  const times = [
    '2026-11-26T19:16:43.123Z',
    '2026-11-26T19:16:43.123Z',
    '2026-11-26T19:16:43.123Z',
    '2026-11-26T19:16:43.124Z',
  ];
  const { exporter: e } = exporter({ directory: dir }, { now: clock(...times) });
  const written: string[] = [];
  for (let i = 0; i < times.length; i++) written.push((await e.write(sample)).timestamp);
  const names = (await listing(dir)).filter((n) => n.startsWith('metrics-'));
  assert.deepEqual(names, [
    'metrics-20261126T191643.123Z.json',
    'metrics-20261126T191643.123Z_001.json',
    'metrics-20261126T191643.123Z_002.json',
    'metrics-20261126T191643.124Z.json',
  ]);
  assert.deepEqual([...names].sort(), names);
  assert.deepEqual(written, times);
});

test('writes are serialized; forceFlush waits for them; export() reports SUCCESS', async () => {
  const dir = await tempDir();
  let active = 0;
  let maxActive = 0;
  const fs: ExportFileSystem = {
    ...nodeFileSystem,
    open: (async (...args: Parameters<ExportFileSystem['open']>) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 5));
      try {
        return await nodeFileSystem.open(...args);
      } finally {
        active--;
      }
    }) as ExportFileSystem['open'],
  };
  const { exporter: e } = exporter({ directory: dir }, { fs });
  const order: number[] = [];
  const writes = [1, 2, 3].map((n) =>
    e.write(sample).then(() => {
      order.push(n);
    }),
  );
  const results = [exportVia(e, sample), exportVia(e, sample)];
  await e.forceFlush();
  assert.deepEqual(order, [1, 2, 3], 'writes finished in call order before forceFlush resolved');
  assert.equal(maxActive, 1, "no open of one write overlaps another write's (each open is delayed 5 ms)");
  await Promise.all(writes);
  for (const r of await Promise.all(results)) assert.equal(r.code, ExportResultCode.SUCCESS);
  assert.equal((await listing(dir)).filter((n) => n.startsWith('metrics-')).length, 5);
});

test('retention: maxFiles keeps the newest by name, stray temporary files go at start, other files stay', async () => {
  const dir = await tempDir();
  const old = [
    'metrics-20260101T000000.000Z.json',
    'metrics-20260102T000000.000Z.json',
    'metrics-20260103T000000.000Z.json',
  ];
  for (const n of [...old, 'notes.txt', '.metrics-20260103T000000.000Z.json.999.1.tmp'])
    await writeFile(join(dir, n), '{}');
  const times = ['2026-11-26T00:00:00.000Z', '2026-11-26T00:00:01.000Z'];
  const { exporter: e } = exporter({ directory: dir, maxFiles: 2 }, { now: clock(...times) });
  await e.write(sample);
  assert.deepEqual(await listing(dir), [
    'latest.json',
    'metrics-20260103T000000.000Z.json',
    'metrics-20261126T000000.000Z.json',
    'notes.txt',
  ]);
  await e.write(sample);
  assert.deepEqual(await listing(dir), [
    'latest.json',
    'metrics-20261126T000000.000Z.json',
    'metrics-20261126T000001.000Z.json',
    'notes.txt',
  ]);
});

test('retention: maxAgeHours deletes files older than the limit at each export', async () => {
  const dir = await tempDir();
  for (const n of ['metrics-20261126T080000.000Z.json', 'metrics-20261126T103000.000Z.json'])
    await writeFile(join(dir, n), '{}');
  const { exporter: e } = exporter(
    { directory: dir, maxAgeHours: 2 },
    { now: clock('2026-11-26T12:00:00.000Z', '2026-11-26T12:31:00.000Z') },
  );
  await e.write(sample);
  assert.deepEqual(await listing(dir), [
    'latest.json',
    'metrics-20261126T103000.000Z.json',
    'metrics-20261126T120000.000Z.json',
  ]);
  await e.write(sample);
  assert.deepEqual(await listing(dir), [
    'latest.json',
    'metrics-20261126T120000.000Z.json',
    'metrics-20261126T123100.000Z.json',
  ]);
});

test('otlp format: one ExportMetricsServiceRequest per line in a daily file; latest.json holds the snapshot', async () => {
  const dir = await tempDir();
  const { exporter: e } = exporter(
    { directory: dir, format: 'otlp', maxFiles: 2 },
    {
      now: clock(
        '2026-11-25T23:59:59.000Z',
        '2026-11-26T00:00:01.000Z',
        '2026-11-26T00:01:01.000Z',
        '2026-11-27T00:00:00.000Z',
      ),
    },
  );
  await e.write(sample);
  await e.write(sample);
  const snapshot = await e.write(sample);
  assert.deepEqual(await listing(dir), ['latest.json', 'metrics-2026-11-25.jsonl', 'metrics-2026-11-26.jsonl']);
  assert.deepEqual(await readJson(join(dir, 'latest.json')), JSON.parse(JSON.stringify(snapshot)));
  const text = await readFile(join(dir, 'metrics-2026-11-26.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines.length, 2);
  for (const line of lines) {
    const request = JSON.parse(line);
    const metrics = request.resourceMetrics[0].scopeMetrics[0].metrics;
    assert.deepEqual(
      request.resourceMetrics[0].resource.attributes.find((a: { key: string }) => a.key === 'service.name'),
      { key: 'service.name', value: { stringValue: 'bot' } },
    );
    assert.equal(request.resourceMetrics[0].scopeMetrics[0].scope.name, 'test-scope');
    assert.deepEqual(
      metrics.map((m: { name: string }) => m.name),
      ['trading_signals', 'system.process.count', 'open_positions', 'portfolio_value', 'api_latency'],
    );
    const signals = metrics[0].sum;
    assert.equal(signals.isMonotonic, true);
    assert.equal(signals.aggregationTemporality, 2, 'CUMULATIVE');
    assert.deepEqual(
      signals.dataPoints.map((p: { asDouble: number }) => p.asDouble),
      [3, 2],
    );
    assert.equal(metrics[3].gauge.dataPoints[0].asDouble, 1234.5);
    const h = metrics[4].histogram.dataPoints[0];
    assert.deepEqual([h.explicitBounds, h.bucketCounts, h.count, h.sum], [[0.1, 0.5, 1], [1, 2, 1, 1], 5, 6.25]);
  }
  // The next day's file makes three; maxFiles 2 drops the oldest day.
  await e.write(sample);
  assert.deepEqual(await listing(dir), ['latest.json', 'metrics-2026-11-26.jsonl', 'metrics-2026-11-27.jsonl']);
});

/** Sizes of the export files (`metrics-*`) of `dir`, by name. */
async function exportFileSizes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await listing(dir))
    if (name.startsWith('metrics-')) out.set(name, (await readFile(join(dir, name))).length);
  return out;
}
const total = (sizes: Map<string, number>) => [...sizes.values()].reduce((a, b) => a + b, 0);

test('retention: maxBytes keeps the newest snapshots that fit, oldest first, counting files found at start', async () => {
  const dir = await tempDir();
  const probe = await tempDir();
  await exporter({ directory: probe }).exporter.write(sample);
  const size = (await exportFileSizes(probe)).values().next().value!;
  // Two old files from a previous run, as big as a snapshot, and files that are not ours.
  for (const n of ['metrics-20260101T000000.000Z.json', 'metrics-20260102T000000.000Z.json'])
    await writeFile(join(dir, n), 'x'.repeat(size));
  await writeFile(join(dir, 'notes.txt'), 'x'.repeat(5 * size));
  // Room for two snapshots.
  const maxBytes = 2 * size + 10;
  const times = Array.from({ length: 6 }, (_, i) => `2026-11-26T00:00:0${i}.000Z`);
  const { exporter: e } = exporter({ directory: dir, maxBytes }, { now: clock(...times) });
  await e.write(sample);
  assert.deepEqual(
    [...(await exportFileSizes(dir)).keys()],
    ['metrics-20260102T000000.000Z.json', 'metrics-20261126T000000.000Z.json'],
    'the oldest file found at start went first',
  );
  for (let i = 1; i < 6; i++) {
    await e.write(sample);
    const sizes = await exportFileSizes(dir);
    assert.ok(total(sizes) <= maxBytes, `${total(sizes)} bytes after export ${i}, budget ${maxBytes}`);
    assert.ok(sizes.has(`metrics-20261126T00000${i}.000Z.json`), 'the newest is kept');
  }
  assert.deepEqual(
    [...(await exportFileSizes(dir)).keys()],
    ['metrics-20261126T000004.000Z.json', 'metrics-20261126T000005.000Z.json'],
  );
  const rest = await listing(dir);
  assert.ok(rest.includes('latest.json') && rest.includes('notes.txt'), 'latest.json and foreign files stay');
});

test('retention: a snapshot bigger than maxBytes alone is still written and kept, the older ones go', async () => {
  const dir = await tempDir();
  const { exporter: e } = exporter(
    { directory: dir, maxBytes: 100 },
    { now: clock('2026-11-26T00:00:00.000Z', '2026-11-26T00:00:01.000Z') },
  );
  await e.write(sample);
  await e.write(sample);
  assert.deepEqual([...(await exportFileSizes(dir)).keys()], ['metrics-20261126T000001.000Z.json']);
});

test('otlp format with maxBytes: a day over the budget is cut into parts and loses its oldest parts; every line stays whole', async () => {
  const dir = await tempDir();
  const probe = await tempDir();
  await exporter({ directory: probe, format: 'otlp' }, { now: clock('2026-11-26T00:00:00.000Z') }).exporter.write(
    sample,
  );
  const line = (await exportFileSizes(probe)).get('metrics-2026-11-26.jsonl')!;
  // Parts of a sixteenth of the budget: two and a half lines, so two lines each.
  const maxBytes = 16 * Math.floor(2.5 * line);
  const times = [
    '2026-11-25T23:59:00.000Z',
    ...Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2026, 10, 26, 0, i)).toISOString()),
  ];
  const { exporter: e } = exporter({ directory: dir, format: 'otlp', maxBytes }, { now: clock(...times) });
  for (let i = 0; i < times.length; i++) {
    await e.write(sample);
    const sizes = await exportFileSizes(dir);
    assert.ok(total(sizes) <= maxBytes, `${total(sizes)} bytes after export ${i}, budget ${maxBytes}`);
  }
  const sizes = await exportFileSizes(dir);
  const names = [...sizes.keys()];
  assert.ok(!names.includes('metrics-2026-11-25.jsonl'), "yesterday's file went first");
  assert.ok(!names.includes('metrics-2026-11-26.jsonl'), "then today's oldest parts");
  assert.equal(names.at(-1), 'metrics-2026-11-26_029.jsonl', '60 lines of today, two a part: parts 0 to 29');
  assert.ok(names.length >= 14, `${names.length} parts kept: the budget is used, not emptied`);
  for (const [name, bytes] of sizes) {
    assert.ok(bytes <= maxBytes / 16, `${name}: ${bytes} bytes, a part is at most a sixteenth of the budget`);
    const text = await readFile(join(dir, name), 'utf8');
    for (const l of text.slice(0, -1).split('\n')) JSON.parse(l);
  }
});

test('otlp format with maxBytes: a restarted exporter appends to the newest part of the day', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'metrics-2026-11-26.jsonl'), '{"resourceMetrics":[]}\n');
  await writeFile(join(dir, 'metrics-2026-11-26_002.jsonl'), '{"resourceMetrics":[]}\n');
  const { exporter: e } = exporter(
    { directory: dir, format: 'otlp', maxBytes: 1024 * 1024 },
    { now: clock('2026-11-26T10:00:00.000Z') },
  );
  await e.write(sample);
  const sizes = await exportFileSizes(dir);
  assert.equal(sizes.get('metrics-2026-11-26.jsonl'), 23, 'the first part is left alone');
  assert.equal((await readFile(join(dir, 'metrics-2026-11-26_002.jsonl'), 'utf8')).split('\n').length, 3);
});

test('otlp format: a partial last line left by a crash is truncated before the next append', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'metrics-2026-11-26.jsonl'), '{"resourceMetrics":[]}\n{"resourceMetrics":[{"resou');
  const { exporter: e } = exporter({ directory: dir, format: 'otlp' }, { now: clock('2026-11-26T10:00:00.000Z') });
  await e.write(sample);
  await e.write(sample);
  const lines = (await readFile(join(dir, 'metrics-2026-11-26.jsonl'), 'utf8')).split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 3);
  for (const line of lines) JSON.parse(line);
});

test('shutdown waits for the write in progress, then writes are refused and export() reports FAILED', async () => {
  const dir = await tempDir();
  const { exporter: e, failures } = exporter({ directory: dir });
  const pending = e.write(sample);
  await e.shutdown();
  await pending;
  await assert.rejects(e.write(sample), /shut down/);
  assert.equal((await exportVia(e, sample)).code, ExportResultCode.FAILED);
  assert.deepEqual(failures, [], 'refusal after shutdown is not a file-system failure');
});

/** Asserts the failure contract: FAILED via export(), onFailure each time, one warning naming directory and code. */
async function assertFailsTwiceLogsOnce(
  e: FileMetricExporter,
  logger: RecordingLogger,
  failures: FileExportFailureReason[],
  dir: string,
  metrics: ResourceMetrics,
  reason: FileExportFailureReason,
  code: string,
): Promise<void> {
  const first = await exportVia(e, metrics);
  assert.equal(first.code, ExportResultCode.FAILED);
  assert.equal((first.error as NodeJS.ErrnoException).code, code);
  await assert.rejects(e.write(metrics), { code });
  assert.deepEqual(failures, [reason, reason]);
  const warnings = logger.of('warn');
  assert.equal(warnings.length, 1, `one warning per reason, got ${JSON.stringify(warnings)}`);
  assert.match(warnings[0]!, new RegExp(`${dir}.*${code}.*${reason}`));
}

test('ENOSPC (real tmpfs of 64 KiB when mountable): no_space, logged once, nothing partial left, next small export succeeds', async (t: TestContext) => {
  const dir = await tempDir();
  const real = mountTmpfs(dir, '64k');
  const faulty = faultyFs();
  if (!real) {
    t.diagnostic('cannot mount tmpfs (not root or mount refused): ENOSPC is INJECTED at the fs facade instead');
    faulty.failWith('ENOSPC');
  }
  const { exporter: e, logger, failures } = exporter({ directory: dir }, real ? {} : { fs: faulty.fs });
  await assertFailsTwiceLogsOnce(e, logger, failures, dir, large, 'no_space', 'ENOSPC');
  assert.deepEqual(await listing(dir), [], 'no partial or temporary file left on the full disk');
  faulty.failWith(undefined);
  assert.equal((await exportVia(e, sample)).code, ExportResultCode.SUCCESS);
  assert.equal((await listing(dir)).length, 2);
  for (const name of await listing(dir)) await readJson(join(dir, name));
});

test('otlp ENOSPC mid-append (real tmpfs of 64 KiB when mountable): the partial line is truncated, earlier lines stay whole', async (t: TestContext) => {
  const dir = await tempDir();
  const real = mountTmpfs(dir, '64k');
  const faulty = faultyFs();
  const { exporter: e, failures } = exporter(
    { directory: dir, format: 'otlp' },
    real ? { now: clock('2026-11-26T10:00:00.000Z') } : { fs: faulty.fs, now: clock('2026-11-26T10:00:00.000Z') },
  );
  await e.write(sample);
  if (!real) {
    t.diagnostic(
      'cannot mount tmpfs (not root or mount refused): ENOSPC is INJECTED at the fs facade instead (no partial write happens then)',
    );
    faulty.failWith('ENOSPC');
  }
  await assert.rejects(e.write(large), { code: 'ENOSPC' });
  assert.deepEqual(failures, ['no_space']);
  faulty.failWith(undefined);
  await e.write(sample);
  const text = await readFile(join(dir, 'metrics-2026-11-26.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines.length, 2, 'the two small requests, nothing of the large one');
  for (const line of lines) JSON.parse(line);
});

test('EROFS (real read-only remount when mountable): read_only, logged once, retried after remounting read-write', async (t: TestContext) => {
  const dir = await tempDir();
  const real = mountTmpfs(dir, '4m');
  const faulty = faultyFs();
  const { exporter: e, logger, failures } = exporter({ directory: dir }, real ? {} : { fs: faulty.fs });
  await e.write(sample);
  if (real) {
    execFileSync('mount', ['-o', 'remount,ro', dir]);
  } else {
    t.diagnostic('cannot mount tmpfs (not root or mount refused): EROFS is INJECTED at the fs facade instead');
    faulty.failWith('EROFS');
  }
  await assertFailsTwiceLogsOnce(e, logger, failures, dir, sample, 'read_only', 'EROFS');
  if (real) execFileSync('mount', ['-o', 'remount,rw', dir]);
  else faulty.failWith(undefined);
  assert.equal((await exportVia(e, sample)).code, ExportResultCode.SUCCESS);
  assert.equal((await listing(dir)).filter((n) => n.startsWith('metrics-')).length, 2);
});

test('EACCES (INJECTED: root ignores file modes, so chmod cannot provoke it): permission, logged once, retried', async () => {
  const dir = await tempDir();
  const faulty = faultyFs();
  const { exporter: e, logger, failures } = exporter({ directory: dir }, { fs: faulty.fs });
  faulty.failWith('EACCES');
  await assertFailsTwiceLogsOnce(e, logger, failures, dir, sample, 'permission', 'EACCES');
  faulty.failWith('EPERM');
  await assert.rejects(e.write(sample), { code: 'EPERM' });
  assert.deepEqual(failures, ['permission', 'permission', 'permission']);
  assert.equal(logger.of('warn').length, 1, 'EPERM is the same reason: not logged again');
  faulty.failWith(undefined);
  await e.write(sample);
  assert.equal((await listing(dir)).length, 2);
});

test('directory removed between exports (real): missing_directory, then recreated with one log line', async () => {
  const parent = await tempDir();
  const dir = join(parent, 'exports');
  const { exporter: e, logger, failures } = exporter({ directory: dir, maxFiles: 5 });
  await e.write(sample);
  await rm(dir, { recursive: true });
  const result = await exportVia(e, sample);
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.deepEqual(failures, ['missing_directory']);
  assert.match(logger.of('warn')[0]!, new RegExp(`${dir}.*ENOENT.*missing_directory`));
  assert.equal((await exportVia(e, sample)).code, ExportResultCode.SUCCESS);
  assert.deepEqual(logger.of('info'), [`metrics export directory ${dir} had disappeared; recreated it`]);
  assert.equal((await listing(dir)).length, 2);
});

test('directory replaced by a regular file (real ENOTDIR): missing_directory until it is a directory again', async () => {
  const parent = await tempDir();
  const dir = join(parent, 'exports');
  const { exporter: e, logger, failures } = exporter({ directory: dir });
  await e.write(sample);
  await rm(dir, { recursive: true });
  await writeFile(dir, 'not a directory');
  await assert.rejects(e.write(sample), { code: 'ENOTDIR' });
  await assert.rejects(e.write(sample), { code: 'EEXIST' }, 'mkdir of the path finds the file');
  assert.deepEqual(failures, ['missing_directory', 'missing_directory']);
  assert.equal(logger.of('warn').length, 1);
  await rm(dir);
  await e.write(sample);
  assert.equal((await listing(dir)).length, 2);
});

test('a throwing onFailure hook or result callback never escapes export()', async () => {
  const dir = await tempDir();
  const faulty = faultyFs();
  faulty.failWith('EIO');
  const logger = new RecordingLogger();
  const e = new FileMetricExporter(
    { directory: dir, format: 'snapshot', maxFiles: undefined, maxAgeHours: undefined },
    {
      logger,
      onFailure: () => {
        throw new Error('hook bug');
      },
    },
    { fs: faulty.fs },
  );
  await new Promise<void>((resolve) =>
    e.export(sample, () => {
      setImmediate(resolve);
      throw new Error('callback bug');
    }),
  );
  await e.forceFlush();
  assert.match(logger.of('warn')[0]!, /EIO \(io_error\)/);
  assert.match(logger.of('error')[0]!, /callback bug/);
});

test('prepareExportDirectory creates nested directories and leaves no probe behind', async () => {
  const dir = join(await tempDir(), 'a', 'b');
  await prepareExportDirectory(dir);
  assert.deepEqual(await readdir(dir), []);
});

test('prepareExportDirectory rejects a path under a regular file (real ENOTDIR) and a path that is a file', async () => {
  const parent = await tempDir();
  await writeFile(join(parent, 'file'), '');
  await assert.rejects(prepareExportDirectory(join(parent, 'file', 'sub')), (error: unknown) => {
    assert.ok(error instanceof MonitoringConfigError);
    assert.equal(error.option, 'exportDirectory');
    assert.match(error.message, new RegExp(`"${join(parent, 'file', 'sub')}".*ENOTDIR`));
    return true;
  });
  await assert.rejects(
    prepareExportDirectory(join(parent, 'file')),
    /EEXIST \(the path exists and is not a directory\)/,
  );
});

test('prepareExportDirectory rejects a read-only directory (real read-only tmpfs when mountable)', async (t: TestContext) => {
  const dir = await tempDir();
  const real = mountTmpfs(dir, '64k');
  const faulty = faultyFs();
  if (real) {
    execFileSync('mount', ['-o', 'remount,ro', dir]);
  } else {
    t.diagnostic('cannot mount tmpfs (not root or mount refused): EROFS is INJECTED at the fs facade instead');
    faulty.failWith('EROFS');
  }
  await assert.rejects(prepareExportDirectory(dir, real ? undefined : faulty.fs), (error: unknown) => {
    assert.ok(error instanceof MonitoringConfigError);
    assert.equal(error.option, 'exportDirectory');
    assert.match(error.message, new RegExp(`"${dir}".*EROFS`));
    return true;
  });
});

test('prepareExportDirectory rejects EACCES (INJECTED: root ignores file modes)', async () => {
  const dir = await tempDir();
  await mkdir(dir, { recursive: true });
  const faulty = faultyFs();
  faulty.failWith('EACCES');
  await assert.rejects(prepareExportDirectory(dir, faulty.fs), (error: unknown) => {
    assert.ok(error instanceof MonitoringConfigError);
    assert.match(error.message, new RegExp(`"${dir}".*EACCES`));
    return true;
  });
});
