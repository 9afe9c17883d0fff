import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { HTTP, HTTP_METHODS, OTHER_HTTP_METHOD } from '../contract/semconv.ts';
import { DOUBLE_VALUES } from '../storage/data-model.ts';

/** The semantic conventions' default buckets for `http.server.request.duration`, in seconds. */
export const HTTP_SERVER_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/** Methods recorded as sent; any other is `_OTHER`, so a client cannot mint label values. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

const TRACKED = Symbol.for('@evil2root/monitoring.http-server.tracked');

/** The route template of a request (`/orders/:id`), or undefined when no route matched; read when the response ends. */
export type RouteOf = () => string | undefined;

type Tracked = ServerResponse & { [TRACKED]?: { routeOf: RouteOf } };

/**
 * `http.server.request.duration` of the bot's own web server: one observation per request when its
 * response finishes (or its connection closes first: `error.type="aborted"`, no status), with
 * method, status, route template and scheme. Framework-neutral: the Express and Fastify glue only
 * says how to read the route.
 */
export class HttpServerMetrics {
  private readonly histogram: Histogram;
  private readonly onFault: (error: unknown) => void;

  constructor(meter: Meter, onFault: (error: unknown) => void) {
    this.histogram = meter.createHistogram(HTTP.serverRequestDuration, {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      valueType: DOUBLE_VALUES,
      advice: { explicitBucketBoundaries: [...HTTP_SERVER_DURATION_BUCKETS] },
    });
    this.onFault = onFault;
  }

  /**
   * Starts timing a request; idempotent per response (a later call only replaces how the route is
   * read, so a raw-server hook and a framework hook can both call it). Never throws.
   */
  track(req: IncomingMessage, res: ServerResponse, routeOf: RouteOf): void {
    try {
      const tracked = res as Tracked;
      const state = tracked[TRACKED];
      if (state !== undefined) {
        state.routeOf = routeOf;
        return;
      }
      const own = { routeOf };
      tracked[TRACKED] = own;
      const start = performance.now();
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        try {
          this.record(req, res, own.routeOf, (performance.now() - start) / 1000);
        } catch (error) {
          this.onFault(error);
        }
      };
      res.once('finish', end);
      res.once('close', end);
    } catch (error) {
      this.onFault(error);
    }
  }

  private record(req: IncomingMessage, res: ServerResponse, routeOf: RouteOf, seconds: number): void {
    const method = req.method !== undefined && KNOWN_METHODS.has(req.method) ? req.method : OTHER_HTTP_METHOD;
    const attributes: Attributes = {
      [HTTP.requestMethod]: method,
      [HTTP.urlScheme]: (req.socket as TLSSocket | null)?.encrypted === true ? 'https' : 'http',
    };
    if (res.writableFinished) attributes[HTTP.responseStatusCode] = res.statusCode;
    else attributes[HTTP.errorType] = 'aborted';
    let route: string | undefined;
    try {
      route = routeOf();
    } catch {
      route = undefined;
    }
    if (typeof route === 'string' && route !== '') attributes[HTTP.route] = route;
    this.histogram.record(seconds, attributes);
  }
}
