import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { MonitoringConfigError } from '../../src/index.ts';
import { driveEverything } from '../helpers/drive.ts';
import { find } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'evil2root-snapshots-'));
  dirs.push(dir);
  return dir;
}
afterEach(stopAll);
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const snapshotFiles = async (dir: string) => (await readdir(dir)).filter((f) => /^metrics-.*\.json$/.test(f)).sort();

test('exportDirectory: snapshots every interval, the directory created, latest.json the newest', async () => {
  const dir = join(await tempDir(), 'nested', 'metrics');
  const { monitoring } = await start({ exportDirectory: dir, exportIntervalSeconds: 0.1 });
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  while ((await snapshotFiles(dir).catch(() => [])).length < 3) await new Promise((r) => setTimeout(r, 50));
  await monitoring.shutdown();
  const files = await snapshotFiles(dir);
  const newest = JSON.parse(await readFile(join(dir, files.at(-1)!), 'utf8'));
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')), newest);
  const stamps = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')).timestamp as string),
  );
  assert.deepEqual([...stamps].sort(), stamps, 'file names sort in time order');
});

test("a snapshot has the scrape's names, types and values, system metrics included", async () => {
  const dir = await tempDir();
  const { monitoring } = await start({ exportDirectory: dir, exportIntervalSeconds: 3600, systemMetrics: true });
  await driveEverything(monitoring);
  const snapshot = await monitoring.exportSnapshot();
  const exposition = await scrape(monitoring);
  const written = JSON.parse(await readFile(join(dir, (await snapshotFiles(dir))[0]!), 'utf8'));
  assert.deepEqual(written, JSON.parse(JSON.stringify(snapshot)), 'exportSnapshot returns what it wrote');

  const scraped = new Map([...exposition.types].filter(([name]) => name !== 'target_info'));
  const inSnapshot = new Map(snapshot.metrics.map((m) => [m.name, m.type]));
  assert.deepEqual([...inSnapshot.keys()].sort(), [...scraped.keys()].sort(), 'the same metric names as the scrape');
  for (const [name, type] of scraped) assert.equal(inSnapshot.get(name), type, `${name} has the scrape's type`);
  assert.ok(inSnapshot.has('system_processes'), 'renamed as on the scrape');

  const trades = snapshot.metrics.find((m) => m.name === 'executed_trades_total')!;
  assert.equal(trades.otelName, 'executed_trades');
  assert.deepEqual(
    trades.points.find((p) => p.labels['symbol'] === 'ETH/USD'),
    { labels: { symbol: 'ETH/USD', direction: 'sell', status: 'failed' }, value: 1 },
  );
  const latency = snapshot.metrics.find((m) => m.name === 'api_latency_seconds')!;
  assert.equal(latency.type, 'histogram');
  for (const p of latency.points as {
    labels: Record<string, string>;
    count: number;
    sum: number;
    buckets: { le: number | string; count: number }[];
  }[]) {
    const last = p.buckets.at(-1)!;
    assert.equal(String(last.le), '+Inf');
    assert.equal(last.count, p.count);
    const scrapedCount = find(exposition, 'api_latency_seconds_count', p.labels)[0]!.value;
    assert.equal(p.count, scrapedCount);
  }
  assert.equal(snapshot.resource['service.name'], 'evil2root-bot');
});

test('exportSnapshot without exportDirectory returns the snapshot and writes nothing', async () => {
  const { monitoring } = await start({});
  monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  const snapshot = await monitoring.exportSnapshot();
  assert.equal(
    snapshot.metrics.find((m) => m.name === 'executed_trades_total')!.points[0]!.labels['symbol'],
    'BTC/USD',
  );
});

test('an unusable exportDirectory fails init naming the option and the cause', async () => {
  const file = join(await tempDir(), 'a-file');
  await writeFile(file, 'x');
  await assert.rejects(
    start({ exportDirectory: join(file, 'metrics') }),
    (e: unknown) =>
      e instanceof MonitoringConfigError &&
      e.option === 'exportDirectory' &&
      e.message.includes(join(file, 'metrics')) &&
      /ENOTDIR|EEXIST/.test(e.message),
  );
});

test('a failing directory is counted in monitoring_export_failures_total, and writing resumes when it is back', async () => {
  const dir = await tempDir();
  // The state would live in <dir>/state and be written while the test removes dir: this test is about snapshots.
  const { monitoring, logger } = await start({
    exportDirectory: dir,
    exportIntervalSeconds: 3600,
    stateDirectory: false,
  });
  await rm(dir, { recursive: true });
  await writeFile(dir, 'not a directory any more');
  await assert.rejects(monitoring.exportSnapshot());
  await assert.rejects(monitoring.exportSnapshot());
  const failures = find(await scrape(monitoring), 'monitoring_export_failures_total', { exporter: 'file' });
  assert.equal(
    failures.reduce((s, x) => s + x.value, 0),
    2,
  );
  assert.equal(
    logger.warnings.filter((w) => w.includes(`writing metrics to ${dir}`)).length,
    1,
    'logged once per cause',
  );
  await rm(dir);
  await monitoring.exportSnapshot();
  assert.equal((await snapshotFiles(dir)).length, 1, 'written again once the path is a directory again');
});

for (const exportFormat of ['snapshot', 'otlp'] as const) {
  test(`exportMaxBytes bounds the ${exportFormat} export files of a running bot, latest.json aside`, async () => {
    const dir = await tempDir();
    const maxBytes = 256 * 1024; // an OTLP line of driveEverything alone is tens of KiB
    const { monitoring } = await start({
      exportDirectory: dir,
      exportFormat,
      exportIntervalSeconds: 0.02,
      exportMaxBytes: maxBytes,
      stateDirectory: false,
    });
    await driveEverything(monitoring);
    const exportFiles = async () => {
      const sizes = new Map<string, number>();
      for (const f of (await readdir(dir)).sort())
        if (f.startsWith('metrics-')) sizes.set(f, (await readFile(join(dir, f)).catch(() => Buffer.alloc(0))).length);
      return sizes;
    };
    const seen = new Set<string>();
    let largest = 0;
    // Until three budgets' worth was written, checking the bound at every look.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 20));
      const sizes = await exportFiles();
      const total = [...sizes.values()].reduce((a, b) => a + b, 0);
      assert.ok(total <= maxBytes, `${total} bytes of export files, budget ${maxBytes}`);
      largest = Math.max(largest, total);
      for (const name of sizes.keys()) seen.add(name);
      const latest = (await readFile(join(dir, 'latest.json')).catch(() => Buffer.alloc(0))).length;
      if (exportFormat === 'snapshot' ? seen.size * latest > 3 * maxBytes : seen.size >= 4) break;
    }
    await monitoring.shutdown();
    const names = [...(await exportFiles()).keys()];
    assert.ok(largest > maxBytes / 2, `the budget was used (${largest} bytes at most)`);
    assert.ok(!names.includes([...seen][0]!), 'the oldest files went');
    assert.ok((await readdir(dir)).includes('latest.json'));
  });
}

test('exportMaxBytes: a positive integer of bytes, or false', async () => {
  for (const bad of [0, -1, 1.5, '1mb'])
    await assert.rejects(
      start({ exportMaxBytes: bad as unknown as number }),
      (e: unknown) => e instanceof MonitoringConfigError && e.option === 'exportMaxBytes',
    );
});

test('shutdown() is the cut: the final snapshot and state hold every record made before it; later ones are refused and counted', async () => {
  const dir = await tempDir();
  const { monitoring, logger } = await start({ exportDirectory: dir, exportIntervalSeconds: 3600 });
  const trade = () => monitoring.recordExecutedTrade({ symbol: 'BTC/USD', direction: 'buy', success: true });
  for (let i = 0; i < 100; i++) trade();
  let done = false;
  const stopping = monitoring.shutdown().then(() => (done = true));
  // Synchronously after the call, so before any final collection.
  for (let i = 0; i < 7; i++) trade();
  let during = 0;
  while (!done) {
    trade();
    during++;
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 5; i++) trade();
  await stopping;

  const latest = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as {
    metrics: { name: string; points: { labels: Record<string, string>; value: number }[] }[];
  };
  const value = (name: string, labels: Record<string, string>) =>
    latest.metrics
      .find((m) => m.name === name)
      ?.points.find((p) => Object.entries(labels).every(([k, v]) => p.labels[k] === v))?.value;
  assert.equal(
    value('executed_trades_total', { symbol: 'BTC/USD' }),
    100,
    'exactly the records made before shutdown()',
  );
  const refused = value('monitoring_invalid_inputs_total', {
    method: 'recordExecutedTrade',
    reason: 'after_shutdown',
  });
  assert.ok((refused ?? 0) >= 7, `the refusals made before the final collection are in it (${refused})`);
  const state = await readFile(join(dir, 'state', 'state.json'), 'utf8');
  assert.match(state, /"executed_trades_total":\{"type":"counter","series":\[\[\["BTC\/USD","buy","success"\],100\]/);
  assert.equal(
    logger.warnings.filter((w) => w.includes('recordExecutedTrade') && w.includes('shutdown')).length,
    1,
    `warned once about the ${7 + during + 5} refused records`,
  );
});
