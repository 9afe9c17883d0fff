import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';

/** The part of the event loop's time the exposition may take while the rest of the loop wants the remainder. */
export const LOOP_SHARE = 0.25;
/** Work (ms) done at full speed before the share applies: a scrape of a few thousand series is never slowed. */
const BURST_MS = 20;
/** A turn in which the rest of the loop ran for less than this (ms) was idle: nobody waits for the loop. */
const IDLE_TURN_MS = 0.2;
/** Longest single wait (ms): the time owed is given back in steps, each one a chance to find the loop idle. */
const MAX_WAIT_MS = 20;

/**
 * CPU time of the event loop's thread, ms: what the loop really spent. On a machine shared with
 * other processes, wall time also counts the time the thread was not running at all, which is
 * nobody's work on the loop. Wall time where Node lacks `process.threadCpuUsage` (before 23.9).
 */
export const loopClock: () => number =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const { user, system } = process.threadCpuUsage();
        return (user + system) / 1000;
      }
    : () => performance.now();

/**
 * Keeps the exposition's synchronous work (rendering slices, socket writes) to a share of the event
 * loop's time while the rest of the loop is busy: a bot recording between our slices, or scrapers
 * asking back to back, would otherwise get one turn for each of our slices and little more.
 *
 * Each millisecond of our work owes the rest of the loop (1 - share) / share milliseconds. The time
 * others use between our turns pays it back (both measured as the thread's CPU time, `loopClock`); past a burst, while the turns we yield are used, we
 * pay the rest by waiting on a timer, during which the bot runs as many turns as it likes. A turn
 * nobody else used clears the debt: on an idle loop nothing ever waits, so a lone scrape is as fast
 * as without it. One instance is shared by every scrape of an endpoint: together they take the share.
 */
export class LoopShare {
  /** Waits on a timer so far: how often the share held the exposition back. */
  waits = 0;
  private readonly owedPerMs: number;
  private owedMs = 0;
  private busy = false;
  private gate: Promise<void> | undefined;

  constructor(share = LOOP_SHARE) {
    this.owedPerMs = (1 - share) / share;
  }

  /** Records `ms` of synchronous work on the loop, measured with `loopClock`. */
  charge(ms: number): void {
    this.owedMs += ms * this.owedPerMs;
  }

  /** Resolves at once within the share; else once enough time was left to the rest of the loop. */
  async admit(): Promise<void> {
    for (;;) {
      if (this.gate !== undefined) {
        await this.gate;
        continue;
      }
      if (!this.busy || this.owedMs <= BURST_MS * this.owedPerMs) return;
      const started = performance.now();
      this.waits++;
      this.gate = delay(Math.min(this.owedMs, MAX_WAIT_MS)).then(() => {
        this.owedMs = Math.max(0, this.owedMs - (performance.now() - started));
        this.gate = undefined;
      });
    }
  }

  /** One turn of the event loop, after `admit()`: what others did in it pays the debt, and an idle turn clears it. */
  async yield(): Promise<void> {
    await this.admit();
    const before = loopClock();
    const owed = this.owedMs;
    await nextTurn();
    // Our own work in this turn (other scrapes' slices and writes) is not the others'.
    const others = loopClock() - before - (this.owedMs - owed) / this.owedPerMs;
    this.busy = others >= IDLE_TURN_MS;
    this.owedMs = this.busy ? Math.max(0, this.owedMs - others) : 0;
  }
}
