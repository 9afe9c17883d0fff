/**
 * Restart equality with real child processes and real signals: a bot fed a seeded stream of trades,
 * equity, predictions, outcomes and features is stopped at random points, by SIGKILL (at least 30
 * times) or SIGTERM, restarted on the same state directory and fed the rest. Its final figures must
 * equal, to 1e-9, those of one uninterrupted process fed the same stream; after every SIGTERM it
 * resumes exactly where it stopped; after every SIGKILL no counter is below what the last scrape
 * saw and no scraped event is lost.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { parseExposition } from '../helpers/exposition.ts';
import { prng } from '../helpers/random.ts';
import { LOOP, nextIndex } from '../fixtures/state/stream.ts';

const BOT = new URL('../fixtures/state/stream-bot.ts', import.meta.url).pathname;
const SEED = 7;
const EVENTS = 6000;
const PER_TICK = 2;
const KILLS = 30;
const TERMS = 6;
/** Series that describe the process (restart by design) rather than the bot's history. */
const PROCESS_SCOPED = /^(process_|monitoring_|target_info|otel_|http_|nodejs_|v8js_)/;

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

interface Bot {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** The index it resumed at: events before it were restored. */
  readonly next: number;
  readonly done: Promise<void>;
  readonly applied: Promise<number | undefined>;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

async function launch(dir: string): Promise<Bot> {
  const flags = process.execArgv.filter((a) => !a.startsWith('--test'));
  const child = spawn(process.execPath, [...flags, BOT, dir, String(SEED), String(EVENTS), String(PER_TICK)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const lines = createInterface({ input: child.stdout });
  let onDone: () => void = () => {};
  let onApplied: (n: number | undefined) => void = () => {};
  const done = new Promise<void>((resolve) => (onDone = resolve));
  const applied = new Promise<number | undefined>((resolve) => (onApplied = resolve));
  void exited.then(() => onApplied(undefined));
  const ready = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve(line);
      else if (line === 'done') onDone();
      else if (line.startsWith('applied ')) onApplied(Number(line.slice(8)));
    });
    void exited.then((how) => reject(new Error(`bot exited (${String(how)}) before ready: ${stderr}`)));
  });
  const [, port, next] = ready.split(' ');
  return { child, port: Number(port), next: Number(next), done, applied, exited };
}

async function scrape(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  const out = new Map<string, number>();
  for (const s of parseExposition(await res.text()).samples) {
    const labels = Object.entries(s.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',');
    out.set(`${s.name}{${labels}}`, s.value);
  }
  return out;
}

const heartbeatKey = `bot_heartbeat_timestamp_seconds{loop=${JSON.stringify(LOOP)}}`;
const isCounterSample = (key: string) => /^[a-z_]+(_total|_count|_bucket)\{/.test(key);
const bot = (key: string) => !PROCESS_SCOPED.test(key);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stop(b: Bot): Promise<void> {
  b.child.kill('SIGTERM');
  await b.exited;
}

test(`restart equality: ${KILLS} SIGKILLs and ${TERMS} SIGTERMs at random points, then the same figures as one uninterrupted process`, async (t) => {
  // The oracle: one process fed the whole stream.
  const refDir = await mkdtemp(join(tmpdir(), 'restart-ref-'));
  dirs.push(refDir);
  const reference = await launch(refDir);
  assert.equal(reference.next, 0, 'a fresh state directory starts at event 0');
  reference.child.stdin.write('go\n');
  await reference.done;
  const expected = await scrape(reference.port);
  await stop(reference);

  const dir = await mkdtemp(join(tmpdir(), 'restart-'));
  dirs.push(dir);
  const rand = prng(SEED);
  let kills = 0;
  let terms = 0;
  let runs = 0;
  let lastScrape: Map<string, number> | undefined;
  let scrapedNext = 0;
  let appliedAtTerm: number | undefined;
  let current: Bot;
  for (;;) {
    current = await launch(dir);
    runs++;
    const restored = await scrape(current.port);
    if (appliedAtTerm !== undefined) {
      assert.equal(current.next, appliedAtTerm, 'after SIGTERM the bot resumes exactly where it stopped');
    }
    assert.ok(
      current.next >= scrapedNext,
      `resumed at ${current.next}, but a scrape had seen event ${scrapedNext - 1}`,
    );
    for (const [key, value] of lastScrape ?? []) {
      if (!bot(key) || !isCounterSample(key)) continue;
      assert.ok((restored.get(key) ?? 0) >= value, `${key}: restored ${restored.get(key)} < scraped ${value}`);
    }
    current.child.stdin.write('go\n');
    if (kills >= KILLS && terms >= TERMS) break;
    const finished = await Promise.race([current.done.then(() => true), sleep(20 + rand() * 120).then(() => false)]);
    if (finished) break;
    lastScrape = await scrape(current.port);
    scrapedNext = nextIndex(lastScrape.get(heartbeatKey));
    await sleep(rand() * 40);
    if (terms < TERMS && (kills >= KILLS || rand() < 0.15)) {
      current.child.kill('SIGTERM');
      appliedAtTerm = await current.applied;
      assert.ok(appliedAtTerm !== undefined, 'the bot said how many events it applied');
      terms++;
    } else {
      appliedAtTerm = undefined;
      current.child.kill('SIGKILL');
      assert.equal(await current.exited, 'SIGKILL');
      kills++;
    }
  }
  await current.done;
  const actual = await scrape(current.port);
  await stop(current);
  t.diagnostic(`${runs} runs: ${kills} SIGKILLs, ${terms} SIGTERMs, ${EVENTS} events`);
  assert.ok(kills >= KILLS, `only ${kills} kills landed before the stream ended; slow the stream down`);
  assert.ok(terms >= TERMS);

  const keys = (m: Map<string, number>) => [...m.keys()].filter(bot).sort();
  assert.deepEqual(keys(actual), keys(expected), 'the same series');
  let compared = 0;
  for (const key of keys(expected)) {
    const want = expected.get(key)!;
    const got = actual.get(key)!;
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), key);
    else assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${key}: ${got} vs ${want}`);
    compared++;
  }
  t.diagnostic(`${compared} series equal to the uninterrupted run`);
  assert.ok(compared > 200, `compared ${compared} series`);
  // The stream's orders (open across restarts), fills, positions and per-strategy results are among them.
  for (const family of [
    'order_events_total',
    'open_orders',
    'order_tracking_errors_total',
    'position_quantity',
    'strategy_sqn',
  ])
    assert.ok(
      keys(expected).some((k) => k.startsWith(family)),
      `${family} is compared`,
    );
});
