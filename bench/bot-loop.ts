// The trading bot's loop of the load benches (scrape.ts, http-load.ts): recording in slices that
// yield to the event loop, while a 10 ms tick runs and measures its own lateness.

/** The trading tick of the loop, ms. */
export const TICK_MS = 10;
/** A tick this much later than due counts as late, ms. */
export const LATE_MS = 5;

export interface LoopResult {
  /** Recording calls per second. */
  rate: number;
  ticks: number;
  /** Ticks that fired more than LATE_MS after their due time. */
  lateTicks: number;
  medianLateMs: number;
  maxLateMs: number;
  /** Longest pause between two recording slices, ms. */
  maxGapMs: number;
}

/** The median; NaN for no value. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

/** Iterations in one recording slice, between two turns of the event loop. */
export const SLICE = 2000;

/**
 * For `ms`: calls `slice(i)` (which records iterations i to i + SLICE - 1 and returns how many
 * recording calls it made), yielding to the event loop between slices as a bot's loop does, while a
 * 10 ms tick runs; each tick's lateness is its gap from the previous one minus 10 ms (Node schedules
 * the next interval from the callback's start).
 */
export async function recordAndTick(ms: number, slice: (i: number) => number): Promise<LoopResult> {
  const late: number[] = [];
  let lastTick = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - lastTick - TICK_MS));
    lastTick = now;
  }, TICK_MS);
  const end = performance.now() + ms;
  let calls = 0;
  let last = performance.now();
  let maxGapMs = 0;
  try {
    for (let i = 0; performance.now() < end; i += SLICE) {
      calls += slice(i);
      await new Promise((r) => setImmediate(r));
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }
  } finally {
    clearInterval(tick);
  }
  return {
    rate: Math.round(calls / (ms / 1000)),
    ticks: late.length,
    lateTicks: late.filter((l) => l > LATE_MS).length,
    medianLateMs: round(median(late)),
    maxLateMs: round(Math.max(0, ...late)),
    maxGapMs: round(maxGapMs),
  };
}
