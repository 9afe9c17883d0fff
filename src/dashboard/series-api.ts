import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_STORE } from '../http/security-headers.ts';
import type { MetricHistory, SeriesContext, SeriesQuery } from './history.ts';

/** Longest value accepted for a query parameter; longer ones are a 400. */
const MAX_PARAM = 200;

/** Longest the renderer holds the event loop before yielding to the bot, in ms. */
const SLICE_MS = 4;

/** Restarts of a render overtaken by samples before it runs in one go. */
const MAX_RESTARTS = 3;

/** Answers kept for the current history version, so a dashboard opened twice or polled by several tabs costs one render. */
const KEPT_ANSWERS = 8;

/**
 * Reads the query of `GET /api/v1/series`: `names` (comma-separated metric names), `symbol`,
 * `model`, `since` (Unix milliseconds), `points` (points per series, at least 3). Returns a message
 * for a bad parameter.
 */
export function parseSeriesQuery(url: string): SeriesQuery | string {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const query: { -readonly [K in keyof SeriesQuery]: SeriesQuery[K] } = {};
  for (const [key, value] of params) {
    if (value.length > MAX_PARAM * 20 || (key !== 'names' && value.length > MAX_PARAM))
      return `parameter ${key} is too long`;
    switch (key) {
      case 'names':
        query.names = value.split(',').filter((n) => n !== '');
        break;
      case 'symbol':
        if (value !== '') query.symbol = value;
        break;
      case 'model':
        if (value !== '') query.model = value;
        break;
      case 'since': {
        const since = Number(value);
        if (!Number.isFinite(since)) return 'since must be a Unix time in milliseconds';
        query.since = since;
        break;
      }
      case 'points': {
        const points = Number(value);
        if (!Number.isSafeInteger(points) || points < 3) return 'points must be an integer of at least 3';
        query.points = points;
        break;
      }
      default:
        return `unknown parameter (known: names, symbol, model, since, points)`;
    }
  }
  return query;
}

/** Two queries with the same key select the same answer: names sorted and deduplicated. */
export function queryKey(query: SeriesQuery): string {
  const names = query.names === undefined ? null : [...new Set(query.names)].sort();
  return JSON.stringify([names, query.symbol ?? null, query.model ?? null, query.since ?? null, query.points ?? null]);
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `GET /api/v1/series`: the history as JSON, bounded by the dashboard's `maxPoints` and `maxValues`,
 * rendered in slices of a few milliseconds so the bot's event loop keeps running. Identical
 * concurrent requests share one render (key: the normalized query), and the answer is kept until
 * the next sample; different queries are rendered one after the other, so memory holds one render
 * at a time whatever the number of clients.
 */
export class SeriesApi {
  private readonly history: MetricHistory;
  private readonly answers = new Map<string, { readonly version: number; readonly body: Promise<Buffer> }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sliceMs: number;
  private readonly context: SeriesContext | undefined;
  /** Renders done so far (for tests and the bench). */
  renders = 0;
  /** Renders started again because a sample landed during them. */
  restarts = 0;
  /** Longest slice of a render so far, in ms (for tests and the bench). */
  longestSliceMs = 0;

  /**
   * `sliceMs`: longest the renderer holds the event loop before yielding (default 4 ms); `context`: the
   * settings every answer carries, so the page can say when a figure will have its first value.
   */
  constructor(history: MetricHistory, options: { sliceMs?: number; context?: SeriesContext } = {}) {
    this.history = history;
    this.sliceMs = options.sliceMs ?? SLICE_MS;
    this.context = options.context;
  }

  /** The JSON body answering `query`: a kept or in-flight answer of the same key when there is one. */
  body(query: SeriesQuery): Promise<Buffer> {
    const key = queryKey(query);
    const version = this.history.version;
    const kept = this.answers.get(key);
    if (kept !== undefined && kept.version === version) return kept.body;
    for (const [k, answer] of this.answers) if (answer.version !== version) this.answers.delete(k);
    if (this.answers.size >= KEPT_ANSWERS) this.answers.delete(this.answers.keys().next().value as string);
    const body = this.queue.then(() => this.render(query));
    this.queue = body.catch(() => undefined);
    this.answers.set(key, { version, body });
    body.catch(() => {
      if (this.answers.get(key)?.body === body) this.answers.delete(key);
    });
    return body;
  }

  /**
   * Renders one answer in slices, each encoded as it ends so the last one stays small; when a sample
   * lands between two slices, starts again on the new history. After {@link MAX_RESTARTS} restarts
   * (samples faster than a render) the last attempt runs in one go: `maxValues` bounds it.
   */
  async render(query: SeriesQuery): Promise<Buffer> {
    restart: for (let attempt = 0; ; attempt++) {
      const sliced = attempt < MAX_RESTARTS;
      let sliceStart = performance.now();
      const view = this.history.view(query);
      const head = JSON.stringify(this.context === undefined ? view.head : { ...view.head, context: this.context });
      const chunks: Buffer[] = [];
      let parts: string[] = [`${head.slice(0, -1)},"series":[`];
      for (let i = 0; i < view.length; i++) {
        parts.push(i === 0 ? view.seriesText(i) : `,${view.seriesText(i)}`);
        if (!sliced || performance.now() - sliceStart < this.sliceMs || i === view.length - 1) continue;
        chunks.push(Buffer.from(parts.join('')));
        parts = [];
        this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - sliceStart);
        await yieldToLoop();
        if (this.history.version !== view.version) {
          this.restarts++;
          continue restart;
        }
        sliceStart = performance.now();
      }
      parts.push(']}');
      chunks.push(Buffer.from(parts.join('')));
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.longestSliceMs = Math.max(this.longestSliceMs, performance.now() - sliceStart);
      this.renders++;
      return body;
    }
  }

  /** The route handler. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const query = parseSeriesQuery(req.url ?? '/');
    // The security headers come from the request surface, which sets them on every response.
    const headers = { 'cache-control': NO_STORE };
    if (typeof query === 'string') {
      res.writeHead(400, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${query}\n`);
      return;
    }
    const body = await this.body(query);
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  };
}
