import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { finished } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { CollectionResult, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../core/logger.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import {
  acceptsGzip,
  forPrometheus,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  prometheusName,
  type ExpositionFormat,
} from './exposition.ts';
import { openMetricsParts, textParts } from './openmetrics.ts';
import { LoopShare, loopClock } from './loop-share.ts';
import { ChunkPool, RegistryWriter, SLICE_MS } from './registry-writer.ts';
import type { MetricSource } from './sources.ts';

export {
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  PROMETHEUS_RENAMES,
  prometheusName,
  type ExpositionFormat,
} from './exposition.ts';

/** What OpenTelemetry's serializer writes when there is no metric at all. */
const NO_METRICS = '# no registered metrics';
const EOF = Buffer.from('# EOF\n');
/** See `SendBudget`. */
const BYTES_PER_TURN = 256 * 1024;
/** Bytes zlib may have waiting before the writer waits for it (`gzipSink`). */
const GZIP_BACKLOG = 1024 * 1024;
/** Chunk buffers kept for the next gzipped scrape (256 KiB each). */
const POOLED_CHUNKS = 8;
/** Longest wait (ms) of a scrape's collection for the bodies being sent to be sent (`sendsFinished`). */
const GATHER_MS = 100;
/** zlib's fastest level: the exposition is repetitive text, and the time is spent off the event loop anyway. */
const GZIP_LEVEL = 1;

/**
 * What writing bodies to sockets may take from the event loop. A socket write copies into the
 * kernel (and, on loopback, through the receiver's TCP stack) synchronously: at most
 * `BYTES_PER_TURN` per turn, every response together (fifty clients taking a large body at once
 * would otherwise hold the loop for tens of milliseconds), and within the endpoint's `LoopShare`
 * (scrapers asking back to back would otherwise take most of the loop's time).
 */
class SendBudget {
  private spent = 0;
  private readonly share: LoopShare;

  constructor(share: LoopShare) {
    this.share = share;
  }

  /** Resolves when `bytes` may be written: within this turn's budget and the loop share, or later. */
  async take(bytes: number): Promise<void> {
    await this.share.admit();
    // A plain turn, not the share's (which reads the thread's CPU time): fifty responses wait here.
    while (this.spent >= BYTES_PER_TURN) {
      await nextTurn();
      await this.share.admit();
    }
    if (this.spent === 0)
      setImmediate(() => {
        this.spent = 0;
      });
    this.spent += bytes;
  }

  /** Writes `chunk`, its time charged to the share; false when `res` wants a drain first. */
  write(res: ServerResponse, chunk: Buffer): boolean {
    const started = loopClock();
    const more = res.write(chunk);
    this.share.charge(loopClock() - started);
    return more;
  }
}

/** Resolves when `res` can take more, or is closed (a client gone mid-body). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A body as chunks, and its length. */
interface Body {
  readonly chunks: readonly Buffer[];
  readonly bytes: number;
}

function bodyOf(chunks: Buffer[]): Body {
  let bytes = 0;
  for (const chunk of chunks) bytes += chunk.length;
  return { chunks, bytes };
}

/** Where an exposition's chunks go as they are written: kept as they are, or compressed on the way. */
interface BodySink {
  push(chunk: Buffer): void;
  /** Resolves once the sink can take more (undefined: at once). */
  ready(): Promise<void> | undefined;
  end(): Promise<Body>;
}

function plainSink(): BodySink {
  const chunks: Buffer[] = [];
  return {
    push: (chunk) => chunks.push(chunk),
    ready: () => undefined,
    end: () => Promise.resolve(bodyOf(chunks)),
  };
}

/**
 * Compressed in libuv's threadpool (zlib's asynchronous API) as the chunks are written: the event
 * loop only hands them over, each chunk goes back to the pool once zlib has read it, and the writer
 * waits between slices while zlib is more than `GZIP_BACKLOG` behind. A gzipped scrape of any size
 * holds its compressed bytes and a few chunks, not its whole text.
 */
function gzipSink(pool: ChunkPool): BodySink {
  const stream = createGzip({ level: GZIP_LEVEL, chunkSize: 64 * 1024 });
  const chunks: Buffer[] = [];
  const done = new Promise<Body>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(bodyOf(chunks)));
    stream.once('error', reject);
  });
  // Its rejection is the one `end()` returns.
  done.catch(() => {});
  /** Bytes handed to zlib and not read yet; the writer waits on `caughtUp` while they are too many. */
  let backlog = 0;
  let caughtUp: { promise: Promise<void>; resolve: () => void } | undefined;
  const consumed = (chunk: Buffer) => {
    backlog -= chunk.length;
    pool.give(chunk);
    if (caughtUp !== undefined && backlog <= GZIP_BACKLOG / 2) {
      caughtUp.resolve();
      caughtUp = undefined;
    }
  };
  return {
    push: (chunk) => {
      backlog += chunk.length;
      stream.write(chunk, () => consumed(chunk));
    },
    ready: () => {
      if (backlog <= GZIP_BACKLOG) return undefined;
      if (caughtUp === undefined) {
        let resolve = () => {};
        const promise = new Promise<void>((r) => (resolve = r));
        caughtUp = { promise: Promise.race([promise, done.then(() => {})]), resolve };
      }
      return caughtUp.promise;
    },
    end: () => {
      stream.end();
      return done;
    },
  };
}

/** One exposition, shared by every request that arrived while it was being made. */
class Exposition {
  readonly format: ExpositionFormat;
  readonly gzipped: boolean;
  readonly body: Body;
  /** The response headers, built once for every request it answers. */
  readonly headers: Readonly<Record<string, string | number>>;

  constructor(format: ExpositionFormat, gzipped: boolean, body: Body) {
    this.format = format;
    this.gzipped = gzipped;
    this.body = body;
    this.headers = Object.freeze({
      'content-type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
      'content-length': body.bytes,
      ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
      vary: 'Accept, Accept-Encoding',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  }

  /**
   * The body as one string, decoded chunk by chunk between turns of the event loop (each chunk holds
   * whole lines). The string is left as V8 joined it: whoever reads it pays for the copy, not the loop.
   */
  async text(): Promise<string> {
    let text = '';
    let deadline = performance.now() + SLICE_MS;
    for (const chunk of this.body.chunks) {
      text += chunk.toString('utf8');
      if (performance.now() >= deadline) {
        await nextTurn();
        deadline = performance.now() + SLICE_MS;
      }
    }
    return text;
  }
}

/** An exposition being made or made, and how many requests (or `render()` calls) use it. */
interface SharedExposition {
  readonly made: Promise<Exposition>;
  users: number;
  /** False once a user could not tell when it stopped reading the chunks: they are then left to the collector. */
  reusable: boolean;
}

/** One user's hold on a shared exposition. */
interface ExpositionUse {
  readonly exposition: Promise<Exposition>;
  /** Done with it; `reusable` false when the chunks may still be read (a response not watchable). */
  release(reusable: boolean): void;
}

/**
 * Resolves once `res` holds none of the chunks written to it (finished, or closed), or undefined
 * when `res` is not a stream that can be watched (a server other than node:http).
 */
function settled(res: ServerResponse): Promise<void> | undefined {
  let resolve = () => {};
  const done = new Promise<void>((r) => (resolve = r));
  try {
    finished(res, () => resolve());
  } catch {
    return undefined;
  }
  return done;
}

/**
 * The Prometheus endpoint: the text format or OpenMetrics as the `Accept` header asks, gzipped when
 * `Accept-Encoding` allows it. The registry's metrics (every metric of the contract) are written
 * straight from their series (`RegistryWriter`), in slices that yield to the event loop; the
 * instruments (the SDK's own meter, or a MeterProvider's reader) are collected as OpenTelemetry data
 * and written family by family (`textParts`, `openMetricsParts`), and both form one exposition, the
 * same as OpenTelemetry's Prometheus exporter alone would write.
 *
 * Requests that arrive while an exposition is being made, in the same format and encoding, share it,
 * so fifty clients cost about one scrape; a new one waits for the bodies being sent (at most
 * `GATHER_MS`) before it reads anything, so that clients asking again as soon as answered share it too; a gzipped one is compressed as it is written (`gzipSink`); while the rest of the event loop is busy, rendering and sending together take at most
 * `LOOP_SHARE` of its time (`LoopShare`). No exposition leaves before the durable state is on disk at least as new as the numbers
 * it carries: the registry is written first, then the state barrier is awaited (`beforeExport`).
 */
export class PrometheusEndpoint {
  private readonly registry: InstrumentRegistry;
  /** The OpenTelemetry part: host metrics, HTTP durations, the bot's own instruments. */
  private readonly instruments: MetricSource;
  private readonly registryProducer: MetricProducer;
  private readonly writer: RegistryWriter;
  private readonly beforeExport: () => Promise<void>;
  private readonly logger: Logger;
  /** By format, and gzipped or not. */
  private readonly inFlight = new Map<string, SharedExposition>();
  private readonly pool = new ChunkPool(POOLED_CHUNKS);
  /** The loop time every scrape of this endpoint takes together (rendering and sending). */
  private readonly share = new LoopShare();
  private readonly sent = new SendBudget(this.share);
  /** Responses writing their body now, and the collections waiting for them to finish (`sendsFinished`). */
  private sending = 0;
  private readonly sendWaiters = new Set<() => void>();
  /**
   * Set when a wait ran out (a client not reading its body): later collections do not wait until
   * every send finished, so a stuck client costs one wait, not one per scrape.
   */
  private sendStalled = false;
  /** GATHER_MS; a test that must not race the wait on a loaded machine raises it. @internal */
  gatherMs = GATHER_MS;
  private registryNames: { count: number; names: Set<string> } = { count: -1, names: new Set() };
  /** The last `Accept` and `Accept-Encoding` values and what they ask for. */
  private negotiated: {
    accept: string | undefined;
    format: ExpositionFormat;
    acceptEncoding: string | undefined;
    gzip: boolean;
  } = { accept: undefined, format: 'text', acceptEncoding: undefined, gzip: false };
  private warnedErrors = false;
  private readonly warnedShadowed = new Set<string>();

  /**
   * @param registryProducer the registry as an OpenTelemetry producer, for `collect()` (snapshots)
   * @param instruments the OpenTelemetry part of the scrape
   * @param beforeExport awaited before an exposition leaves: the durable state's write
   */
  constructor(
    registry: InstrumentRegistry,
    registryProducer: MetricProducer,
    instruments: MetricSource,
    beforeExport: () => Promise<void>,
    logger: Logger,
  ) {
    this.registry = registry;
    this.registryProducer = registryProducer;
    this.instruments = instruments;
    this.writer = new RegistryWriter(registry);
    this.beforeExport = beforeExport;
    this.logger = logger;
  }

  /** Everything the endpoint exposes as one OpenTelemetry collection, the instruments then the registry (what `exportSnapshot()` reads without a file exporter). */
  async collect(): Promise<CollectionResult> {
    const [instruments, registry] = await Promise.all([this.instruments.collect(), this.registryProducer.collect()]);
    return {
      resourceMetrics: {
        resource: instruments.resourceMetrics.resource,
        scopeMetrics: [...instruments.resourceMetrics.scopeMetrics, ...registry.resourceMetrics.scopeMetrics],
      },
      errors: [...instruments.errors, ...registry.errors],
    };
  }

  /** Collects every metric now and returns the exposition text (the text format unless asked otherwise). */
  async render(format: ExpositionFormat = 'text'): Promise<string> {
    const use = this.expose(format, false, true);
    try {
      // The text is a copy: the chunks can be reused once every user is done.
      return await (await use.exposition).text();
    } finally {
      use.release(true);
    }
  }

  /** Request handler serving the exposition; usable from any node:http-compatible server. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { accept, 'accept-encoding': acceptEncoding } = req.headers;
    // A scraper sends the same two headers every time: they are parsed when they change.
    if (accept !== this.negotiated.accept)
      this.negotiated = { ...this.negotiated, accept, format: negotiateFormat(accept) };
    if (acceptEncoding !== this.negotiated.acceptEncoding)
      this.negotiated = { ...this.negotiated, acceptEncoding, gzip: acceptsGzip(acceptEncoding) };
    const use = this.expose(this.negotiated.format, this.negotiated.gzip, false);
    let done: Promise<void> | undefined;
    try {
      const exposition = await use.exposition;
      const body = exposition.body;
      res.writeHead(200, exposition.headers);
      done = settled(res);
      this.sending++;
      try {
        // Chunk by chunk as the socket drains, within the budget of the turn (see `sent`).
        for (const chunk of body.chunks) {
          await this.sent.take(chunk.length);
          if (res.destroyed) return;
          if (!this.sent.write(res, chunk)) await drained(res);
        }
        res.end();
      } finally {
        if (--this.sending === 0) {
          this.sendStalled = false;
          for (const done of [...this.sendWaiters]) done();
        }
      }
    } finally {
      // The chunks are reused only once the response no longer holds them (a socket write may still be queued).
      if (done === undefined) use.release(false);
      else void done.then(() => use.release(true));
    }
  };

  /**
   * The exposition in flight in this format and encoding if any (a scrape), else a new one; `fresh`
   * always starts a new one (`render()`, "collected now"), which later scrapes share. Each user
   * releases it when done; once all have, with none left that may still read them, its plain chunks
   * go back to the pool.
   */
  private expose(format: ExpositionFormat, gzipped: boolean, fresh: boolean): ExpositionUse {
    const key = gzipped ? `${format}+gzip` : format;
    let shared = fresh ? undefined : this.inFlight.get(key);
    if (shared === undefined) {
      const made: Promise<Exposition> = this.make(format, gzipped, !fresh).finally(() => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      });
      const entry: SharedExposition = { made, users: 0, reusable: true };
      this.inFlight.set(key, entry);
      shared = entry;
    }
    const entry = shared;
    entry.users++;
    let released = false;
    return {
      exposition: entry.made,
      release: (reusable) => {
        if (released) return;
        released = true;
        entry.reusable &&= reusable;
        if (--entry.users > 0 || !entry.reusable) return;
        entry.made.then(
          (exposition) => {
            // A gzipped body is zlib's output; its raw chunks went back as zlib read them.
            if (!exposition.gzipped) for (const chunk of exposition.body.chunks) this.pool.give(chunk);
          },
          () => {},
        );
      },
    };
  }

  private async make(format: ExpositionFormat, gzipped: boolean, gather: boolean): Promise<Exposition> {
    // One turn first: the requests read in the same turn of the event loop (fifty at once) share this one.
    await nextTurn();
    if (gather) await this.sendsFinished();
    await this.share.admit();
    const started = loopClock();
    this.registry.runCollectHooks();
    const collecting = this.instruments.collect();
    this.share.charge(loopClock() - started);
    const { resourceMetrics, errors } = await collecting;
    if (errors.length > 0 && !this.warnedErrors) {
      this.warnedErrors = true;
      this.logger.warn(
        `metric collection reported ${errors.length} error(s), first: ${String(errors[0])}; further ones are not logged`,
      );
    }
    const sink = gzipped ? gzipSink(this.pool) : plainSink();
    // The OpenTelemetry part family by family, yielding between two once a slice is spent: one
    // family (one instrument, at most its cardinality limit of series) is the longest step.
    let serializing = loopClock();
    let deadline = performance.now() + SLICE_MS;
    let empty = true;
    const instruments = forPrometheus(resourceMetrics, (metric) => this.notShadowed(metric));
    const parts = format === 'text' ? textParts(instruments) : openMetricsParts(instruments);
    let index = 0;
    for (const part of parts) {
      if (part !== '') sink.push(Buffer.from(part, 'utf8'));
      // The first part is target_info, always there.
      if (index++ > 0 && part !== '') empty = false;
      if (performance.now() >= deadline) {
        this.share.charge(loopClock() - serializing);
        await this.share.yield();
        serializing = loopClock();
        deadline = performance.now() + SLICE_MS;
      }
    }
    this.share.charge(loopClock() - serializing);
    await this.share.yield();
    const wrote = await this.writer.write(format, (chunk) => sink.push(chunk), {
      share: this.share,
      // Gzipped chunks go back as zlib reads them, plain ones once every user is done (`expose`).
      pool: this.pool,
      ready: () => sink.ready(),
    });
    if (format === 'openmetrics') sink.push(EOF);
    else if (empty && !wrote) sink.push(Buffer.from(NO_METRICS));
    // After the numbers were read: the state on disk is then at least as new as any of them.
    const [body] = await Promise.all([sink.end(), this.beforeExport()]);
    return new Exposition(format, gzipped, body);
  }

  /**
   * Resolves once no response is sending its body, or after GATHER_MS. Scrapers asking again as
   * soon as answered come back one by one while bodies are being sent: a collection started for the
   * first of them would serve it alone, and each would cost a whole collection. Waiting for the
   * sends lets those arriving meanwhile share it, and it reads nothing before the wait ends.
   */
  private sendsFinished(): Promise<void> | undefined {
    if (this.sending === 0 || this.sendStalled) return undefined;
    return new Promise((resolve) => {
      // Removed on either outcome: a response that never finishes holds no waiter past GATHER_MS.
      const done = () => {
        clearTimeout(timer);
        this.sendWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.sendStalled = true;
        done();
      }, this.gatherMs);
      this.sendWaiters.add(done);
    });
  }

  /** False for an instrument named like a metric of the contract: the contract's family wins, and that is said once. */
  private notShadowed(metric: MetricData): boolean {
    if (this.registryNames.count !== this.registry.metrics.length)
      this.registryNames = { count: this.registry.metrics.length, names: this.writer.names() };
    const name = prometheusName(metric);
    if (!this.registryNames.names.has(name)) return true;
    if (!this.warnedShadowed.has(name)) {
      this.warnedShadowed.add(name);
      this.logger.warn(
        `an OpenTelemetry instrument is scraped as ${name}, a metric of the SDK's contract: the contract's series are kept and the instrument is left out of the scrape (OTLP and snapshots still carry it)`,
      );
    }
    return false;
  }
}
