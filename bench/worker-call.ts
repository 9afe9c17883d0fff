/**
 * The recording call in a worker thread against the same call on the main thread's service, paired
 * round by round: each round times the main thread's calls, then the worker's, back to back, and
 * the figure is the median of the rounds' ratios, so that the load of other processes on a shared
 * machine weighs on both sides of each ratio (bench/workers.ts gives each side's median apart, and
 * the main thread's share).
 *
 *   npm exec -- node --conditions=@evil2root/source --expose-gc bench/worker-call.ts
 *   WORKER_CALL_BASELINE=<git ref> ...   also the worker side as of that commit, in the same rounds
 *   BENCH_QUICK=1 ...                    smoke run
 *
 * The worker side is the recorder's own path (`ForwardingBuffer.record` behind a method closure, as
 * `connectMonitoring()` builds it) with a link as a thread's: shared columns, batches of 512, at most
 * 8 in flight. Its batches go over a MessagePort of their own to the main thread, which reads them
 * with the same tree's reader, records them into the service and acknowledges them; the baseline's
 * tree is extracted with `git archive` into a temporary directory. The calls are made in chunks of
 * 5000 with a flush between them, untimed, as in bench/workers.ts. Ends with a `JSON: {...}` line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, MessageChannel, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { MASK, WORKER_METHODS, workerArguments, type WorkerMethod } from './fixtures.ts';
import { table } from './harness.ts';
import type * as Copy from '../src/workers/copy.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const ROUNDS = QUICK ? 3 : 15;
const CALLS = QUICK ? 20_000 : 100_000;
const CHUNK = 5000;
const SOURCE = new URL('../src/', import.meta.url).href;

const METHODS = WORKER_METHODS;
type Method = WorkerMethod;
const ARGUMENTS = workerArguments();

/** One tree's worker side: its src/ directory as a URL, and a name for the table. */
interface Variant {
  readonly name: string;
  readonly source: string;
}

interface RecorderModule {
  ForwardingBuffer: new (settings: object) => {
    attach(link: object): void;
    receive(message: object): void;
    record(method: number, argument: unknown): void;
    flush(timeoutMs: number): Promise<boolean>;
  };
}

/**
 * ns per call of `calls` calls of `call` on `target` (as bench/workers.ts makes them) in chunks of 5000, awaiting `settle` between
 * chunks (untimed). One copy of this loop per variant (see `timer`), so that no variant runs on
 * code whose type feedback another variant's calls shaped.
 */
function timer(): (
  call: (argument: object) => void,
  target: object | undefined,
  args: readonly object[],
  calls: number,
  settle: () => Promise<unknown>,
) => Promise<number> {
  return new Function(
    'call',
    'target',
    'args',
    'calls',
    'settle',
    `return (async () => {
      let ms = 0;
      for (let done = 0; done < calls; done += ${CHUNK}) {
        const start = performance.now();
        for (let i = done, end = Math.min(calls, done + ${CHUNK}); i < end; i++) call.call(target, args[i & ${MASK}]);
        ms += performance.now() - start;
        await settle();
      }
      return (ms * 1e6) / calls;
    })(); // ${Math.random()}`,
  ) as never;
}

if (!isMainThread) {
  const { variants, methods } = workerData as { variants: Variant[]; methods: readonly string[] };
  const sides: {
    record: Record<Method, (argument: object) => void>;
    flush: () => Promise<boolean>;
    time: ReturnType<typeof timer>;
  }[] = [];
  const setUp = async (ports: MessagePort[]) => {
    for (const [v, variant] of variants.entries()) {
      const { ForwardingBuffer } = (await import(`${variant.source}workers/recorder.ts`)) as RecorderModule;
      const port = ports[v] as MessagePort;
      const buffer = new ForwardingBuffer({
        batchSize: 512,
        flushIntervalMs: 20,
        maxBufferedCalls: 100_000,
        maxBatchesInFlight: 8,
      });
      port.on('message', (message: object) => buffer.receive(message));
      buffer.attach({
        worker: String(v + 1),
        json: false,
        copies: true,
        shares: true,
        send: (message: object) => {
          port.postMessage(message);
          return true;
        },
        hello: () => {},
        close: () => port.close(),
      });
      buffer.receive({ tag: '', kind: 'ready', to: String(v + 1), strict: false });
      const record = {} as Record<Method, (argument: object) => void>;
      for (const name of METHODS) {
        const method = methods.indexOf(name);
        record[name] = (argument: object) => buffer.record(method, argument);
      }
      sides.push({ record, flush: () => buffer.flush(5000), time: timer() });
    }
    parentPort?.on('message', ({ v, method, calls }: { v: number; method: Method; calls: number }) => {
      const side = sides[v]!;
      void side
        .time(side.record[method], undefined, ARGUMENTS[method], calls, side.flush)
        .then((ns) => parentPort?.postMessage(ns));
    });
    parentPort?.postMessage('ready');
  };
  parentPort?.once('message', ({ ports }: { ports: MessagePort[] }) => void setUp(ports));
} else {
  const ref = process.env['WORKER_CALL_BASELINE'];
  let baselineDir: string | undefined;
  const variants: Variant[] = [{ name: 'worker', source: SOURCE }];
  if (ref !== undefined) {
    baselineDir = mkdtempSync(join(tmpdir(), 'worker-call-baseline-'));
    const archive = execFileSync('git', ['archive', ref, 'src'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      maxBuffer: 64 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', baselineDir], { input: archive });
    variants.push({ name: `worker at ${ref}`, source: pathToFileURL(join(baselineDir, 'src')).href + '/' });
  }
  const { initEnhancedMonitoring, silentLogger } = await import('@evil2root/monitoring');
  const { FORWARDED_METHODS } = await import('../src/workers/methods.ts');
  const monitoring = await initEnhancedMonitoring({
    port: false,
    dashboard: false,
    systemMetrics: false,
    logger: silentLogger,
  });
  const service = monitoring as unknown as Record<Method, (argument: object) => void> & {
    replayForwarded(method: string, at: number, argument: unknown): void;
  };
  const ports: MessagePort[] = [];
  for (const variant of variants) {
    const { EntryReader } = (await import(`${variant.source}workers/copy.ts`)) as typeof Copy;
    const { port1, port2 } = new MessageChannel();
    const shapes: (readonly string[])[] = [];
    const entry = { code: 0, at: 0, argument: undefined as unknown };
    port1.on(
      'message',
      (batch: { kind: string; seq: number; shapesFrom: number; shapes: string[][]; entries: never }) => {
        if (batch.kind !== 'batch') return;
        batch.shapes.forEach((keys, i) => (shapes[batch.shapesFrom + i] = keys));
        const reader = new EntryReader(batch.entries, shapes);
        while (reader.next(entry))
          service.replayForwarded(FORWARDED_METHODS[entry.code] as string, entry.at, entry.argument);
        port1.postMessage({ tag: '', kind: 'ack', seq: batch.seq });
      },
    );
    ports.push(port2);
  }
  const worker = new Worker(new URL(import.meta.url), { workerData: { variants, methods: FORWARDED_METHODS } });
  const replies: ((ns: number) => void)[] = [];
  await new Promise<void>((resolve) => {
    worker.on('message', (message: 'ready' | number) => (message === 'ready' ? resolve() : replies.shift()?.(message)));
    worker.postMessage({ ports }, ports);
  });
  const inWorker = (v: number, method: Method, calls: number) =>
    new Promise<number>((resolve) => {
      replies.push(resolve);
      worker.postMessage({ v, method, calls });
    });
  const mainTime = timer();
  const onMain = (method: Method, calls: number) =>
    mainTime(service[method], service, ARGUMENTS[method], calls, () => new Promise((r) => setImmediate(r)));

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const results: Record<string, { mainNs: number; workerNs: number[]; ratio: number[] }> = {};
  for (const method of METHODS) {
    await onMain(method, CALLS / 4);
    for (let v = 0; v < variants.length; v++) await inWorker(v, method, CALLS / 4);
  }
  for (const method of METHODS) {
    const main: number[] = [];
    const sides = variants.map(() => ({ ns: [] as number[], ratio: [] as number[] }));
    for (let round = 0; round < ROUNDS; round++) {
      (globalThis as { gc?: () => void }).gc?.();
      const m = await onMain(method, CALLS);
      main.push(m);
      // The variants' order alternates, so that neither always runs right after the main thread.
      const order = variants.map((_, v) => (round % 2 === 0 ? v : variants.length - 1 - v));
      for (const v of order) {
        const ns = await inWorker(v, method, CALLS);
        sides[v]!.ns.push(ns);
        sides[v]!.ratio.push(ns / m);
      }
    }
    results[method] = {
      mainNs: median(main),
      workerNs: sides.map((s) => median(s.ns)),
      ratio: sides.map((s) => median(s.ratio)),
    };
    process.stderr.write(
      `  ${method}: main ${median(main).toFixed(0)} ns, ${variants.map((vt, v) => `${vt.name} ${median(sides[v]!.ns).toFixed(0)} ns`).join(', ')}\n`,
    );
  }
  await worker.terminate();
  await monitoring.shutdown();
  if (baselineDir !== undefined) rmSync(baselineDir, { recursive: true, force: true });

  console.log(
    `node ${process.version} | ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical CPUs, load ${loadavg()[0]?.toFixed(1)}) | ${ROUNDS} rounds of ${CALLS.toLocaleString('en-US')} calls, medians`,
  );
  console.log('');
  console.log(
    table(
      ['call', 'main thread', ...variants.flatMap((v) => [v.name, `${v.name} / main (median of rounds)`])],
      METHODS.map((method) => {
        const r = results[method]!;
        return [
          method,
          `${r.mainNs.toFixed(0)} ns`,
          ...variants.flatMap((_, v) => [`${r.workerNs[v]!.toFixed(0)} ns`, `${r.ratio[v]!.toFixed(2)}x`]),
        ];
      }),
    ),
  );
  console.log(
    `JSON: ${JSON.stringify({ quick: QUICK, rounds: ROUNDS, calls: CALLS, baseline: ref ?? null, results })}`,
  );
}
