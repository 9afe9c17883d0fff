import { BroadcastChannel, threadId } from 'node:worker_threads';
import { resolveOptions } from '../config/options.ts';
import { MonitoringConfigError } from '../core/errors.ts';
import { silentLogger } from '../core/logger.ts';
import { MonitoringService } from '../service.ts';
import { FORWARDED_METHODS, type ForwardedMethod } from './methods.ts';
import { asMessage, DISCOVERY_CHANNEL, TAG, workerChannelName, type Message } from './protocol.ts';
import { ForwardingBuffer, type Link, type RecorderSettings } from './recorder.ts';
import { CONNECT_CHECKS, CONNECT_DEFAULTS, type ConnectOptions } from './options.ts';
import { cluster, workerKind } from './context.ts';
import { trackedMethods } from './tracked.ts';

export type { ConnectOptions } from './options.ts';

/** The recording methods of the service, as a worker's recorder has them. */
export type RecordingMethods = Pick<MonitoringService, ForwardedMethod>;

/**
 * What `connectMonitoring()` returns in a worker thread or a cluster worker: the recording methods
 * of `MonitoringService` (same arguments, same "never throws" outside strict mode), forwarded to
 * the process that ran `initEnhancedMonitoring`, and a few members of its own.
 */
export interface MonitoringRecorder extends RecordingMethods {
  /** Whether a primary answered and the calls flow to it; before that they are held (bounded). */
  readonly connected: boolean;
  /** Calls held in this worker, not yet sent. */
  readonly buffered: number;
  /**
   * Sends what is held now and resolves true once the primary has recorded every call made before
   * it; false after `timeoutMs` (no primary ready, or one that does not answer). A worker that must
   * not lose its last calls awaits it before it exits.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes (at most `timeoutMs`), then closes the channel: later calls are held, never sent. */
  close(timeoutMs?: number): Promise<void>;
}

// One recorder per thread, whichever build (ESM or CommonJS) asks for it.
const SLOT = Symbol.for('@evil2root/monitoring.recorder');
const slots = globalThis as Record<symbol, MonitoringRecorder | undefined>;

/**
 * In a worker thread or a cluster worker: the recorder whose calls the process that ran
 * `initEnhancedMonitoring` (the main thread; the cluster primary) records as if they had been made
 * there, each with the time it was made at. Resolves at once, whether that process is ready or not:
 * until it is, calls are held (at most `maxBufferedCalls`). Called again, returns the same recorder.
 * Rejects with MonitoringConfigError in a main thread that is no cluster worker (use
 * `initEnhancedMonitoring` there) and for invalid options.
 */
export async function connectMonitoring(options: ConnectOptions = {}): Promise<MonitoringRecorder> {
  const existing = slots[SLOT];
  if (existing !== undefined) return existing;
  const settings = resolveConnectOptions(options);
  const kind = workerKind();
  if (kind === undefined) {
    throw new MonitoringConfigError(
      'connectMonitoring() is for worker threads and cluster workers; in the main thread of the process, call initEnhancedMonitoring()',
    );
  }
  const buffer = new ForwardingBuffer(settings);
  const tracked = trackedMethods(buffer);
  let strictCheck: ((method: number, argument: unknown) => void) | undefined;
  const useStrict = (strict: boolean) => {
    tracked.setStrict(strict);
    if (!strict) buffer.strictCheck = undefined;
    else buffer.strictCheck = strictCheck ??= createStrictCheck();
  };
  if (options.strict !== undefined) useStrict(options.strict);
  else buffer.onReady = useStrict;
  const link = kind === 'thread' ? threadLink(buffer) : clusterLink(buffer);
  buffer.attach(link);
  // A worker whose loop empties sends what it holds before it ends; on process.exit() it tries.
  const sendAll = () => buffer.sendAll();
  const bye = () => buffer.bye();
  process.on('beforeExit', sendAll);
  process.on('exit', bye);

  const recorder = {
    get connected() {
      return buffer.connected;
    },
    get buffered() {
      return buffer.buffered;
    },
    flush: (timeoutMs = 5000) => buffer.flush(timeoutMs),
    close: async (timeoutMs = 5000) => {
      await buffer.flush(timeoutMs);
      buffer.bye();
      buffer.close();
      process.off('beforeExit', sendAll);
      process.off('exit', bye);
      if (slots[SLOT] === recorder) slots[SLOT] = undefined;
    },
  } as MonitoringRecorder;
  FORWARDED_METHODS.forEach((name, method) => {
    Object.defineProperty(recorder, name, {
      value:
        name === 'trackApiRequest' || name === 'trackDbQuery'
          ? tracked[name]
          : (argument: unknown) => buffer.record(method, argument),
      enumerable: true,
    });
  });
  slots[SLOT] = recorder;
  return recorder;
}

function resolveConnectOptions(options: ConnectOptions): RecorderSettings {
  if (typeof options !== 'object' || options === null)
    throw new MonitoringConfigError('connectMonitoring expects an options object');
  for (const [key, value] of Object.entries(options)) {
    const check = CONNECT_CHECKS[key as keyof ConnectOptions];
    if (check === undefined)
      throw new MonitoringConfigError(
        `unknown connectMonitoring option '${key}'; known: ${Object.keys(CONNECT_CHECKS).join(', ')}`,
        key,
      );
    const expected = value === undefined ? undefined : check(value);
    if (expected !== undefined)
      throw new MonitoringConfigError(`connectMonitoring option '${key}' must be ${expected}`, key);
  }
  return {
    batchSize: options.batchSize ?? CONNECT_DEFAULTS.batchSize,
    flushIntervalMs: options.flushIntervalMs ?? CONNECT_DEFAULTS.flushIntervalMs,
    maxBufferedCalls: options.maxBufferedCalls ?? CONNECT_DEFAULTS.maxBufferedCalls,
    maxBatchesInFlight: options.maxBatchesInFlight ?? CONNECT_DEFAULTS.maxBatchesInFlight,
  };
}

/**
 * Strict mode in a worker: each call is first checked by a service of the worker's own that is
 * never started (no server, no timers, no state), so bad input throws MonitoringInputError at the
 * caller, as in the primary; what it accepts is then forwarded. Only strict mode pays for it.
 */
function createStrictCheck(): (method: number, argument: unknown) => void {
  const validator = MonitoringService.unstarted(
    resolveOptions({
      strict: true,
      port: false,
      dashboard: false,
      systemMetrics: false,
      exportDirectory: false,
      otlp: false,
      stateDirectory: false,
      logger: silentLogger,
    }),
  );
  return (method, argument) => {
    const name = FORWARDED_METHODS[method] as ForwardedMethod;
    (validator[name] as (argument: unknown) => void)(argument);
  };
}

function threadLink(buffer: ForwardingBuffer): Link {
  const worker = String(threadId);
  const discovery = new BroadcastChannel(DISCOVERY_CHANNEL);
  const own = new BroadcastChannel(workerChannelName(threadId));
  const onMessage = (event: unknown) => {
    const message = asMessage((event as { data?: unknown }).data);
    if (message !== undefined) buffer.receive(message);
  };
  discovery.onmessage = onMessage;
  own.onmessage = onMessage;
  // Neither keeps the worker alive: it ends when its own work is done.
  discovery.unref();
  own.unref();
  return {
    worker,
    json: false,
    // A BroadcastChannel serializes the message in postMessage, a SharedArrayBuffer by reference.
    copies: true,
    shares: true,
    send: (message: Message) => {
      own.postMessage(message);
      return true;
    },
    hello: () => discovery.postMessage({ tag: TAG, kind: 'hello', worker, methods: FORWARDED_METHODS }),
    close: () => {
      discovery.close();
      own.close();
    },
  };
}

function clusterLink(buffer: ForwardingBuffer): Link {
  const worker = `cluster:${cluster.worker?.id ?? process.pid}`;
  const onMessage = (value: unknown) => {
    const message = asMessage(value);
    if (message !== undefined) buffer.receive(message);
  };
  // Listening holds the IPC channel, and with it the worker, until close(), as any 'message' listener does.
  process.on('message', onMessage);
  const send = (message: Message): boolean => {
    if (process.send === undefined || !process.connected) return false;
    // A failed send (the primary went away) is reported to the callback, not thrown.
    process.send(message, undefined, {}, () => {});
    return true;
  };
  return {
    worker,
    json: process.env['NODE_CHANNEL_SERIALIZATION_MODE'] !== 'advanced',
    // process.send may queue a message before serializing it (while a handle is being sent).
    copies: false,
    shares: false,
    send,
    hello: () => {
      send({ tag: TAG, kind: 'hello', worker, methods: FORWARDED_METHODS });
    },
    close: () => process.off('message', onMessage),
  };
}
