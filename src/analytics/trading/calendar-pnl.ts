/**
 * Realized PnL by calendar day (UTC, or an IANA time zone): today, this week (ISO, from Monday),
 * this month, and the last `days` days, from closed trades stamped with their close time. Pure
 * functions, and `DailyPnl`, which keeps one sum per day in a ring of `days` entries (O(1) per
 * trade, bounded memory).
 */

import { readState, saveNumber, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

const DAY_MS = 86_400_000;

/** Realized PnL of the current UTC day, ISO week (from Monday 00:00 UTC) and calendar month. */
export interface CalendarPnl {
  readonly today: number;
  readonly week: number;
  readonly month: number;
}

/** One UTC day of realized PnL. */
export interface DayPnl {
  /** The UTC date, `YYYY-MM-DD`. */
  readonly day: string;
  /** Sum of the net results of the trades closed that day. */
  readonly pnl: number;
}

/** The UTC day number (days since 1970-01-01) of a time in ms. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * The calendar of a time zone: the local date of an instant as a day number (days from 1970-01-01
 * to that date), and the first instant of a local day. UTC by arithmetic; another zone through
 * `Intl.DateTimeFormat` (a few µs a call, which `DailyPnl` makes once per new day, not per trade).
 */
export class ZoneCalendar {
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat | undefined;

  /** Throws a RangeError for a time zone `Intl` does not know. */
  constructor(timeZone = 'UTC') {
    this.timeZone = timeZone;
    // UTC needs no Intl: the first DateTimeFormat of a process loads ICU's zone data, 8 MiB of resident memory.
    this.#format =
      timeZone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  }

  /** The local date of `ms` as days since 1970-01-01. */
  day(ms: number): number {
    const format = this.#format;
    if (format === undefined) return utcDay(ms);
    let y = 0;
    let m = 0;
    let d = 0;
    for (const part of format.formatToParts(ms)) {
      if (part.type === 'year') y = Number(part.value);
      else if (part.type === 'month') m = Number(part.value);
      else if (part.type === 'day') d = Number(part.value);
    }
    return Date.UTC(y, m - 1, d) / DAY_MS;
  }

  /** The first instant (ms) of local day `day`: local midnight, or the first time after it where midnight does not exist. */
  start(day: number): number {
    if (this.#format === undefined) return day * DAY_MS;
    // Offsets stay within ±15 h of UTC: the first instant whose date is `day`, by bisection.
    let lo = day * DAY_MS - 15 * 3_600_000;
    let hi = day * DAY_MS + 15 * 3_600_000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.day(mid) >= day) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

/** The first day of the ISO week (Monday) of a UTC day number: 1970-01-01 was a Thursday. */
function weekStart(day: number): number {
  return day - ((((day + 3) % 7) + 7) % 7);
}

function monthStart(day: number): number {
  const d = new Date(day * DAY_MS);
  return utcDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Realized PnL of the UTC day, ISO week and month of `nowMs`, from closed trades `{ net, atMs }`
 * (net result after fees, close time in ms): each period sums the trades closed from its start up
 * to the end of the current day. Non-finite entries are skipped.
 */
export function calendarPnl(
  trades: Iterable<{ net: number; atMs: number }>,
  nowMs: number,
  options: { timeZone?: string } = {},
): CalendarPnl {
  // Summed day by day, then over the days, as DailyPnl does: the same additions in the same order.
  const days = dailyPnl(trades, nowMs, 38, options);
  const today = new ZoneCalendar(options.timeZone).day(nowMs);
  const sumFrom = (first: number) => {
    let total = 0;
    for (let i = first - (today - 37); i < 38; i++) total += days[i]!.pnl;
    return total;
  };
  return { today: sumFrom(today), week: sumFrom(weekStart(today)), month: sumFrom(monthStart(today)) };
}

/** The realized PnL of each of the `days` days (UTC, or `timeZone`) ending with the day of `nowMs`, oldest first. */
export function dailyPnl(
  trades: Iterable<{ net: number; atMs: number }>,
  nowMs: number,
  days = 90,
  options: { timeZone?: string } = {},
): DayPnl[] {
  const calendar = new ZoneCalendar(options.timeZone);
  const last = calendar.day(nowMs);
  const sums = new Float64Array(days);
  for (const { net, atMs } of trades) {
    if (!Number.isFinite(net) || !Number.isFinite(atMs)) continue;
    const i = calendar.day(atMs) - (last - days + 1);
    if (i >= 0 && i < days) sums[i]! += net;
  }
  return Array.from(sums, (pnl, i) => ({ day: isoDate(last - days + 1 + i), pnl }));
}

/** The saved state of a `DailyPnl`, from `saveState` (plain JSON data). */
export interface DailyPnlState {
  /** Setting: days kept. */
  readonly days: number;
  /** Setting: the time zone of the days. */
  readonly timeZone: string;
  /** Newest day with a trade (days since 1970-01-01), null before the first. */
  readonly newest: number | null;
  /** The sums of the `days` days ending with `newest`, oldest first. */
  readonly sums: SavedNumber[];
}

/**
 * Streaming realized PnL by UTC day over the last `days` days (default 90): `add` is O(1) (a day
 * that opens clears the days skipped since the newest one, at most `days` entries); a trade closed
 * more than `days` days before the newest one is left out of the daily sums (counted elsewhere).
 * `periods` and `series` equal `calendarPnl` and `dailyPnl` over the same trades.
 */
export class DailyPnl {
  readonly #days: number;
  readonly #calendar: ZoneCalendar;
  readonly #sums: Float64Array;
  #newest = NaN;
  /** The newest day's span in ms and its slot: most trades close on it, and skip the day arithmetic. */
  #newestFrom = NaN;
  #newestTo = NaN;
  #newestSlot = 0;

  /** `timeZone`: the IANA zone whose calendar days, weeks and months count (default UTC); a RangeError if unknown. */
  constructor(days = 90, timeZone = 'UTC') {
    if (!Number.isInteger(days) || days < 31)
      throw new RangeError(`DailyPnl: days must be an integer >= 31 (a month), got ${String(days)}`);
    this.#days = days;
    this.#calendar = new ZoneCalendar(timeZone);
    this.#sums = new Float64Array(days);
  }

  /** Adds a trade's net result at its close time; false if it is not finite or older than the days kept. */
  add(net: number, atMs: number): boolean {
    if (atMs >= this.#newestFrom && atMs < this.#newestTo && Number.isFinite(net)) {
      this.#sums[this.#newestSlot]! += net;
      return true;
    }
    if (!Number.isFinite(net) || !Number.isFinite(atMs)) return false;
    const day = this.#calendar.day(atMs);
    if (!(day <= this.#newest)) this.#advance(day);
    else if (day <= this.#newest - this.#days) return false;
    this.#sums[this.#slot(day)]! += net;
    return true;
  }

  /** Realized PnL of the UTC day, week and month of `nowMs`. */
  periods(nowMs: number): CalendarPnl {
    const today = this.#calendar.day(nowMs);
    return {
      today: this.#sum(today, today),
      week: this.#sum(weekStart(today), today),
      month: this.#sum(monthStart(today), today),
    };
  }

  /** The `days` days ending with the day of `nowMs`, oldest first. */
  series(nowMs: number): DayPnl[] {
    const last = this.#calendar.day(nowMs);
    const out = new Array<DayPnl>(this.#days);
    for (let i = 0; i < this.#days; i++) {
      const day = last - this.#days + 1 + i;
      out[i] = { day: isoDate(day), pnl: this.#sum(day, day) };
    }
    return out;
  }

  /** The complete state as plain JSON data, for `loadState`. */
  saveState(): DailyPnlState {
    const sums = new Array<SavedNumber>(this.#days);
    for (let i = 0; i < this.#days; i++)
      sums[i] = saveNumber(Number.isNaN(this.#newest) ? 0 : this.#sums[this.#slot(this.#newest - this.#days + 1 + i)]!);
    return {
      days: this.#days,
      timeZone: this.#calendar.timeZone,
      newest: Number.isNaN(this.#newest) ? null : this.#newest,
      sums,
    };
  }

  /** Replaces the state with one from `saveState` with the same `days`; all or nothing (`StateMismatchError`). */
  loadState(state: unknown, where = 'DailyPnl'): void {
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      r.same('days', this.#days);
      r.same('timeZone', this.#calendar.timeZone);
      let newest = NaN;
      if (r.present('newest')) {
        newest = r.finite('newest');
        if (!Number.isInteger(newest)) throw new StateMismatchError(`${r.at('newest')} is not an integer`);
      }
      return { newest, sums: r.numbers('sums', this.#days) };
    });
    this.#newest = s.newest;
    this.#span();
    this.#sums.fill(0);
    if (!Number.isNaN(s.newest))
      for (let i = 0; i < this.#days; i++) this.#sums[this.#slot(s.newest - this.#days + 1 + i)] = s.sums[i]!;
  }

  #slot(day: number): number {
    return ((day % this.#days) + this.#days) % this.#days;
  }

  #advance(day: number): void {
    if (Number.isNaN(this.#newest)) this.#sums.fill(0);
    else for (let d = this.#newest + 1, n = 0; d <= day && n < this.#days; d++, n++) this.#sums[this.#slot(d)] = 0;
    this.#newest = day;
    this.#span();
  }

  #span(): void {
    if (Number.isNaN(this.#newest)) {
      this.#newestFrom = this.#newestTo = NaN;
      this.#newestSlot = 0;
      return;
    }
    this.#newestFrom = this.#calendar.start(this.#newest);
    this.#newestTo = this.#calendar.start(this.#newest + 1);
    this.#newestSlot = this.#slot(this.#newest);
  }

  /** Sum of the days from..to (inclusive) within the kept range; days after the newest are 0. */
  #sum(from: number, to: number): number {
    if (Number.isNaN(this.#newest)) return 0;
    let total = 0;
    const lo = Math.max(from, this.#newest - this.#days + 1);
    const hi = Math.min(to, this.#newest);
    for (let d = lo; d <= hi; d++) total += this.#sums[this.#slot(d)]!;
    return total;
  }
}
