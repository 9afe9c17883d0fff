import type { Worker as ClusterWorker } from 'node:cluster';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import type { Logger } from '../core/logger.ts';
import { cluster } from './context.ts';
import { INVALID_REASONS, type InvalidReason } from '../contract/invalid-reasons.ts';
import { EntryReader, type Entry } from './copy.ts';
import { FORWARDED_METHODS } from './methods.ts';
import {
  asMessage,
  decodeJson,
  DISCOVERY_CHANNEL,
  TAG,
  workerChannelName,
  type Batch,
  type Hello,
  type Message,
} from './protocol.ts';

/** What the receiver needs of the service: replay a call at its record time, count what it cannot. */
export interface ForwardTarget {
  /** Records `method(argument)` as if called at `at` (Unix ms); throws only in strict mode. */
  replayForwarded(method: string, at: number, argument: unknown): void;
  /** Counts a call the worker could not copy as invalid input of `method`; throws only in strict mode. */
  rejectForwarded(method: string, reason: InvalidReason, field: string): void;
  /** Counts calls a worker dropped because its buffer was full. */
  countDropped(calls: number): void;
  /** Counts `calls` calls of `worker` recorded here. */
  countForwarded(worker: string, calls: number): void;
}

const REPLAYABLE: ReadonlySet<string> = new Set(FORWARDED_METHODS);
/** The longest stretch of the event loop spent replaying workers' messages before yielding, in ms. */
const SLICE_MS = 2;

/** What a worker may report as refused: its copy's refusals, and a tracked call's checks. */
const REFUSAL_REASONS: ReadonlySet<string> = new Set(INVALID_REASONS.filter((r) => r !== 'after_shutdown'));

/**
 * A worker's method list as this process replays it: a name this version does not forward (a newer
 * worker's method, or anything else a message may hold) maps to undefined, and its calls are skipped.
 */
function replayable(methods: unknown): readonly (string | undefined)[] {
  if (!Array.isArray(methods)) return [];
  return methods.map((name: unknown) => (typeof name === 'string' && REPLAYABLE.has(name) ? name : undefined));
}

/** One worker that said hello: how to answer it, and what its method numbers name. */
interface Source {
  readonly name: string;
  readonly methods: readonly (string | undefined)[];
  /** The shapes of its plain-object arguments, as its batches defined them. */
  shapes: (readonly string[])[];
  send(message: Message): void;
  close(): void;
  /** Resolves the pending drain, if any. */
  drained: (() => void) | undefined;
  /** The last batch applied in the current slice and not acknowledged yet, or 0. */
  unacked: number;
}

/** A hook for tests: sees every forwarded call as it is applied, in order. @internal */
export type ApplyTap = (worker: string, method: string, at: number, argument: unknown) => void;
let tap: ApplyTap | undefined;
/** @internal for tests: the order in which the primary applies forwarded calls. */
export function setApplyTap(next: ApplyTap | undefined): void {
  tap = next;
}

/**
 * The primary side: answers the hellos of worker threads (over BroadcastChannels) and of cluster
 * workers (over IPC), applies their batches in arrival order, acknowledges each, and at shutdown
 * asks every worker for what it holds before the service stops recording.
 */
export class WorkerReceiver {
  private readonly target: ForwardTarget;
  private readonly logger: Logger;
  private readonly strict: boolean;
  private readonly sources = new Map<string, Source>();
  private discovery: BroadcastChannel | undefined;
  private readonly warned = new Set<string>();
  private readonly entry: Entry = { code: 0, at: 0, argument: undefined };
  private readonly onClusterMessage = (worker: ClusterWorker, value: unknown) => {
    const message = asMessage(value);
    if (message !== undefined) this.receive(message, () => this.clusterSource(worker, message));
  };
  private readonly onClusterOnline = (worker: ClusterWorker) => this.sendCluster(worker, this.ready(undefined));
  private readonly onClusterExit = (worker: ClusterWorker) => {
    const name = `cluster:${worker.id}`;
    this.sources.get(name)?.drained?.();
    this.sources.delete(name);
  };

  constructor(target: ForwardTarget, strict: boolean, logger: Logger) {
    this.target = target;
    this.strict = strict;
    this.logger = logger;
  }

  start(): void {
    if (isMainThread) {
      const discovery = new BroadcastChannel(DISCOVERY_CHANNEL);
      discovery.onmessage = (event: unknown) => {
        const message = asMessage((event as { data?: unknown }).data);
        if (message?.kind === 'hello') this.threadHello(message);
      };
      discovery.unref();
      this.discovery = discovery;
      discovery.postMessage(this.ready(undefined));
    }
    if (cluster.isPrimary) {
      cluster.on('message', this.onClusterMessage);
      cluster.on('online', this.onClusterOnline);
      cluster.on('exit', this.onClusterExit);
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker !== undefined) this.sendCluster(worker, this.ready(undefined));
    }
  }

  private ready(to: string | undefined): Message {
    return { tag: TAG, kind: 'ready', to, strict: this.strict };
  }

  private threadHello(hello: Hello): void {
    // A thread's name is its threadId, which names its channel.
    if (typeof hello.worker !== 'string' || !/^[1-9]\d{0,9}$/.test(hello.worker)) return;
    let source = this.sources.get(hello.worker);
    if (source === undefined) {
      const channel = new BroadcastChannel(workerChannelName(Number(hello.worker)));
      channel.unref();
      const created: Source = {
        name: hello.worker,
        methods: replayable(hello.methods),
        shapes: [],
        send: (message) => channel.postMessage(message),
        close: () => channel.close(),
        drained: undefined,
        unacked: 0,
      };
      channel.onmessage = (event: unknown) => {
        const message = asMessage((event as { data?: unknown }).data);
        if (message !== undefined) this.receive(message, () => created);
      };
      this.sources.set(hello.worker, created);
      source = created;
    }
    source.send(this.ready(hello.worker));
  }

  private clusterSource(worker: ClusterWorker, message: Message): Source {
    const name = `cluster:${worker.id}`;
    let source = this.sources.get(name);
    if (message.kind === 'hello' || source === undefined) {
      source = {
        name,
        methods: message.kind === 'hello' ? replayable(message.methods) : (source?.methods ?? []),
        shapes: message.kind === 'hello' ? [] : (source?.shapes ?? []),
        send: (reply) => this.sendCluster(worker, reply),
        close: () => {},
        drained: source?.drained,
        unacked: 0,
      };
      this.sources.set(name, source);
    }
    return source;
  }

  private sendCluster(worker: ClusterWorker, message: Message): void {
    try {
      if (worker.isConnected()) worker.send(message, undefined, () => {});
    } catch {
      // The worker is going away: nothing to tell it.
    }
  }

  /** Messages received and not handled yet, in arrival order (bounded: each worker waits for acks past `maxBatchesInFlight`). */
  private readonly queue: { message: Message; sourceOf: () => Source }[] = [];
  private queueHead = 0;
  /** The sources whose batches of the current slice are not acknowledged yet. */
  private readonly unacked: Source[] = [];
  /** Whether a setImmediate is pending that handles what is queued. */
  private turnPending = false;
  private readonly onTurn = () => {
    this.turnPending = false;
    this.handleQueued(SLICE_MS);
  };

  /**
   * Takes a message in arrival order; it is handled in the check phase of the event loop (setImmediate),
   * at most about 2 ms per turn of the loop, whatever the number of messages: Node delivers every message
   * queued on a channel in one callback (src/node_messaging.cc, `MessagePort::OnMessage`), and those of
   * all workers in one poll phase, so handling them on delivery let a burst hold the loop for tens of ms.
   */
  private receive(message: Message, sourceOf: () => Source): void {
    this.queue.push({ message, sourceOf });
    if (!this.turnPending) {
      this.turnPending = true;
      setImmediate(this.onTurn);
    }
  }

  /** Handles queued messages for at most `budgetMs`, then leaves the rest to the next turn. */
  private handleQueued(budgetMs: number): void {
    const started = performance.now();
    while (this.queueHead < this.queue.length && performance.now() - started < budgetMs) {
      const next = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as never;
      try {
        this.handle(next.message, next.sourceOf);
      } catch (error) {
        this.logger.error(
          `a message from a worker could not be handled: ${(error as Error)?.message ?? String(error)}`,
        );
      }
    }
    this.sendAcks();
    if (this.queueHead >= this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
      return;
    }
    // The handled prefix goes, so a queue that never empties under a steady flow stays small.
    if (this.queueHead >= 1024) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    // Called from a check-phase callback, this runs in the next turn's check phase, after its timers and I/O.
    this.turnPending = true;
    setImmediate(this.onTurn);
  }

  /**
   * Acknowledges, per worker, the last batch applied: one message for all the batches of a slice, not
   * one per batch (each message a worker wakes up to, and a lock the two threads share).
   */
  private sendAcks(): void {
    for (const source of this.unacked) {
      try {
        source.send({ tag: TAG, kind: 'ack', seq: source.unacked });
      } catch (error) {
        this.logger.error(
          `worker ${source.name} could not be acknowledged: ${(error as Error)?.message ?? String(error)}`,
        );
      }
      source.unacked = 0;
    }
    this.unacked.length = 0;
  }

  private handle(message: Message, sourceOf: () => Source): void {
    switch (message.kind) {
      case 'hello': {
        // What was applied before is acknowledged before the answer (a cluster hello makes a new source).
        this.sendAcks();
        const source = sourceOf();
        source.send(this.ready(source.name));
        return;
      }
      case 'batch': {
        const source = sourceOf();
        try {
          this.apply(source, message);
        } catch (error) {
          // A message of another shape than ours (another version, a stray one): never a crash of this process.
          this.logger.error(
            `a batch from worker ${source.name} could not be read (${(error as Error)?.message ?? String(error)}); dropped`,
          );
        }
        if (!(typeof message.seq === 'number' && message.seq > 0)) {
          // Not a sequence of ours: answered at once, as it came, after what was applied before it.
          this.sendAcks();
          source.send({ tag: TAG, kind: 'ack', seq: message.seq });
          return;
        }
        if (source.unacked === 0) this.unacked.push(source);
        source.unacked = message.seq;
        return;
      }
      case 'drained':
        sourceOf().drained?.();
        return;
      case 'bye': {
        this.sendAcks();
        const source = sourceOf();
        source.drained?.();
        source.close();
        this.sources.delete(source.name);
        return;
      }
      default:
        return;
    }
  }

  private apply(source: Source, batch: Batch): void {
    if (batch.dropped > 0) this.target.countDropped(batch.dropped);
    const columns = typeof batch.entries === 'string' ? decodeJson(batch.entries) : batch.entries;
    const { methods, shapes } = source;
    batch.shapes.forEach((keys, i) => (shapes[batch.shapesFrom + i] = keys));
    const entry = this.entry;
    const reader = new EntryReader(columns, shapes);
    let calls = 0;
    while (reader.next(entry)) {
      calls++;
      const { code, at, argument } = entry;
      const method = methods[code < 0 ? -code - 1 : code];
      if (method === undefined) {
        this.target.countDropped(1);
        continue;
      }
      try {
        if (code < 0) {
          const [reason, field] = Array.isArray(argument) ? (argument as unknown[]) : [];
          this.target.rejectForwarded(
            method,
            REFUSAL_REASONS.has(reason as string) ? (reason as InvalidReason) : 'internal_error',
            typeof field === 'string' ? field : '',
          );
        } else {
          tap?.(source.name, method, at, argument);
          this.target.replayForwarded(method, at, argument);
        }
      } catch (error) {
        // Strict mode in the primary: the worker's caller is long gone, so say it here, once per method.
        this.warnOnce(source, method, error);
      }
    }
    this.target.countForwarded(source.name, calls);
    if (reader.unreadable)
      this.logger.error(`worker ${source.name} sent a batch this process cannot read; the rest of it is dropped`);
  }

  private warnOnce(source: Source, method: string, error: unknown): void {
    if (this.warned.has(method)) return;
    this.warned.add(method);
    this.logger.warn(
      `${method} forwarded by worker ${source.name} was refused (${(error as Error)?.message ?? String(error)}); call connectMonitoring({ strict: true }) in the worker to throw there`,
    );
  }

  /**
   * Asks every connected worker for what it holds and waits until each has answered that all its
   * calls made before were sent (they are applied on arrival), or `timeoutMs`.
   */
  async drain(timeoutMs: number): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const source of this.sources.values()) {
      waits.push(
        new Promise<void>((resolve) => {
          source.drained = () => {
            source.drained = undefined;
            resolve();
          };
          source.send({ tag: TAG, kind: 'drain' });
        }),
      );
    }
    if (waits.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      // Not unref'd: shutdown() is awaited, and a worker that never answers must not leave it pending.
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(waits), timeout]);
    clearTimeout(timer);
  }

  /**
   * Handles what is still queued (as it would have been on delivery), tells the workers monitoring is
   * gone (they hold their calls again) and closes the channels.
   */
  stop(): void {
    this.handleQueued(Infinity);
    const gone: Message = { tag: TAG, kind: 'gone' };
    this.discovery?.postMessage(gone);
    this.discovery?.close();
    this.discovery = undefined;
    for (const source of this.sources.values()) {
      if (source.name.startsWith('cluster:')) source.send(gone);
      source.close();
    }
    this.sources.clear();
    if (cluster.isPrimary) {
      cluster.off('message', this.onClusterMessage);
      cluster.off('online', this.onClusterOnline);
      cluster.off('exit', this.onClusterExit);
    }
  }
}
