/**
 * Workers benchmark: the cost of a recording call made in a worker thread through
 * `connectMonitoring()` against the same call on the main thread's service, side by side in one
 * process (interleaved rounds, medians), and what the main thread pays to record what workers send.
 *
 *   npm exec -- node --conditions=@evil2root/source --expose-gc bench/workers.ts
 *   BENCH_QUICK=1 ...                                                            smoke run
 *
 * The worker's figure is the whole cost of its calls: copying each argument (with its time, for
 * the methods that read a clock) into the buffer's columns, plus the batches sent every
 * `batchSize` calls (their strings cloned, their typed columns shared), divided by the calls.
 * The main thread's share is its event-loop busy time while it records the workers' batches,
 * divided by the calls.
 *
 * Then the flood (bench/worker-flood.ts): 4 worker threads, then 1, recording as fast as they can,
 * against the same threads spinning on arithmetic with no monitoring at all (the baseline), and
 * against that baseline with a main thread that works 2 ms in every 10 (the control), interleaved:
 * the main thread's longest event-loop delay in each, and in that gap its own CPU time and its time
 * waiting for a core. Ends with a `JSON: {...}` line (bench/run-all.ts).
 */
import { cpus } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { MASK, WORKER_METHODS, workerArguments, type WorkerMethod } from './fixtures.ts';
import { flood, floodInWorker, TICK_MS, type Contestant, type FloodRequest, type Gap } from './worker-flood.ts';
import { connectMonitoring, initEnhancedMonitoring, silentLogger } from '@evil2root/monitoring';

const QUICK = process.env['BENCH_QUICK'] === '1';
const ROUNDS = QUICK ? 3 : 9;
const CALLS = QUICK ? 50_000 : 200_000;
const FLOOD_THREADS = 4;
const FLOOD_ROUNDS = QUICK ? 1 : 5;
const FLOOD_MS = QUICK ? 500 : 2000;

type Method = WorkerMethod;
const METHODS = WORKER_METHODS;
const ARGUMENTS = workerArguments();

interface FloodResult {
  threads: number;
  workers: string;
  mainBusy: boolean;
  medianDelayMs: number;
  maxDelayMs: number;
  worstGapCpuMs: number;
  worstGapWaitMs: number;
  worstGapAsleepMs: number;
  worstGapCpuShare: number;
  maxCpuInGapMs: number;
  cpuShare: number;
  preemptionsPerSecond: number;
  callsPerSecond: number;
  appliedPerSecond: number;
}

type Recorder = Record<Method, (argument: never) => void> & { flush?: () => Promise<boolean> };

const CHUNK = 5000;

/**
 * ns per call of `calls` calls of `method` on `target`, made in chunks of 5000 with a turn of the
 * event loop between them (as a bot's loop yields between ticks); only the calls are timed.
 */
async function time(target: Recorder, method: Method, calls: number): Promise<number> {
  const record = target[method] as (argument: unknown) => void;
  const args = ARGUMENTS[method];
  let ms = 0;
  for (let done = 0; done < calls; done += CHUNK) {
    const start = performance.now();
    for (let i = done, end = Math.min(calls, done + CHUNK); i < end; i++) record.call(target, args[i & MASK]);
    ms += performance.now() - start;
    // A worker waits, untimed, until the main thread has recorded the chunk: the bench measures
    // calls, not a backlog (a worker faster than the main thread would fill its buffer and drop).
    if (target.flush !== undefined) await target.flush();
    else await new Promise((resolve) => setImmediate(resolve));
  }
  return (ms * 1e6) / calls;
}

if (!isMainThread) {
  const recorder = (await connectMonitoring()) as unknown as Recorder & { flush(): Promise<boolean> };
  parentPort?.on('message', (request: { method: Method; calls: number } | FloodRequest) => {
    if ('flood' in request) {
      void floodInWorker(recorder, request, ARGUMENTS).then((reply) => parentPort?.postMessage(reply));
      return;
    }
    const { method, calls } = request;
    void time(recorder, method, calls).then(async (ns) => {
      const flushed = await recorder.flush();
      parentPort?.postMessage({ ns, flushed });
    });
  });
  parentPort?.postMessage({ ready: true });
} else {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const monitoring = await initEnhancedMonitoring({
    port: false,
    dashboard: false,
    systemMetrics: false,
    logger: silentLogger,
  });
  const main = monitoring as unknown as Recorder;
  const worker = new Worker(new URL(import.meta.url));
  const replies: ((reply: { ns: number; flushed: boolean }) => void)[] = [];
  await new Promise<void>((resolve) =>
    worker.on('message', (message: { ready?: boolean; ns: number; flushed: boolean }) => {
      if (message.ready === true) resolve();
      else replies.shift()?.(message);
    }),
  );
  const inWorker = (method: Method, calls: number) =>
    new Promise<{ ns: number; flushed: boolean }>((resolve) => {
      replies.push(resolve);
      worker.postMessage({ method, calls });
    });

  const delay = monitorEventLoopDelay({ resolution: 1 });
  const results: Record<string, { mainNs: number; workerNs: number; ratio: number; primaryNsPerForwarded: number }> =
    {};
  // Warm both sides up.
  for (const method of METHODS) {
    await time(main, method, CALLS / 4);
    await inWorker(method, CALLS / 4);
  }
  for (const method of METHODS) {
    const mainNs: number[] = [];
    const workerNs: number[] = [];
    const primaryNs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      (globalThis as { gc?: () => void }).gc?.();
      mainNs.push(await time(main, method, CALLS));
      const before = performance.eventLoopUtilization();
      delay.enable();
      const reply = await inWorker(method, CALLS);
      delay.disable();
      const busy = performance.eventLoopUtilization(before);
      if (!reply.flushed) throw new Error('the worker could not flush');
      workerNs.push(reply.ns);
      primaryNs.push((busy.active * 1e6) / CALLS);
    }
    const m = median(mainNs);
    const w = median(workerNs);
    results[method] = { mainNs: m, workerNs: w, ratio: w / m, primaryNsPerForwarded: median(primaryNs) };
    process.stderr.write(`  ${method}: main ${m.toFixed(0)} ns, worker ${w.toFixed(0)} ns\n`);
  }
  // Everything the worker sent was recorded: the counts match the calls made.
  let text = await monitoring.metricsText();
  const total = (prefix: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  const executed = total('executed_trades_total{');
  const dropped = total('monitoring_forwarded_dropped_total');
  const expected = 2 * (CALLS / 4 + ROUNDS * CALLS);
  if (executed !== expected)
    throw new Error(`executed_trades_total is ${executed} (${dropped} dropped), expected ${expected}`);
  await worker.terminate();

  // The flood: the same threads recording as fast as they can, against spinning with no monitoring.
  const floodWorkers = await Promise.all(
    Array.from({ length: FLOOD_THREADS }, async () => {
      const flooder = new Worker(new URL(import.meta.url));
      await new Promise((resolve) => flooder.once('message', resolve));
      return flooder;
    }),
  );
  const contestants: readonly Contestant[] = [
    { key: 'spin4', workers: 'spin', threads: FLOOD_THREADS, mainBusy: false },
    { key: 'sdk4', workers: 'sdk', threads: FLOOD_THREADS, mainBusy: false },
    { key: 'spin4Busy', workers: 'spin', threads: FLOOD_THREADS, mainBusy: true },
    { key: 'spin1', workers: 'spin', threads: 1, mainBusy: false },
    { key: 'sdk1', workers: 'sdk', threads: 1, mainBusy: false },
  ];
  const floods = new Map<Contestant, (Gap & { calls: number; applied: number })[]>(contestants.map((c) => [c, []]));
  const floodedBefore = total('monitoring_forwarded_calls_total{') + total('monitoring_forwarded_dropped_total');
  let floodedCalls = 0;
  for (let round = 0; round < FLOOD_ROUNDS; round++) {
    for (let i = 0; i < contestants.length; i++) {
      const c = contestants[(i + round) % contestants.length]!;
      text = await monitoring.metricsText();
      const appliedBefore = total('monitoring_forwarded_calls_total{');
      (globalThis as { gc?: () => void }).gc?.();
      const r = await flood(floodWorkers, c, FLOOD_MS);
      text = await monitoring.metricsText();
      floods.get(c)!.push({ ...r, applied: total('monitoring_forwarded_calls_total{') - appliedBefore });
      if (c.workers === 'sdk') floodedCalls += r.calls;
      process.stderr.write(
        `  flood ${c.key}: longest delay ${r.delayMs.toFixed(1)} ms (main thread on CPU ${r.cpuMs.toFixed(1)} ms, waiting for a core ${r.waitMs.toFixed(1)} ms), most CPU in one gap ${r.maxCpuMs.toFixed(1)} ms\n`,
      );
    }
  }
  await Promise.all(floodWorkers.map((w) => w.terminate()));
  text = await monitoring.metricsText();
  // Every call a flooding worker made was recorded here or counted as dropped.
  const floodedAfter = total('monitoring_forwarded_calls_total{') + total('monitoring_forwarded_dropped_total');
  if (floodedAfter - floodedBefore !== floodedCalls)
    throw new Error(`the flood made ${floodedCalls} calls, ${floodedAfter - floodedBefore} recorded or dropped`);
  const floodDropped = total('monitoring_forwarded_dropped_total') - dropped;
  await monitoring.shutdown();

  console.log(
    `node ${process.version} | ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical CPUs) | ${ROUNDS} rounds of ${CALLS.toLocaleString('en-US')} calls, medians`,
  );
  console.log('');
  console.log('| call | main thread | worker thread | worker / main | main thread per forwarded call |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [method, r] of Object.entries(results))
    console.log(
      `| ${method} | ${r.mainNs.toFixed(0)} ns | ${r.workerNs.toFixed(0)} ns | ${r.ratio.toFixed(2)}x | ${r.primaryNsPerForwarded.toFixed(0)} ns |`,
    );
  const longestPauseMs = delay.max / 1e6;
  console.log('');
  console.log(
    `longest main-thread event-loop delay while recording the workers' batches: ${longestPauseMs.toFixed(1)} ms`,
  );
  const worst = Math.max(...Object.values(results).map((r) => r.ratio));
  console.log(
    `goal: worker call at most 2x the main thread's: ${worst <= 2 ? 'MET' : 'MISSED'} (worst ${worst.toFixed(2)}x)`,
  );
  const flooded: Record<string, FloodResult> = {};
  for (const c of contestants) {
    const runs = floods.get(c)!;
    const worstRun = runs.reduce((a, b) => (b.delayMs > a.delayMs ? b : a));
    flooded[c.key] = {
      threads: c.threads,
      workers: c.workers,
      mainBusy: c.mainBusy,
      medianDelayMs: median(runs.map((r) => r.delayMs)),
      maxDelayMs: worstRun.delayMs,
      worstGapCpuMs: worstRun.cpuMs,
      worstGapWaitMs: worstRun.waitMs,
      worstGapAsleepMs: Math.max(0, worstRun.delayMs + TICK_MS - worstRun.cpuMs - worstRun.waitMs),
      worstGapCpuShare: worstRun.cpuMs / (worstRun.delayMs + TICK_MS),
      maxCpuInGapMs: Math.max(...runs.map((r) => r.maxCpuMs)),
      cpuShare: median(runs.map((r) => r.cpuShare)),
      preemptionsPerSecond: median(runs.map((r) => r.preemptionsPerSecond)),
      callsPerSecond: c.workers === 'sdk' ? (median(runs.map((r) => r.calls)) * 1000) / FLOOD_MS : 0,
      appliedPerSecond: (median(runs.map((r) => r.applied)) * 1000) / FLOOD_MS,
    };
  }
  console.log('');
  console.log(
    `The main thread's event loop while worker threads work flat out: ${FLOOD_ROUNDS} interleaved rounds of ${FLOOD_MS} ms per row. A 1 ms timer on the main thread; delay = longest gap between two ticks - 1 ms; in that gap, the main thread's time on CPU and its time runnable but waiting for a core (Linux's /proc/<pid>/task/<tid>/schedstat); 'most CPU between two ticks' is the longest the main thread ran without its timer getting a turn. The CPU times advance at the scheduler's tick or a context switch (250 Hz kernels: a gap's CPU time is known to about 4 ms); the wait is exact. The control: the main thread itself works 2 ms in every 10.`,
  );
  console.log('');
  console.log(
    '| worker threads | main thread | longest delay, median | worst round | in it: on CPU | waiting for a core | asleep | most CPU between two ticks | main thread CPU | preempted per s | SDK calls offered / applied per s |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of contestants) {
    const f = flooded[c.key]!;
    console.log(
      `| ${c.threads} ${c.workers === 'sdk' ? 'recording through the SDK' : 'spinning, no monitoring'} | ${c.workers === 'sdk' ? 'records their calls' : c.mainBusy ? 'works 2 ms in 10' : 'idle'} | ${f.medianDelayMs.toFixed(1)} ms | ${f.maxDelayMs.toFixed(1)} ms | ${f.worstGapCpuMs.toFixed(1)} ms | ${f.worstGapWaitMs.toFixed(1)} ms | ${f.worstGapAsleepMs.toFixed(1)} ms | ${f.maxCpuInGapMs.toFixed(1)} ms | ${(f.cpuShare * 100).toFixed(0)}% | ${f.preemptionsPerSecond.toFixed(0)} | ${c.workers === 'sdk' ? `${(f.callsPerSecond / 1e6).toFixed(1)} M / ${(f.appliedPerSecond / 1e6).toFixed(2)} M` : '-'} |`,
    );
  }
  console.log('');
  console.log(
    `SDK calls of the flood dropped in the workers (buffers full) and counted: ${floodDropped.toLocaleString('en-US')} of ${floodedCalls.toLocaleString('en-US')}`,
  );
  const sdk = flooded['sdk4']!;
  const baseline = flooded['spin4']!;
  const sdkCpuInGap = Math.max(sdk.maxCpuInGapMs, flooded['sdk1']!.maxCpuInGapMs);
  console.log(
    `${FLOOD_THREADS} threads: longest delay with the SDK flood ${sdk.maxDelayMs.toFixed(1)} ms (median ${sdk.medianDelayMs.toFixed(1)}), spinning baseline ${baseline.maxDelayMs.toFixed(1)} ms (median ${baseline.medianDelayMs.toFixed(1)}); in the SDK flood's worst gap the main thread was on CPU ${(sdk.worstGapCpuShare * 100).toFixed(0)}% of it`,
  );
  console.log(
    `goal: the main thread runs at most 10 ms between two ticks of its timer while workers flood it: ${sdkCpuInGap <= 10 ? 'MET' : 'MISSED'} (${sdkCpuInGap.toFixed(1)} ms)`,
  );
  console.log(
    `JSON: ${JSON.stringify({
      quick: QUICK,
      rounds: ROUNDS,
      calls: CALLS,
      results,
      longestPauseMs,
      worstRatio: worst,
      goalMet: worst <= 2,
      flood: flooded,
      floodLongestDelayMs: sdk.maxDelayMs,
      baselineLongestDelayMs: baseline.maxDelayMs,
      floodWorstGapCpuShare: sdk.worstGapCpuShare,
      floodMaxCpuInGapMs: sdkCpuInGap,
      floodGoalMet: sdkCpuInGap <= 10,
      floodDropped,
      floodCalls: floodedCalls,
    })}`,
  );
}
