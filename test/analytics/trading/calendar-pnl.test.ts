import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DailyPnl, calendarPnl, dailyPnl } from '../../../src/analytics/trading/index.ts';
import { prng } from '../../helpers/random.ts';

const at = (iso: string) => Date.parse(iso);

test('UTC boundaries: today from 00:00 UTC, the ISO week from Monday, the calendar month', () => {
  // Wednesday 2026-12-02; Monday 2026-11-30 starts the week, 2026-12-01 the month.
  const trades = [
    { net: 1, atMs: at('2026-11-29T23:59:59.999Z') }, // Sunday: last week, last month
    { net: 10, atMs: at('2026-11-30T00:00:00.000Z') }, // Monday: this week, last month
    { net: 100, atMs: at('2026-12-01T12:00:00Z') }, // this week, this month
    { net: 1000, atMs: at('2026-12-02T00:00:00Z') }, // today
    { net: 5, atMs: at('2026-12-03T00:00:00Z') }, // tomorrow: not yet
  ];
  const now = at('2026-12-02T18:30:00Z');
  assert.deepEqual(calendarPnl(trades, now), { today: 1000, week: 1110, month: 1100 });
  const live = new DailyPnl();
  for (const t of trades) live.add(t.net, t.atMs);
  assert.deepEqual(live.periods(now), { today: 1000, week: 1110, month: 1100 });
  const days = live.series(now);
  assert.equal(days.length, 90);
  assert.deepEqual(days.at(-1), { day: '2026-12-02', pnl: 1000 });
  assert.deepEqual(days.at(-4), { day: '2026-11-29', pnl: 1 });
  // A Monday is its own week start; a 1st its own month start.
  assert.deepEqual(calendarPnl(trades, at('2026-11-30T08:00:00Z')), { today: 10, week: 10, month: 11 });
});

test('property: DailyPnl equals the pure functions over the same trades (seeded, 300 series with gaps and late trades)', () => {
  const rand = prng(90);
  for (let s = 0; s < 300; s++) {
    const live = new DailyPnl(31 + Math.floor(rand() * 80));
    const days = live.saveState().days;
    const trades: { net: number; atMs: number }[] = [];
    let t = at('2026-01-01T00:00:00Z') + Math.floor(rand() * 1e10);
    const length = Math.floor(rand() * 150);
    for (let i = 0; i < length; i++) {
      // Mostly forward in time, sometimes days or months later, sometimes a late trade from days before.
      const u = rand();
      t += u < 0.05 ? Math.floor(rand() * 200) * 86_400_000 : Math.floor(rand() * 20_000_000);
      const stamp = rand() < 0.1 ? t - Math.floor(rand() * days * 1.5 * 86_400_000) : t;
      const net = rand() < 0.1 ? 0 : (rand() - 0.45) * 100;
      const kept = live.add(net, stamp);
      // The pure functions see what the live one keeps: a trade older than the kept days is left out.
      if (kept) trades.push({ net, atMs: stamp });
      if (rand() < 0.3 || i === length - 1) {
        const now = t + Math.floor(rand() * 3 * 86_400_000);
        assert.deepEqual(live.periods(now), calendarPnl(trades, now), `series ${s} trade ${i}`);
        assert.deepEqual(live.series(now), dailyPnl(trades, now, days), `series ${s} trade ${i} days`);
        const restored = new DailyPnl(days);
        restored.loadState(JSON.parse(JSON.stringify(live.saveState())));
        assert.deepEqual(restored.series(now), live.series(now), `series ${s} trade ${i} restored`);
      }
    }
  }
});

test('memory is bounded: a trade older than the days kept is refused; bad options and states are rejected', () => {
  const live = new DailyPnl(31);
  assert.equal(live.add(5, at('2026-03-01T00:00:00Z')), true);
  assert.equal(live.add(5, at('2026-01-01T00:00:00Z')), false);
  assert.equal(live.add(NaN, at('2026-03-01T00:00:00Z')), false);
  assert.throws(() => new DailyPnl(7), RangeError);
  assert.throws(() => new DailyPnl(31).loadState({ days: 90, newest: null, sums: [] }), /days/);
  assert.throws(
    () => new DailyPnl(31).loadState({ days: 31, timeZone: 'UTC', newest: 1.5, sums: new Array(31).fill(0) }),
    /newest/,
  );
});

test('a time zone: local days, weeks and months, across DST changes and half-hour offsets', () => {
  // New York, 2026-03-08: clocks go from 02:00 to 03:00 (a 23-hour day). 23:30 EST on Saturday 7 March is 04:30 UTC on the 8th.
  const ny = new DailyPnl(90, 'America/New_York');
  ny.add(5, Date.parse('2026-03-08T04:30:00Z')); // Saturday 7 March, local
  ny.add(7, Date.parse('2026-03-08T05:00:00Z')); // Sunday 8 March 00:00 EST
  ny.add(11, Date.parse('2026-03-09T03:59:59Z')); // Sunday 8 March 23:59:59 EDT
  ny.add(13, Date.parse('2026-03-09T04:00:00Z')); // Monday 9 March 00:00 EDT: a new week
  const now = Date.parse('2026-03-09T15:00:00Z');
  assert.deepEqual(ny.series(now).slice(-3), [
    { day: '2026-03-07', pnl: 5 },
    { day: '2026-03-08', pnl: 18 },
    { day: '2026-03-09', pnl: 13 },
  ]);
  assert.deepEqual(ny.periods(now), { today: 13, week: 13, month: 36 });
  // The same trades in UTC fall on other days.
  assert.deepEqual(dailyPnl([{ net: 5, atMs: Date.parse('2026-03-08T04:30:00Z') }], now, 3), [
    { day: '2026-03-07', pnl: 0 },
    { day: '2026-03-08', pnl: 5 },
    { day: '2026-03-09', pnl: 0 },
  ]);
  assert.throws(() => new DailyPnl(90, 'Mars/Olympus_Mons'), RangeError);
  assert.throws(() => new DailyPnl(90, 'Asia/Kolkata').loadState(new DailyPnl(90).saveState()), /timeZone/);
});

test('property: DailyPnl in a time zone equals the pure functions (seeded, 300 series; DST, +5:30, +12:45, -3:30)', () => {
  const zones = [
    'America/New_York',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'America/St_Johns',
    'Australia/Lord_Howe',
    'Europe/London',
  ];
  const rand = prng(4242);
  for (let s = 0; s < 300; s++) {
    const timeZone = zones[s % zones.length]!;
    const live = new DailyPnl(35, timeZone);
    const trades: { net: number; atMs: number }[] = [];
    // Around the DST changes of spring and autumn 2026.
    let t =
      Date.parse(rand() < 0.5 ? '2026-03-01T00:00:00Z' : '2026-10-20T00:00:00Z') + Math.floor(rand() * 30 * 86_400_000);
    const length = Math.floor(rand() * 80);
    for (let i = 0; i < length; i++) {
      t += Math.floor(rand() * 6 * 3_600_000);
      const net = Math.round((rand() - 0.45) * 1000) / 10;
      if (live.add(net, t)) trades.push({ net, atMs: t });
      if (rand() < 0.2 || i === length - 1) {
        const now = t + Math.floor(rand() * 86_400_000);
        assert.deepEqual(
          live.periods(now),
          calendarPnl(trades, now, { timeZone }),
          `series ${s} (${timeZone}) trade ${i}`,
        );
        assert.deepEqual(live.series(now), dailyPnl(trades, now, 35, { timeZone }), `series ${s} (${timeZone}) days`);
      }
    }
  }
});

test('UTC, the default, creates no Intl.DateTimeFormat (the first one of a process loads ICU zone data: 8 MiB resident)', () => {
  const original = Intl.DateTimeFormat;
  let created = 0;
  Intl.DateTimeFormat = new Proxy(original, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      created++;
      return new target(...args);
    },
  });
  try {
    const daily = new DailyPnl(90, 'UTC');
    assert.ok(daily.add(5, Date.UTC(2026, 0, 2, 23)));
    assert.equal(created, 0);
    new DailyPnl(90, 'Europe/Paris');
    assert.equal(created, 1, 'the proxy counts');
  } finally {
    Intl.DateTimeFormat = original;
  }
});
