import type { InvalidReason } from '../contract/invalid-reasons.ts';
import { Chunk, ShapeTable, writeRefusal } from './copy.ts';
import { CLOCK_FREE_METHODS, FORWARDED_METHODS } from './methods.ts';
import { encodeJson, TAG, type Batch, type Message } from './protocol.ts';

/** Per method number: whether its calls carry their time. */
const TIMED: readonly boolean[] = FORWARDED_METHODS.map((name) => !CLOCK_FREE_METHODS.has(name));

/** How a worker's calls leave it: over its thread channel or the cluster IPC channel. */
export interface Link {
  /** This worker's name on the wire (its threadId, or `cluster:<id>`). */
  readonly worker: string;
  /** Whether batches go as {@link encodeJson} text (the `json` IPC serialization). */
  readonly json: boolean;
  /** Whether `send` copies a message before it returns, so that a batch may be sent as views of the buffer's memory. */
  readonly copies: boolean;
  /**
   * Whether a SharedArrayBuffer reaches the primary by reference (threads of one process): a
   * batch's typed columns are then the buffer's own memory, not copied at all, and reused once the
   * primary acknowledged the batch (it reads a batch before it acknowledges it).
   */
  readonly shares: boolean;
  /** Sends a message to the primary; false when it could not be sent. */
  send(message: Message): boolean;
  /** Says hello to whichever primary is listening. */
  hello(): void;
  close(): void;
}

/** The settings of a worker's recorder; see `ConnectOptions`. */
export interface RecorderSettings {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxBufferedCalls: number;
  readonly maxBatchesInFlight: number;
}

/** Validates one call as the primary would, throwing in strict mode (`MonitoringInputError`). */
export type StrictCheck = (method: number, argument: unknown) => void;

/**
 * The worker side: each call is copied with its record time into the buffer (no I/O, no await);
 * the buffer leaves in batches of `batchSize` calls, or `flushIntervalMs` after its first call,
 * once a primary said it is ready, with at most `maxBatchesInFlight` batches unacknowledged. Past
 * `maxBufferedCalls` held, a call is dropped and counted (the count goes with the next batch, into
 * the primary's `monitoring_forwarded_dropped_total`).
 */
export class ForwardingBuffer {
  private readonly settings: RecorderSettings;
  private link: Link | undefined;
  /** The calls held, in batches of at most `batchSize` calls; the last one is being filled. */
  private chunks: Chunk[] = [];
  /** Sent chunks, emptied, for the next batches. */
  private spares: Chunk[] = [];
  /** The last chunk, and how many more calls it takes before {@link chunk} must look again (full batch, full buffer). */
  private filling: Chunk | undefined;
  /**
   * Set while a call's argument is read into the columns: a getter of the argument that records
   * again would write into the middle of that call, so such a nested call is dropped and counted.
   */
  private writing = false;
  private room = 0;
  private readonly shapes = new ShapeTable();
  /** The shapes the primary of this connection was sent. */
  private announced = 0;
  private held = 0;
  private dropped = 0;
  private sent = 0;
  private acked = 0;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private waiters: { upTo: number; resolve: () => void }[] = [];
  /** Calls taken into the buffer since the start, the calls sent so far, and the calls acknowledged. */
  private accepted = 0;
  private sentUpTo = 0;
  private ackedUpTo = 0;
  /** The batches in flight: their number and the count of calls sent up to and including them. */
  private inFlight: { seq: number; upTo: number; chunk: Chunk | undefined }[] = [];
  /** Set while strict: the primary's strictness, unless the worker chose its own. */
  strictCheck: StrictCheck | undefined;
  /** Told the primary's strictness at each ready. */
  onReady: ((strict: boolean) => void) | undefined;

  constructor(settings: RecorderSettings) {
    this.settings = settings;
  }

  attach(link: Link): void {
    this.link = link;
    link.hello();
  }

  /** Calls held in the worker, not yet sent. */
  get buffered(): number {
    return this.held;
  }

  /** Whether a primary answered and batches flow. */
  get connected(): boolean {
    return this.ready;
  }

  record(method: number, argument: unknown): void {
    this.strictCheck?.(method, argument);
    this.take(method, argument);
  }

  /** Buffers one call of `method` as it is, unchecked (a tracked call's record, checked as it was made). */
  take(method: number, argument: unknown): void {
    if (this.writing) {
      this.dropped++;
      return;
    }
    const chunk = this.room > 0 ? (this.filling as Chunk) : this.chunk();
    if (chunk === undefined) return;
    this.writing = true;
    try {
      this.shapes.write(chunk, method, TIMED[method] === true ? Date.now() : Number.NaN, argument);
      this.taken(chunk);
    } catch {
      // A fault of ours (the argument itself is read under a try): the call is counted as dropped, never thrown.
      this.dropped++;
    } finally {
      this.writing = false;
    }
  }

  /** Buffers a call of `method` refused in this worker, for the primary to count as the service would. */
  refuse(method: number, reason: InvalidReason, field: string): void {
    const chunk = this.chunk();
    if (chunk === undefined) return;
    writeRefusal(chunk, method, Number.NaN, reason, field);
    this.taken(chunk);
  }

  /** The chunk the next call goes into, or undefined (the call dropped and counted) when the buffer is full. */
  private chunk(): Chunk | undefined {
    if (this.held >= this.settings.maxBufferedCalls) {
      this.dropped++;
      return undefined;
    }
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.calls >= this.settings.batchSize) {
      chunk = this.spares.pop() ?? new Chunk(this.settings.batchSize, this.link?.shares === true);
      this.chunks.push(chunk);
    }
    this.filling = chunk;
    this.room = Math.min(this.settings.batchSize - chunk.calls, this.settings.maxBufferedCalls - this.held);
    return chunk;
  }

  private taken(chunk: Chunk): void {
    this.room--;
    chunk.calls++;
    this.held++;
    this.accepted++;
    if (!this.ready) return;
    if (chunk.calls >= this.settings.batchSize) this.send(false);
    else if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.ready) this.send(false);
    }, this.settings.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Sends the buffer in batches while the in-flight window allows (`all`: regardless of it, for a
   * drain or an exit); what is left waits for an acknowledgement.
   */
  private send(all: boolean): void {
    const link = this.link;
    if (link === undefined || !this.ready) return;
    const { maxBatchesInFlight } = this.settings;
    while (this.held > 0 && (all || this.sent - this.acked < maxBatchesInFlight)) {
      const chunk = this.chunks[0] as Chunk;
      const count = chunk.calls;
      const shapes = this.shapes.keys;
      const batch: Batch = {
        tag: TAG,
        kind: 'batch',
        seq: this.sent + 1,
        dropped: this.dropped,
        shapesFrom: this.announced,
        shapes: shapes.length > this.announced ? shapes.slice(this.announced) : [],
        entries: link.json ? encodeJson(chunk.columns(true)) : chunk.columns(link.copies || link.shares),
      };
      let sent: boolean;
      try {
        sent = link.send(batch);
      } catch {
        // A batch that cannot be cloned (a fault of ours): dropped and counted, not retried forever.
        if (chunk === this.filling) this.room = 0;
        this.reuse(this.chunks.shift() as Chunk);
        this.held -= count;
        this.dropped += count;
        continue;
      }
      // Not sent (the primary went away): the batch stays, for the next primary.
      if (!sent) {
        this.disconnect();
        return;
      }
      this.chunks.shift();
      if (chunk === this.filling) this.room = 0;
      // A chunk sent by reference is read by the primary until it acknowledges it; any other was copied.
      if (!chunk.shared) this.reuse(chunk);
      this.held -= count;
      this.announced = shapes.length;
      this.sent++;
      this.sentUpTo += count;
      this.inFlight.push({ seq: this.sent, upTo: this.sentUpTo, chunk: chunk.shared ? chunk : undefined });
      this.dropped = 0;
    }
    if (this.held > 0 && this.timer === undefined && this.sent - this.acked < maxBatchesInFlight) this.schedule();
  }

  /**
   * A chunk whose batch no one reads any more: kept, emptied, for a next batch. Twice the in-flight
   * window, since a flush or a drain sends past it: a worker that flushes after each burst then
   * allocates no new chunk (a shared one is two SharedArrayBuffers, which also hasten collections).
   */
  private reuse(chunk: Chunk): void {
    if (this.spares.length >= 2 * this.settings.maxBatchesInFlight) return;
    chunk.reset();
    this.spares.push(chunk);
  }

  /** What the primary said. */
  receive(message: Message): void {
    switch (message.kind) {
      case 'ready':
        if (message.to === undefined) {
          this.link?.hello();
          return;
        }
        if (message.to !== this.link?.worker) return;
        this.onReady?.(message.strict);
        // A second answer (to a second hello) changes nothing: the batches in flight stay counted.
        if (this.ready) return;
        this.ready = true;
        this.sent = this.acked = 0;
        this.inFlight = [];
        this.announced = 0;
        this.send(false);
        return;
      case 'ack':
        if (message.seq > this.acked) this.acked = message.seq;
        while (this.inFlight.length > 0 && (this.inFlight[0] as { seq: number }).seq <= message.seq) {
          const done = this.inFlight.shift() as { upTo: number; chunk: Chunk | undefined };
          this.ackedUpTo = done.upTo;
          if (done.chunk !== undefined) this.reuse(done.chunk);
        }
        this.settle();
        this.send(false);
        return;
      case 'drain':
        this.send(true);
        this.link?.send({ tag: TAG, kind: 'drained' });
        // The primary is shutting down: later calls wait for the next one (the acks still count).
        this.ready = false;
        clearTimeout(this.timer);
        this.timer = undefined;
        return;
      case 'gone':
        this.disconnect();
        return;
      default:
        return;
    }
  }

  private disconnect(): void {
    this.ready = false;
    this.sent = this.acked = 0;
    // What was in flight is lost with the primary that went away; a flush waiting for it times out.
    this.inFlight = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends everything now, whatever is in flight (the worker is about to exit). */
  sendAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.send(true);
  }

  /**
   * Resolves true once the primary has recorded every call made before, false after `timeoutMs`
   * (no primary ready, or one that does not answer).
   */
  flush(timeoutMs: number): Promise<boolean> {
    const target = this.accepted;
    this.sendAll();
    if (this.ackedUpTo >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      // Not unref'd: a worker that awaits its flush stays alive until the answer (the channels do not hold it).
      const waiter = {
        upTo: target,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private settle(): void {
    if (this.waiters.length === 0) return;
    const keep: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (this.ackedUpTo >= waiter.upTo) waiter.resolve();
      else keep.push(waiter);
    }
    this.waiters = keep;
  }

  /** Sends everything held, then says goodbye: the primary stops counting on this worker. */
  bye(): void {
    this.sendAll();
    if (this.ready) this.link?.send({ tag: TAG, kind: 'bye' });
    this.ready = false;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.link?.close();
    this.link = undefined;
    this.ready = false;
  }
}
