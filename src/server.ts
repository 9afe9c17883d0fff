import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MonitoringConfigError } from './errors.ts';
import type { Logger } from './logger.ts';

/** Answers one request on a route; may be async. Errors become a bare 500. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** Bind errors that are the host's fault rather than the port's. */
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

function plain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

/**
 * The SDK's own HTTP server (node:http): GET and HEAD only, exact-path routes, nothing else served.
 * The Prometheus endpoint is one route; later features (dashboard, health) add theirs.
 */
export class MonitoringServer {
  private readonly routes: ReadonlyMap<string, RouteHandler>;
  private readonly logger: Logger;
  private readonly server: Server;

  constructor(routes: ReadonlyMap<string, RouteHandler>, logger: Logger) {
    this.routes = routes;
    this.logger = logger;
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 }, (req, res) => this.handle(req, res));
    // The bot's own work keeps the process alive; the metrics server should not.
    this.server.unref();
  }

  /** Binds host:port; rejects with a MonitoringConfigError naming both and the cause. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const why = LISTEN_ERRORS[error.code ?? ''] ?? error.message;
        const option = HOST_ERRORS.has(error.code ?? '') ? 'host' : 'port';
        reject(new MonitoringConfigError(`cannot listen on ${host}:${port}: ${why} (${error.code ?? 'error'})`, option, { cause: error }));
      };
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        this.server.on('error', (error) => this.logger.error(`metrics server error: ${error.message}`));
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const handler = this.routes.get(query === -1 ? url : url.slice(0, query));
    if (handler === undefined) {
      plain(res, 404, 'not found\n');
      return;
    }
    const fail = (error: unknown) => {
      this.logger.error(`handler for ${req.url} failed: ${(error as Error)?.message ?? String(error)}`);
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    };
    try {
      const pending = handler(req, res);
      if (pending !== undefined) pending.catch(fail);
    } catch (error) {
      fail(error);
    }
  }
}
