import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

const EXAMPLE = new URL('../../examples/worker-bot.ts', import.meta.url);

test('examples/worker-bot.ts: three strategy threads, every signal of every thread on the main thread’s scrape, exactly once', async () => {
  const child = spawn(
    process.execPath,
    ['--conditions=@evil2root/source', EXAMPLE.pathname, '--workers', '3', '--duration', '3', '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  // Each strategy records one signal per tick and says how many ticks it made once flushed.
  const ticks = [...out.matchAll(/^strategy (\d+) \(([^)]+)\): (\d+) ticks$/gm)];
  assert.equal(new Set(ticks.map((m) => m[1])).size, 3, out);
  const signals = [...out.matchAll(/^trading_signals_total\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  assert.ok(signals > 0, out);
  assert.equal(
    signals,
    ticks.reduce((s, m) => s + Number(m[3]), 0),
    'no signal lost or counted twice',
  );
  assert.match(out, /^executed_trades_total\{/m);
});
