/**
 * Durable state through the public API: what comes back after a shutdown, what a damaged state
 * does (never stops the bot: moved aside, counted, logged, fresh start), the lock between two
 * processes, a full disk, and the default location.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test, type TestContext } from 'node:test';
import { MonitoringConfigError, type MonitoringOptions, type MonitoringService } from '../../src/index.ts';
import { encodeState } from '../../src/state/file.ts';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { attributesOf, metricsByName, OtlpHttpReceiver } from '../helpers/otlp-receiver.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';
import { mountTmpfs, unmountAll } from '../helpers/tmpfs.ts';

const dirs: string[] = [];
afterEach(stopAll);
after(async () => {
  unmountAll();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  dirs.push(dir);
  return dir;
}

const BASE: MonitoringOptions = { dashboard: false, startingBalance: 1000, returnsIntervalSeconds: 1 };
/** The warnings but the one every start with BASE's 1 s return periods gives (periods too short to annualize). */
const warningsOf = (logger: { warnings: string[] }) => logger.warnings.filter((w) => !w.includes('periodsPerYear'));

/** A small history: trades of two symbols, an equity curve with a 25 % drawdown, predictions with outcomes and one pending. */
function feed(m: MonitoringService): void {
  const pnls = [120, -40, 0, 75, -310, 22, -18, 54];
  pnls.forEach((pnl, i) =>
    m.recordClosedTrade({ symbol: i % 2 ? 'ETH/USD' : 'BTC/USD', direction: 'buy', pnl, fees: 1 }),
  );
  for (const v of [1000, 1200, 1100, 900]) m.updatePortfolioMetrics({ portfolioValue: v });
  for (let i = 0; i < 10; i++) {
    m.recordPrediction({
      modelName: 'lstm',
      timeframe: '1h',
      symbol: 'BTC/USD',
      predictionId: i,
      predicted: 'up',
      probability: 0.8,
    });
    if (i < 9)
      m.recordOutcome({
        modelName: 'lstm',
        timeframe: '1h',
        symbol: 'BTC/USD',
        predictionId: i,
        actual: i % 3 ? 'up' : 'down',
      });
  }
  m.heartbeat('main');
}

/** The bot's figures on a scrape: every series but the process-scoped ones. */
function figures(exp: Exposition): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of exp.samples) {
    if (/^(process_|monitoring_|target_info)/.test(s.name)) continue;
    out.set(`${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`, s.value);
  }
  return out;
}

test('after shutdown and a new init on the same directory, every figure is back and the start says what came back', async () => {
  const dir = await tempDir();
  const first = await start({ ...BASE, stateDirectory: dir });
  feed(first.monitoring);
  await first.monitoring.flushModelMetrics();
  const before = figures(await scrape(first.monitoring));
  await first.monitoring.shutdown();

  const second = await start({ ...BASE, stateDirectory: dir });
  await second.monitoring.flushModelMetrics();
  const exp = await scrape(second.monitoring);
  assert.deepEqual(figures(exp), before);
  assert.equal(value(exp, 'drawdown', { basis: 'equity' }), 0.25);
  assert.equal(value(exp, 'model_pending_predictions', { model_name: 'lstm' }), 1);
  assert.ok(value(exp, 'process_start_time_seconds') > 1.7e9);
  const line = second.logger.lines.find((l) => l.message.startsWith('monitoring started'))?.message ?? '';
  assert.match(
    line,
    /state in .*restored .*8 closed trades, 4 equity values.*1 models, 1 pending predictions.* from state\.json/,
  );
  assert.deepEqual(warningsOf(second.logger), []);
  // The pending prediction came back: its outcome joins instead of counting as an unknown id.
  second.monitoring.recordOutcome({
    modelName: 'lstm',
    timeframe: '1h',
    symbol: 'BTC/USD',
    predictionId: 9,
    actual: 'up',
  });
  await second.monitoring.flushModelMetrics();
  const after = await scrape(second.monitoring);
  assert.equal(find(after, 'model_outcome_join_failures_total').length, 0);
  assert.equal(value(after, 'model_pending_predictions', { model_name: 'lstm' }), 0);
});

for (const temporality of ['cumulative', 'delta'] as const) {
  test(`OTLP ${temporality} across a restart: the counters keep their first start time and nothing is sent twice`, async () => {
    const receiver = new OtlpHttpReceiver();
    const endpoint = await receiver.listen();
    try {
      const dir = await tempDir();
      const otlp = { endpoint, protocol: 'http/json' as const, intervalSeconds: 3600, temporality };
      const first = await start({ ...BASE, stateDirectory: dir, otlp });
      feed(first.monitoring);
      await first.monitoring.shutdown();
      const pushed1 = receiver.requests.length;
      await new Promise((r) => setTimeout(r, 20));
      const second = await start({ ...BASE, stateDirectory: dir, otlp });
      second.monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 10 });
      await second.monitoring.shutdown();
      const point = (from: number, to: number) => {
        const metric = metricsByName(receiver.requests.slice(from, to)).get('trades_closed')!.at(-1)!;
        return metric.sum!.dataPoints.find(
          (p) => attributesOf(p.attributes)['symbol'] === 'BTC/USD' && attributesOf(p.attributes)['outcome'] === 'win',
        )!;
      };
      const before = point(0, pushed1);
      const after = point(pushed1, receiver.requests.length);
      assert.equal(before.asInt ?? before.asDouble, 1, 'one BTC win in the first process');
      if (temporality === 'cumulative') {
        assert.equal(after.startTimeUnixNano, before.startTimeUnixNano, 'the series still starts where it began');
        assert.equal(after.asInt ?? after.asDouble, 2);
      } else {
        assert.equal(after.asInt ?? after.asDouble, 1, 'only the new trade: the restored one was delivered already');
        assert.ok(Number(after.startTimeUnixNano) >= Number(before.timeUnixNano));
      }
    } finally {
      await receiver.close();
    }
  });
}

const CORRUPTIONS: { name: string; reason: string; damage(file: string): Promise<void> }[] = [
  {
    name: 'truncated',
    reason: 'truncated',
    damage: async (file) => {
      const data = await readFile(file);
      await writeFile(file, data.subarray(0, Math.floor(data.length / 2)));
    },
  },
  {
    name: 'garbage',
    reason: 'corrupt',
    damage: (file) => writeFile(file, Buffer.from('\u0000\u00ffnot a state at all\n{{{')),
  },
  {
    name: 'one flipped byte in the body',
    reason: 'corrupt',
    damage: async (file) => {
      const data = await readFile(file);
      const at = data.indexOf('"trades"') > 0 ? data.lastIndexOf('1') : data.length - 5;
      data[at] = data[at] === 0x31 ? 0x32 : 0x31;
      await writeFile(file, data);
    },
  },
  {
    name: 'a newer format version',
    reason: 'version',
    damage: (file) => writeFile(file, encodeState('{}').toString().replace('"version":1', '"version":99')),
  },
  {
    name: 'a directory where the file should be',
    reason: 'unreadable',
    damage: async (file) => {
      await rm(file);
      await mkdir(file);
    },
  },
  {
    name: 'valid JSON of the wrong shape',
    reason: 'invalid',
    damage: (file) => writeFile(file, encodeState(JSON.stringify({ performance: { all: 'nope' } }))),
  },
];

for (const c of CORRUPTIONS) {
  test(`a ${c.name} state never stops the bot: counted as ${c.reason}, logged once, moved aside or replaced, fresh figures`, async () => {
    const dir = await tempDir();
    const first = await start({ ...BASE, stateDirectory: dir });
    feed(first.monitoring);
    await first.monitoring.shutdown();
    await c.damage(join(dir, 'state.json'));

    const second = await start({ ...BASE, stateDirectory: dir });
    const exp = await scrape(second.monitoring);
    assert.equal(value(exp, 'monitoring_state_restore_failures_total', { reason: c.reason }), 1);
    assert.equal(
      second.logger.warnings.filter((w) => w.includes('not restored')).length,
      1,
      second.logger.warnings.join('\n'),
    );
    assert.match(warningsOf(second.logger)[0]!, new RegExp(`\\(${c.reason}\\)`));
    assert.equal(find(exp, 'trades_closed_total').length, 0, 'fresh figures');
    // The bot records and the state is written again.
    second.monitoring.recordClosedTrade({ symbol: 'BTC/USD', direction: 'buy', pnl: 5 });
    await scrape(second.monitoring);
    const names = await readdir(dir);
    if (c.reason !== 'invalid')
      assert.ok(
        names.some((n) => n.startsWith('state.json.corrupt-')),
        names.join(', '),
      );
    await second.monitoring.shutdown();
    const third = await start({ ...BASE, stateDirectory: dir });
    assert.equal(value(await scrape(third.monitoring), 'trades_closed_total', { symbol: 'BTC/USD' }), 1);
  });
}

test('a changed setting restarts only what depends on it: the counters and the other figures come back', async () => {
  const dir = await tempDir();
  const first = await start({ ...BASE, stateDirectory: dir });
  feed(first.monitoring);
  await first.monitoring.flushModelMetrics();
  const before = await scrape(first.monitoring);
  await first.monitoring.shutdown();
  const second = await start({ ...BASE, stateDirectory: dir, returnsIntervalSeconds: 60 });
  await second.monitoring.flushModelMetrics();
  const exp = await scrape(second.monitoring);
  assert.equal(value(exp, 'monitoring_state_restore_failures_total', { reason: 'options_changed' }), 1);
  assert.match(second.logger.warnings.join('\n'), /performance starts fresh: .*intervalMs/);
  assert.deepEqual(find(exp, 'trades_closed_total'), find(before, 'trades_closed_total'));
  assert.equal(
    value(exp, 'model_accuracy', { model_name: 'lstm' }),
    value(before, 'model_accuracy', { model_name: 'lstm' }),
  );
});

/** A child process holding `dir` until killed. */
async function holder(dir: string): Promise<{ pid: number; kill(): Promise<void> }> {
  const code = `
    const { initEnhancedMonitoring } = await import(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)});
    await initEnhancedMonitoring({ port: false, systemMetrics: false, dashboard: false, stateDirectory: ${JSON.stringify(dir)} });
    console.log('holding');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => c.toString().includes('holding') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return {
    pid: child.pid!,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('a second process on the same state directory fails init naming the holder; after the holder is SIGKILLed the lock is taken over', async () => {
  const dir = await tempDir();
  const other = await holder(dir);
  await assert.rejects(
    start({ ...BASE, stateDirectory: dir }),
    (error: unknown) =>
      error instanceof MonitoringConfigError &&
      error.option === 'stateDirectory' &&
      error.message.includes(`in use by process ${other.pid}`),
  );
  await other.kill();
  const { monitoring } = await start({ ...BASE, stateDirectory: dir });
  assert.ok(monitoring.metricsUrl);
});

test('a full disk (real ENOSPC on a 2 MiB tmpfs): counted, warned once, scrapes still answered, recording goes on', async (t: TestContext) => {
  const dir = await tempDir();
  if (!mountTmpfs(dir, '2m')) {
    if (process.env['CI'] === 'true') assert.fail('cannot mount a tmpfs in CI (needs root)');
    t.skip('cannot mount a tmpfs here (not root or mount refused)');
    return;
  }
  const { monitoring, logger } = await start({ ...BASE, stateDirectory: dir });
  // Fill the disk, then grow the state past what is left.
  await writeFile(join(dir, 'filler'), Buffer.alloc(2000 * 1024)).catch(() => {});
  for (let i = 0; i < 300; i++) monitoring.recordClosedTrade({ symbol: `SYM${i}`, direction: 'buy', pnl: i - 150 });
  await scrape(monitoring);
  // The failure of the write behind a scrape shows on the next one.
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'trades_closed_total', { symbol: 'SYM1' }), 1);
  assert.ok(value(exp, 'monitoring_export_failures_total', { exporter: 'state', reason: 'no_space' }) >= 1);
  await scrape(monitoring);
  assert.equal(logger.warnings.filter((w) => w.includes('writing the state')).length, 1);
  // Space again: the next export writes the state.
  await rm(join(dir, 'filler'));
  await scrape(monitoring);
  const state = await readFile(join(dir, 'state.json'), 'utf8');
  assert.ok(state.includes('SYM299'));
});

test('the default location is <exportDirectory>/state; stateDirectory: false turns it off', async () => {
  const exportDirectory = await tempDir();
  const a = await start({ ...BASE, exportDirectory });
  await a.monitoring.shutdown();
  assert.ok((await readdir(join(exportDirectory, 'state'))).includes('state.json'));
  const exportDirectory2 = await tempDir();
  const b = await start({ ...BASE, exportDirectory: exportDirectory2, stateDirectory: false });
  await b.monitoring.shutdown();
  assert.ok(!(await readdir(exportDirectory2)).includes('state'));
  assert.match(b.logger.lines.find((l) => l.message.startsWith('monitoring started'))!.message, /durable state off/);
});

test('a state directory that cannot be created fails init naming stateDirectory and the cause', async () => {
  const parent = await tempDir();
  await writeFile(join(parent, 'file'), 'a file, not a directory');
  await assert.rejects(
    start({ ...BASE, stateDirectory: join(parent, 'file', 'state') }),
    (error: unknown) =>
      error instanceof MonitoringConfigError &&
      error.option === 'stateDirectory' &&
      /cannot use .*ENOTDIR/.test(error.message),
  );
});

test('the state is readable by its owner only: files 0600, a directory the SDK creates 0700, a directory the user made keeps its mode', async (t: TestContext) => {
  if (process.platform === 'win32') {
    t.skip('POSIX file modes');
    return;
  }
  const parent = await tempDir();
  const created = join(parent, 'new', 'state');
  const a = await start({ ...BASE, dashboard: {}, stateDirectory: created });
  feed(a.monitoring);
  await scrape(a.monitoring);
  // A scrape writes the figures, not the dashboard's history (it has its own cadence and the shutdown).
  assert.deepEqual((await readdir(created)).sort(), ['lock', 'state.json']);
  await a.monitoring.shutdown();
  const mode = async (path: string) => (await stat(path)).mode & 0o777;
  assert.equal(await mode(created), 0o700);
  assert.equal(await mode(join(created, 'state.json')), 0o600);
  assert.equal(await mode(join(created, 'dashboard.json')), 0o600);

  const own = join(parent, 'own');
  await mkdir(own, { mode: 0o755 });
  await chmod(own, 0o755);
  const b = await start({ ...BASE, dashboard: {}, stateDirectory: own });
  assert.equal(await mode(join(own, 'lock')), 0o600);
  await b.monitoring.shutdown();
  assert.equal(await mode(own), 0o755);
  assert.equal(await mode(join(own, 'state.json')), 0o600);
  assert.equal(await mode(join(own, 'dashboard.json')), 0o600);
});
