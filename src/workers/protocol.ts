import type { Columns } from './copy.ts';

/**
 * What workers and the primary say to each other. Threads of one process talk over
 * BroadcastChannels: {@link DISCOVERY_CHANNEL} for the hello and the ready (everyone hears them),
 * and one channel per worker thread ({@link workerChannelName}) that only the worker and the primary
 * open, for its batches and their acknowledgements. Cluster workers use the IPC channel, each
 * message tagged {@link TAG}.
 */

/** Marks our messages on a channel shared with the application (the cluster IPC channel). */
export const TAG = '@evil2root/monitoring:workers';

/** The channel on which workers say hello and the primary says it is ready. */
export const DISCOVERY_CHANNEL = '@evil2root/monitoring:discovery';

/** The channel of one worker thread: its batches, the primary's acknowledgements and drain requests. */
export function workerChannelName(threadId: number): string {
  return `@evil2root/monitoring:thread:${threadId}`;
}

/** Worker to primary: a worker that wants to forward; `methods` names the method numbers of its batches. */
export interface Hello {
  readonly tag: typeof TAG;
  readonly kind: 'hello';
  readonly worker: string;
  readonly methods: readonly string[];
}

/**
 * Primary to workers: monitoring runs. `to` undefined is the broadcast at init (each worker answers
 * with a hello); `to` a worker is the answer to its hello, after which it sends batches. `strict`
 * is the primary's mode, which a worker adopts unless `connectMonitoring` set its own.
 */
export interface Ready {
  readonly tag: typeof TAG;
  readonly kind: 'ready';
  readonly to: string | undefined;
  readonly strict: boolean;
}

/**
 * Worker to primary: calls in record order, as the columns `copy.ts` writes. `dropped` counts the calls dropped since
 * the previous batch because the buffer was full. With the `json` IPC serialization `entries` is
 * {@link encodeJson} text.
 */
export interface Batch {
  readonly tag: typeof TAG;
  readonly kind: 'batch';
  readonly seq: number;
  readonly dropped: number;
  /** The shapes first used since the previous batch: shape `shapesFrom + i` is `shapes[i]`. */
  readonly shapesFrom: number;
  readonly shapes: readonly (readonly string[])[];
  readonly entries: Columns | string;
}

/** Primary to worker: every batch up to `seq` is recorded. */
export interface Ack {
  readonly tag: typeof TAG;
  readonly kind: 'ack';
  readonly seq: number;
}

/** Primary to worker: the primary is shutting down; send what you hold, then `drained`. */
export interface Drain {
  readonly tag: typeof TAG;
  readonly kind: 'drain';
}

/** Worker to primary: everything recorded before the drain request was sent. */
export interface Drained {
  readonly tag: typeof TAG;
  readonly kind: 'drained';
}

/** Worker to primary: this worker closed its recorder or is exiting; no drain to wait for. */
export interface Bye {
  readonly tag: typeof TAG;
  readonly kind: 'bye';
}

/** Primary to workers: monitoring stopped; buffer until the next ready. */
export interface Gone {
  readonly tag: typeof TAG;
  readonly kind: 'gone';
}

export type Message = Hello | Ready | Batch | Ack | Drain | Drained | Bye | Gone;

/** Our message, or undefined for anything else on the channel. */
export function asMessage(value: unknown): Message | undefined {
  return typeof value === 'object' && value !== null && (value as { tag?: unknown }).tag === TAG
    ? (value as Message)
    : undefined;
}

// JSON loses what a recording argument may hold and the service tells apart (undefined, NaN,
// ±Infinity, -0, a Date): each travels as a tagged object, so the primary sees what the worker got.
const SPECIAL = '$evil2root';

/** The columns of a batch as JSON text that {@link decodeJson} turns back into the same values. */
export function encodeJson(columns: Columns): string {
  const plain = {
    ints: Array.from(columns.ints),
    numbers: Array.from(columns.numbers),
    others: columns.others,
    strings: columns.strings,
  };
  return JSON.stringify(plain, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    if (original instanceof Date) return { [SPECIAL]: 'date', v: original.getTime() };
    if (typeof original === 'number') {
      if (Number.isNaN(original)) return { [SPECIAL]: 'NaN' };
      if (original === Infinity) return { [SPECIAL]: 'Infinity' };
      if (original === -Infinity) return { [SPECIAL]: '-Infinity' };
      if (Object.is(original, -0)) return { [SPECIAL]: '-0' };
    }
    if (original === undefined && key !== '') return { [SPECIAL]: 'undefined' };
    return value;
  });
}

/** The columns {@link encodeJson} encoded. */
export function decodeJson(text: string): Columns {
  const decoded: unknown = JSON.parse(text, function (this: Record<string, unknown>, key: string, value: unknown) {
    if (typeof value !== 'object' || value === null) return value;
    const special = (value as Record<string, unknown>)[SPECIAL];
    if (special === undefined) return value;
    switch (special) {
      case 'date':
        return new Date((value as { v: number }).v);
      case 'NaN':
        return NaN;
      case 'Infinity':
        return Infinity;
      case '-Infinity':
        return -Infinity;
      case '-0':
        return -0;
      case 'undefined':
        // A reviver returning undefined deletes the key: restored below by the holder's own marker.
        return UNDEFINED;
      default:
        return value;
    }
  });
  return restoreUndefined(decoded) as Columns;
}

const UNDEFINED = Symbol('undefined');

function restoreUndefined(value: unknown): unknown {
  if (value === UNDEFINED) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreUndefined(value[i]);
    return value;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const record = value as Record<string, unknown>;
    for (const key in record) record[key] = restoreUndefined(record[key]);
  }
  return value;
}
