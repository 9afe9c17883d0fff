import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { isTempFile } from '../../src/export/atomic-file.ts';
import { FileMetricExporter, type FileExportFormat } from '../../src/export/file-exporter.ts';
import type { Snapshot } from '../../src/export/snapshot.ts';
import { largeMetrics, RecordingLogger } from '../fixtures/export/metrics.ts';

const WRITER = new URL('../fixtures/export/crash-writer.ts', import.meta.url).pathname;
const SERIES = 2000;
const KILLS = 6;
/** More kills, up to this many, until one lands mid-write in the snapshot format (about half do). */
const MAX_KILLS = 16;
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Starts the writer with this process's Node flags, waits for its first snapshot, lets it run `ms`, then SIGKILLs it. */
async function runAndKill(directory: string, format: FileExportFormat, ms: number): Promise<void> {
  const flags = process.execArgv.filter((a) => !a.startsWith('--test'));
  const child = spawn(process.execPath, [...flags, WRITER, directory, format], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

/** A snapshot of `largeMetrics` is complete when both metrics carry every series. */
function assertCompleteSnapshot(text: string, name: string): Snapshot {
  const snapshot = JSON.parse(text) as Snapshot;
  assert.deepEqual(
    snapshot.metrics.map((m) => [m.name, m.points.length]),
    [
      ['orders_total', SERIES],
      ['fill_latency', SERIES],
    ],
    name,
  );
  return snapshot;
}

async function crashLoop(t: TestContext, format: FileExportFormat): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `crash-${format}-`));
  dirs.push(dir);
  let killedMidWrite = 0;
  let tornLines = 0;
  let kills = 0;
  // The writer does nothing but export, so every kill is mid-export; a temporary file proves it was mid-file-write.
  while (kills < KILLS || (format === 'snapshot' && killedMidWrite === 0 && kills < MAX_KILLS)) {
    await runAndKill(dir, format, 15 + 23 * (kills % 6));
    kills++;
    const names = await readdir(dir);
    let torn = false;
    for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
      if (!(await readFile(join(dir, name), 'utf8')).endsWith('\n')) torn = true;
    }
    if (torn) tornLines++;
    if (torn || names.some(isTempFile)) killedMidWrite++;
    // Right after the kill, before any repair: every snapshot a glob finds is whole.
    for (const name of names.filter((n) => n === 'latest.json' || /^metrics-.*\.json$/.test(n))) {
      assertCompleteSnapshot(await readFile(join(dir, name), 'utf8'), name);
    }
  }
  t.diagnostic(
    `${format}: ${killedMidWrite} of ${kills} kills landed mid-file-write (temporary file left${format === 'otlp' ? `, or a partial last line: ${tornLines}` : ''})`,
  );
  if (format === 'snapshot') {
    assert.ok(killedMidWrite > 0, 'at least one SIGKILL landed mid-write');
  } else {
    // A SIGKILL does not split one write(2) to a local file, so torn lines come from full disks and
    // power cuts; file-exporter.test.ts provokes one with a real full tmpfs.
    t.diagnostic(
      'otlp: a SIGKILL cannot split the single write(2) of a line; the torn-line repair is proven with ENOSPC and a prefabricated partial line',
    );
  }
  return dir;
}

test('SIGKILL mid-export never leaves a partial snapshot; the next start removes the temporary files', async (t) => {
  const dir = await crashLoop(t, 'snapshot');
  const e = new FileMetricExporter(
    { directory: dir, format: 'snapshot', maxFiles: 20, maxAgeHours: undefined },
    { logger: new RecordingLogger(), onFailure() {} },
  );
  await e.write(await largeMetrics(SERIES));
  const names = await readdir(dir);
  assert.deepEqual(
    names.filter((n) => n.startsWith('.')),
    [],
    'no temporary file after the next start',
  );
  assert.ok(names.filter((n) => n.startsWith('metrics-')).length > KILLS);
  for (const name of names) assertCompleteSnapshot(await readFile(join(dir, name), 'utf8'), name);
});

test('SIGKILL mid-append leaves at most a partial last line, removed at the next append; every other line is a whole request', async (t) => {
  const dir = await crashLoop(t, 'otlp');
  const e = new FileMetricExporter(
    { directory: dir, format: 'otlp', maxFiles: 20, maxAgeHours: undefined },
    { logger: new RecordingLogger(), onFailure() {} },
  );
  await e.write(await largeMetrics(SERIES));
  const names = await readdir(dir);
  assert.deepEqual(
    names.filter((n) => n.startsWith('.')),
    [],
    'no temporary file after the next start',
  );
  let lines = 0;
  for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
    const text = await readFile(join(dir, name), 'utf8');
    assert.ok(text.endsWith('\n'), `${name} ends with a complete line`);
    for (const line of text.slice(0, -1).split('\n')) {
      const request = JSON.parse(line);
      assert.deepEqual(
        request.resourceMetrics[0].scopeMetrics[0].metrics.map((m: { name: string }) => m.name),
        ['orders', 'fill_latency'],
      );
      lines++;
    }
  }
  assert.ok(lines > KILLS, `${lines} whole requests`);
  assertCompleteSnapshot(await readFile(join(dir, 'latest.json'), 'utf8'), 'latest.json');
});
