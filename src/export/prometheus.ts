import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { CollectionResult, MetricData, MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';
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
import { openMetricsOf } from './openmetrics.ts';
import { LoopShare } from './loop-share.ts';
import { RegistryWriter, SLICE_MS } from './registry-writer.ts';

export {
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  PROMETHEUS_RENAMES,
  prometheusName,
  type ExpositionFormat,
} from './exposition.ts';

type CollectionOptions = Parameters<MetricReader['collect']>[0];

/** What OpenTelemetry's serializer writes when there is no metric at all. */
const NO_METRICS = '# no registered metrics';
const EOF = Buffer.from('# EOF\n');
/** See `SendBudget`. */
const BYTES_PER_TURN = 256 * 1024;
/** zlib's fastest level: the exposition is repetitive text, and the time is spent off the event loop anyway. */
const GZIP_LEVEL = 1;

/**
 * The Prometheus pull reader: OpenTelemetry's exporter used as a MetricReader only (its own server
 * never starts). `collect()` returns everything the endpoint exposes, the registry included (what
 * `exportSnapshot()` reads without a file exporter); a scrape collects the OpenTelemetry instruments
 * alone (`collectInstruments`) and writes the registry itself.
 */
export class PrometheusReader extends PrometheusExporter {
  private readonly registryProducer: MetricProducer;

  constructor(registryProducer: MetricProducer) {
    // Scope labels (otel_scope_name...) would add two labels to every series of the contract.
    super({ preventServerStart: true, withoutScopeInfo: true });
    this.registryProducer = registryProducer;
  }

  /** The instruments of the MeterProvider only: host metrics, HTTP durations, the bot's own. */
  collectInstruments(options?: CollectionOptions): Promise<CollectionResult> {
    return super.collect(options);
  }

  /** The instruments and the registry, as one OpenTelemetry collection. */
  override async collect(options?: CollectionOptions): Promise<CollectionResult> {
    const [instruments, registry] = await Promise.all([super.collect(options), this.registryProducer.collect(options)]);
    return {
      resourceMetrics: {
        resource: instruments.resourceMetrics.resource,
        scopeMetrics: [...instruments.resourceMetrics.scopeMetrics, ...registry.resourceMetrics.scopeMetrics],
      },
      errors: [...instruments.errors, ...registry.errors],
    };
  }
}

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
    while (this.spent >= BYTES_PER_TURN) await this.share.yield();
    if (this.spent === 0)
      setImmediate(() => {
        this.spent = 0;
      });
    this.spent += bytes;
  }

  /** Writes `chunk`, its time charged to the share; false when `res` wants a drain first. */
  write(res: ServerResponse, chunk: Buffer): boolean {
    const started = performance.now();
    const more = res.write(chunk);
    this.share.charge(performance.now() - started);
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

/** Compressed in libuv's threadpool (zlib's asynchronous API), chunk by chunk: the event loop only hands the chunks over. */
function gzip(body: Body): Promise<Body> {
  return new Promise((resolve, reject) => {
    const stream = createGzip({ level: GZIP_LEVEL, chunkSize: 64 * 1024 });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(bodyOf(chunks)));
    stream.once('error', reject);
    for (const chunk of body.chunks) stream.write(chunk);
    stream.end();
  });
}

/** One exposition, shared by every request that arrived while it was being made; gzipped once if asked. */
class Exposition {
  readonly format: ExpositionFormat;
  readonly body: Body;
  private gzipped: Promise<Body> | undefined;

  constructor(format: ExpositionFormat, chunks: Buffer[]) {
    this.format = format;
    this.body = bodyOf(chunks);
  }

  gzip(): Promise<Body> {
    return (this.gzipped ??= gzip(this.body));
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

/**
 * The Prometheus endpoint: the text format or OpenMetrics as the `Accept` header asks, gzipped when
 * `Accept-Encoding` allows it. The registry's metrics (every metric of the contract) are written
 * straight from their series (`RegistryWriter`), in slices that yield to the event loop; the
 * MeterProvider's instruments go through OpenTelemetry's reader and serializer as before, and both
 * form one exposition, the same as OpenTelemetry alone would write.
 *
 * Requests that arrive while an exposition is being made share it, so fifty clients cost about one
 * scrape; while the rest of the event loop is busy, rendering and sending together take at most
 * `LOOP_SHARE` of its time (`LoopShare`). No exposition leaves before the durable state is on disk at least as new as the numbers
 * it carries: the registry is written first, then the state barrier is awaited (`beforeExport`).
 */
export class PrometheusEndpoint {
  readonly reader: PrometheusReader;
  private readonly registry: InstrumentRegistry;
  private readonly writer: RegistryWriter;
  private readonly beforeExport: () => Promise<void>;
  private readonly serializer: PrometheusSerializer;
  private readonly logger: Logger;
  private readonly inFlight = new Map<ExpositionFormat, Promise<Exposition>>();
  /** The loop time every scrape of this endpoint takes together (rendering and sending). */
  private readonly share = new LoopShare();
  private readonly sent = new SendBudget(this.share);
  private registryNames: { count: number; names: Set<string> } = { count: -1, names: new Set() };
  private warnedErrors = false;
  private readonly warnedShadowed = new Set<string>();

  /**
   * @param registryProducer the registry as an OpenTelemetry producer, for `reader.collect()` (snapshots)
   * @param beforeExport awaited before an exposition leaves: the durable state's write
   */
  constructor(
    registry: InstrumentRegistry,
    registryProducer: MetricProducer,
    beforeExport: () => Promise<void>,
    logger: Logger,
  ) {
    this.registry = registry;
    this.writer = new RegistryWriter(registry);
    this.beforeExport = beforeExport;
    this.logger = logger;
    this.reader = new PrometheusReader(registryProducer);
    this.serializer = new PrometheusSerializer('', false, undefined, false, true);
  }

  /** Collects every metric now and returns the exposition text (the text format unless asked otherwise). */
  async render(format: ExpositionFormat = 'text'): Promise<string> {
    return (await this.expose(format, true)).text();
  }

  /** Request handler serving the exposition; usable from any node:http-compatible server. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const exposition = await this.expose(negotiateFormat(req.headers.accept), false);
    const compressed = acceptsGzip(req.headers['accept-encoding']);
    const body = compressed ? await exposition.gzip() : exposition.body;
    res.writeHead(200, {
      'content-type': exposition.format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
      'content-length': body.bytes,
      ...(compressed ? { 'content-encoding': 'gzip' } : {}),
      vary: 'Accept, Accept-Encoding',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    // Chunk by chunk as the socket drains, within the budget of the turn (see `sent`).
    for (const chunk of body.chunks) {
      await this.sent.take(chunk.length);
      if (res.destroyed) return;
      if (!this.sent.write(res, chunk)) await drained(res);
    }
    res.end();
  };

  /**
   * The exposition in flight in this format if any (a scrape), else a new one; `fresh` always starts
   * a new one (`render()`, "collected now"), which later scrapes share.
   */
  private expose(format: ExpositionFormat, fresh: boolean): Promise<Exposition> {
    const running = this.inFlight.get(format);
    if (running !== undefined && !fresh) return running;
    const made = this.make(format).finally(() => {
      if (this.inFlight.get(format) === made) this.inFlight.delete(format);
    });
    this.inFlight.set(format, made);
    return made;
  }

  private async make(format: ExpositionFormat): Promise<Exposition> {
    // One turn first: the requests read in the same turn of the event loop (fifty at once) share this one.
    await nextTurn();
    await this.share.admit();
    const started = performance.now();
    this.registry.runCollectHooks();
    const collecting = this.reader.collectInstruments();
    this.share.charge(performance.now() - started);
    const { resourceMetrics, errors } = await collecting;
    if (errors.length > 0 && !this.warnedErrors) {
      this.warnedErrors = true;
      this.logger.warn(
        `metric collection reported ${errors.length} error(s), first: ${String(errors[0])}; further ones are not logged`,
      );
    }
    const serializing = performance.now();
    const instruments = forPrometheus(resourceMetrics, (metric) => this.notShadowed(metric));
    const chunks: Buffer[] = [];
    let head = format === 'text' ? this.serializer.serialize(instruments) : openMetricsOf(instruments);
    const empty = head.endsWith(NO_METRICS);
    if (empty) head = head.slice(0, -NO_METRICS.length);
    chunks.push(Buffer.from(head, 'utf8'));
    this.share.charge(performance.now() - serializing);
    await this.share.yield();
    const wrote = await this.writer.write(format, (chunk) => chunks.push(chunk), this.share);
    if (format === 'openmetrics') chunks.push(EOF);
    else if (empty && !wrote) chunks.push(Buffer.from(NO_METRICS));
    // After the numbers were read: the state on disk is then at least as new as any of them.
    await this.beforeExport();
    return new Exposition(format, chunks);
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
