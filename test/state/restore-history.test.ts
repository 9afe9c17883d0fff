/**
 * `restoreHistory`: the bot's own history rebuilds every computed trading figure as if recorded
 * live at its times, and never counts an event twice (durable state, a second call, ties at one
 * millisecond). The oracle is a process that recorded the same events live on the same clock.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import type { ClosedTrade, EquityPoint, MonitoringOptions, MonitoringService } from '../../src/index.ts';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { prng } from '../helpers/random.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

const realNow = Date.now;
let clock = 0;
const dirs: string[] = [];
afterEach(async () => {
  await stopAll();
  Date.now = realNow;
});
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const OPTIONS: MonitoringOptions = {
  dashboard: false,
  startingBalance: 10_000,
  returnsIntervalSeconds: 3600,
  returnsWindow: 24,
  tradeWindow: 30,
};
const T0 = Date.UTC(2026, 5, 1);

/** A year-long history: closed trades (some closing at the same millisecond) and an hourly-ish equity curve. */
function history(seed: number): { trades: ClosedTrade[]; equity: EquityPoint[] } {
  const rand = prng(seed);
  const trades: ClosedTrade[] = [];
  const equity: EquityPoint[] = [];
  let t = T0;
  let value = 10_000;
  for (let i = 0; i < 3000; i++) {
    t += Math.floor(rand() * 3 * 3_600_000);
    const pnl = (rand() - 0.47) * 300;
    value += pnl;
    trades.push({
      symbol: ['BTC/USD', 'ETH/USD', 'SOL/USD'][i % 3]!,
      direction: rand() < 0.5 ? 'buy' : 'sell',
      pnl,
      fees: rand(),
      openedAt: t - Math.floor(rand() * 86_400_000),
      closedAt: t,
    });
    // Now and then a second trade closes at the very same millisecond.
    if (rand() < 0.05) trades.push({ symbol: 'BTC/USD', direction: 'buy', pnl: rand() * 10 - 5, closedAt: t });
    equity.push({ time: t + 1, value: value + rand() * 20 });
  }
  return { trades, equity };
}

/** Feeds events live, each at its own time, as a bot would have. */
function recordLive(m: MonitoringService, trades: readonly ClosedTrade[], equity: readonly EquityPoint[]): void {
  const events = [
    ...trades.map((trade) => ({ at: Number(trade.closedAt), trade })),
    ...equity.map((point) => ({ at: Number(point.time), point })),
  ].sort((a, b) => a.at - b.at);
  for (const e of events) {
    clock = e.at;
    if ('trade' in e) m.recordClosedTrade(e.trade);
    else m.updatePortfolioMetrics({ portfolioValue: e.point.value });
  }
}

/** The trading figures of a scrape, by series. */
function trading(exp: Exposition): Map<string, number> {
  const out = new Map<string, number>();
  const names =
    /^(trades_closed_total|trade_duration_seconds_(count|sum|bucket)|win_rate|profit_factor|average_(win|loss)|expectancy|realized_pnl|drawdown|max_drawdown(_abs)?|sharpe_ratio|sortino_ratio|calmar_ratio|annual_(return|volatility)|portfolio_value)$/;
  for (const s of exp.samples) if (names.test(s.name)) out.set(`${s.name}${JSON.stringify(s.labels)}`, s.value);
  return out;
}

function assertSameFigures(got: Map<string, number>, want: Map<string, number>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [key, w] of want) {
    const g = got.get(key)!;
    assert.ok(Math.abs(g - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${key}: ${g} vs ${w}`);
  }
}

async function reference(trades: ClosedTrade[], equity: EquityPoint[], end: number): Promise<Map<string, number>> {
  Date.now = () => clock;
  const { monitoring } = await start(OPTIONS);
  recordLive(monitoring, trades, equity);
  clock = end;
  const figures = trading(await scrape(monitoring));
  await monitoring.shutdown();
  return figures;
}

test('restoreHistory rebuilds every trading figure as if each event had been recorded live at its time', async () => {
  const { trades, equity } = history(1);
  const end = Number(equity.at(-1)!.time) + 60_000;
  const want = await reference(trades, equity, end);
  assert.ok(want.size > 80);

  clock = end;
  const { monitoring } = await start(OPTIONS);
  // Any order: the history comes shuffled.
  const rand = prng(2);
  const shuffled = [...trades].sort(() => rand() - 0.5);
  const result = monitoring.restoreHistory({ closedTrades: shuffled, equity: [...equity].reverse() });
  assert.deepEqual(result, {
    trades: trades.length,
    skippedTrades: 0,
    equity: equity.length,
    skippedEquity: 0,
    lastEquity: equity.at(-1)!.value,
  });
  assertSameFigures(trading(await scrape(monitoring)), want);

  // A second call with the same history applies nothing.
  const again = monitoring.restoreHistory({ closedTrades: trades, equity });
  assert.equal(again.trades, 0);
  assert.equal(again.skippedTrades, trades.length);
  assert.equal(again.equity, 0);
  assertSameFigures(trading(await scrape(monitoring)), want);
});

test('with durable state, restoreHistory of the whole history at every start applies only what the state lacks (ties at one millisecond included)', async () => {
  const { trades, equity } = history(3);
  const end = Number(equity.at(-1)!.time) + 60_000;
  const want = await reference(trades, equity, end);
  const dir = await mkdtemp(join(tmpdir(), 'restore-history-'));
  dirs.push(dir);

  // The first process recorded a prefix live, cut in the middle of a group of trades closed at one millisecond.
  const tie = trades.findIndex((t, i) => i > 1000 && trades[i + 1]?.closedAt === t.closedAt);
  assert.ok(tie > 0, 'the history has a tie to cut in');
  const cut = tie + 1;
  const cutTime = Number(trades[cut - 1]!.closedAt);
  Date.now = () => clock;
  const first = await start({ ...OPTIONS, stateDirectory: dir });
  recordLive(
    first.monitoring,
    trades.slice(0, cut),
    equity.filter((p) => Number(p.time) <= cutTime),
  );
  await first.monitoring.shutdown();

  clock = end;
  const second = await start({ ...OPTIONS, stateDirectory: dir });
  const result = second.monitoring.restoreHistory({ closedTrades: trades, equity });
  assert.equal(result.skippedTrades, cut);
  assert.equal(result.trades, trades.length - cut);
  const exp = await scrape(second.monitoring);
  const total = find(exp, 'trades_closed_total').reduce((n, s) => n + s.value, 0);
  assert.equal(total, trades.length, 'every trade counted once');
  assertSameFigures(trading(exp), want);
});

test('entries without a time are dropped and counted as invalid input, the rest applied', async () => {
  const { monitoring } = await start(OPTIONS);
  const result = monitoring.restoreHistory({
    closedTrades: [
      { symbol: 'BTC/USD', direction: 'buy', pnl: 5, closedAt: T0 },
      { symbol: 'BTC/USD', direction: 'buy', pnl: 5 },
    ],
    equity: [{ time: 'yesterday' as unknown as number, value: 1 }],
  });
  assert.equal(result.trades, 1);
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'restoreHistory', reason: 'missing_field' }), 1);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'restoreHistory', reason: 'wrong_type' }), 1);
});
