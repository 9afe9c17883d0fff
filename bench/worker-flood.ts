/**
 * The flood of bench/workers.ts: worker threads recording as fast as they can through
 * `connectMonitoring()`, against the same threads spinning on arithmetic with no monitoring at all,
 * while the main thread's event loop runs a 1 ms timer. Each gap between two ticks is timed on the
 * wall clock and on the main thread's own CPU clock (Linux's schedstat): a long gap in which
 * the thread ran tells of work on the thread (ours, Node's message delivery, GC); one in which it did
 * not run tells of a thread the kernel left waiting for a core (more runnable threads than cores).
 * The control keeps the spinning threads and gives the main thread work of its own (2 ms in every
 * 10), to tell what the SDK's work costs in waits from what any work on the main thread costs.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { ClosedTrade, ExecutedTrade, TradingSignal } from '@evil2root/monitoring';
import type { WorkerArguments } from './fixtures.ts';

/** What the flooding threads do: record through the SDK, or spin on arithmetic without it. */
export type FloodMode = 'sdk' | 'spin';

export interface FloodRequest {
  readonly flood: FloodMode;
  readonly ms: number;
}

export interface FloodReply {
  /** Recording calls made (sdk), or arithmetic steps (spin). */
  readonly calls: number;
  /** Whether the main thread recorded everything the worker sent (sdk; true for spin). */
  readonly flushed: boolean;
  /** Keeps the arithmetic from being optimized away. */
  readonly sink: number;
}

interface FloodRecorder {
  recordTradingSignal(signal: TradingSignal): void;
  recordExecutedTrade(trade: ExecutedTrade): void;
  recordClosedTrade(trade: ClosedTrade): void;
  flush(timeoutMs?: number): Promise<boolean>;
}

/** How long a flooding thread works between two turns of its event loop, ms (as a busy bot's loop). */
const WORK_MS = 1;
const GROUP = 64;

/**
 * In a worker: for `ms`, records signals, executed trades and closed trades in turn as fast as it
 * can (sdk), or spins on `Math.sqrt` (spin), yielding to its event loop every millisecond; then,
 * for sdk, waits until the main thread recorded everything sent.
 */
export async function floodInWorker(
  recorder: FloodRecorder,
  request: FloodRequest,
  fixtures: WorkerArguments,
): Promise<FloodReply> {
  const { recordTradingSignal: signals, recordExecutedTrade: trades, recordClosedTrade: closed } = fixtures;
  const mask = signals.length - 1;
  const end = performance.now() + request.ms;
  let calls = 0;
  let x = 1;
  while (performance.now() < end) {
    const sliceEnd = performance.now() + WORK_MS;
    do {
      if (request.flood === 'sdk') {
        for (let i = 0; i < GROUP; i++) {
          const k = (calls / 3) & mask;
          recorder.recordTradingSignal(signals[k]!);
          recorder.recordExecutedTrade(trades[k]!);
          recorder.recordClosedTrade(closed[k]!);
          calls += 3;
        }
      } else {
        for (let i = 0; i < GROUP; i++) x = Math.sqrt(x + i) * 1.0001;
        calls += GROUP;
      }
    } while (performance.now() < sliceEnd);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const flushed = request.flood === 'sdk' ? await recorder.flush(60_000) : true;
  return { calls, flushed, sink: x };
}

/**
 * The main thread's CPU time and its time runnable but waiting for a core, ms. On Linux both come
 * from /proc/<pid>/task/<tid>/schedstat (ns, read through a descriptor kept open). The wait is
 * accounted exactly at each switch onto a core; the CPU time of the running thread only at the
 * scheduler's tick or a context switch (4 ms at most on a 250 Hz kernel), as getrusage()'s, which
 * `process.threadCpuUsage()` reads: Node exposes no CLOCK_THREAD_CPUTIME_ID. Elsewhere the CPU
 * time is `process.threadCpuUsage()`'s and the wait is NaN.
 */
class ThreadClock {
  cpuMs = 0;
  waitMs = Number.NaN;
  private readonly fd: number | undefined;
  private readonly buffer = Buffer.alloc(128);

  constructor() {
    try {
      this.fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
    } catch {
      this.fd = undefined;
    }
  }

  read(): void {
    if (this.fd === undefined) {
      const { user, system } = process.threadCpuUsage();
      this.cpuMs = (user + system) / 1000;
      return;
    }
    const length = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
    const fields = this.buffer.toString('latin1', 0, length).split(' ');
    this.cpuMs = Number(fields[0]) / 1e6;
    this.waitMs = Number(fields[1]) / 1e6;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }

  /** The main thread's involuntary context switches so far (Linux; NaN elsewhere). */
  static preemptions(): number {
    try {
      const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'latin1');
      return Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    } catch {
      return Number.NaN;
    }
  }
}

/** The timer of the main thread whose gaps are measured, ms. */
export const TICK_MS = 1;

/** The longest gap between two ticks of a 1 ms timer, and where the main thread was within it. */
export interface Gap {
  /** The longest gap minus the timer's 1 ms: the event loop's longest delay, ms. */
  readonly delayMs: number;
  /** The main thread's CPU time within that gap, ms: what ran on it (our code, Node's delivery, GC, the timer). */
  readonly cpuMs: number;
  /** The main thread's time runnable but waiting for a core within that gap, ms (Linux; NaN elsewhere). */
  readonly waitMs: number;
  /** The most CPU time the main thread spent in any one gap, ms: its longest stretch of work between two ticks. */
  readonly maxCpuMs: number;
  /** The main thread's CPU time / wall time over the whole flood. */
  readonly cpuShare: number;
  /** How many times a second the kernel took the main thread off a core while it could run (Linux; NaN elsewhere). */
  readonly preemptionsPerSecond: number;
}

/** Runs a 1 ms timer on the main thread and keeps its longest gap, on the wall clock and the thread's CPU clock. */
export class GapSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly clock = new ThreadClock();
  private startWall = 0;
  private startCpu = 0;
  private lastWall = 0;
  private lastCpu = 0;
  private lastWait = 0;
  private worstGap = 0;
  private worstCpu = 0;
  private worstWait = 0;
  private maxCpu = 0;
  private startPreemptions = 0;

  start(): void {
    this.startPreemptions = ThreadClock.preemptions();
    this.clock.read();
    this.startWall = this.lastWall = performance.now();
    this.startCpu = this.lastCpu = this.clock.cpuMs;
    this.lastWait = this.clock.waitMs;
    this.worstGap = this.worstCpu = this.worstWait = this.maxCpu = 0;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    const wall = performance.now();
    this.clock.read();
    const { cpuMs: cpu, waitMs: wait } = this.clock;
    if (wall - this.lastWall > this.worstGap) {
      this.worstGap = wall - this.lastWall;
      this.worstCpu = cpu - this.lastCpu;
      this.worstWait = wait - this.lastWait;
    }
    if (cpu - this.lastCpu > this.maxCpu) this.maxCpu = cpu - this.lastCpu;
    this.lastWall = wall;
    this.lastCpu = cpu;
    this.lastWait = wait;
  }

  stop(): Gap {
    this.tick();
    clearInterval(this.timer);
    this.clock.close();
    return {
      delayMs: Math.max(0, this.worstGap - TICK_MS),
      cpuMs: this.worstCpu,
      waitMs: this.worstWait,
      maxCpuMs: this.maxCpu,
      cpuShare: (this.lastCpu - this.startCpu) / (this.lastWall - this.startWall),
      preemptionsPerSecond:
        ((ThreadClock.preemptions() - this.startPreemptions) * 1000) / (this.lastWall - this.startWall),
    };
  }
}

/** The control's main thread: `BUSY_MS` of arithmetic, then `REST_MS` asleep, as a bot's own tick. */
const BUSY_MS = 2;
const REST_MS = 8;

/** Keeps the main thread busy as the control does until `signal` aborts. */
function busyMainThread(signal: AbortSignal): void {
  let x = 1;
  const work = () => {
    if (signal.aborted) return;
    const until = performance.now() + BUSY_MS;
    while (performance.now() < until) for (let i = 0; i < GROUP; i++) x = Math.sqrt(x + i) * 1.0001;
    setTimeout(work, REST_MS);
  };
  setTimeout(work, REST_MS);
}

/** A contestant: what `threads` worker threads do, and whether the main thread works too (the control). */
export interface Contestant {
  readonly key: string;
  readonly workers: FloodMode;
  readonly threads: number;
  readonly mainBusy: boolean;
}

/**
 * One flood: `c.threads` of `workers` flood for `ms` while the sampler runs (and, for the control,
 * the main thread works 2 ms in every 10); resolves once each has answered (for sdk, once the main
 * thread recorded everything it sent).
 */
export async function flood(workers: readonly Worker[], c: Contestant, ms: number): Promise<Gap & { calls: number }> {
  const sampler = new GapSampler();
  const busy = new AbortController();
  sampler.start();
  if (c.mainBusy) busyMainThread(busy.signal);
  const replies = await Promise.all(
    workers.slice(0, c.threads).map(
      (worker) =>
        new Promise<FloodReply>((resolve) => {
          worker.once('message', resolve);
          worker.postMessage({ flood: c.workers, ms } satisfies FloodRequest);
        }),
    ),
  );
  busy.abort();
  const gap = sampler.stop();
  if (replies.some((r) => !r.flushed)) throw new Error('a flooding worker could not flush');
  return { ...gap, calls: replies.reduce((sum, r) => sum + r.calls, 0) };
}
