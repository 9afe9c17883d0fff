import { createServer, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MonitoringConfigError } from '../core/errors.ts';
import { createSurfaceHandler, type RouteHandler } from './surface.ts';
import type { Logger } from '../core/logger.ts';
import type { AuthOptions } from './options.ts';

export type { RouteHandler } from './surface.ts';

/** Protection of the server; every field optional. */
export interface ServerSettings {
  readonly auth?: false | Readonly<AuthOptions>;
  readonly authExemptPaths?: readonly string[];
  readonly tls?: false | { readonly key: Buffer; readonly cert: Buffer };
  /** Time to receive the request headers (a slowloris client is cut off after it). Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time to receive the whole request. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Largest request head accepted; a larger one gets 431. Default 8 KiB. */
  readonly maxHeaderSize?: number;
}

/** Scrapes and dashboard requests are small: a head above this is not one. */
const MAX_HEADER_SIZE = 8 * 1024;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** Bind errors that are the host's fault rather than the port's. */
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The SDK's own HTTP(S) server: GET and HEAD only, exact-path routes, nothing else served (see
 * `createSurfaceHandler`), with bounded request heads and header/request timeouts.
 */
export class MonitoringServer {
  private readonly logger: Logger;
  private readonly server: Server;
  /** The request pipeline, for mounting on the bot's own server. */
  readonly handler: RouteHandler;

  constructor(routes: ReadonlyMap<string, RouteHandler>, logger: Logger, settings: ServerSettings = {}) {
    this.logger = logger;
    const handler = createSurfaceHandler(routes, {
      auth: settings.auth ?? false,
      authExemptPaths: settings.authExemptPaths ?? [],
      logger,
    });
    this.handler = handler;
    const headersTimeout = settings.headersTimeoutMs ?? 10_000;
    const options: ServerOptions = {
      requestTimeout: settings.requestTimeoutMs ?? 30_000,
      headersTimeout,
      keepAliveTimeout: 65_000,
      maxHeaderSize: settings.maxHeaderSize ?? MAX_HEADER_SIZE,
      // Node checks the two timeouts on this period (30 s by default), so a slow client would outlive headersTimeout by as much.
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    };
    const tls = settings.tls ?? false;
    this.server =
      tls === false
        ? createServer(options, handler)
        : (createHttpsServer({ ...options, key: tls.key, cert: tls.cert }, handler) as unknown as Server);
    // Not `Bad Request` with details: a malformed request gets a bare status and the socket is closed.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const status =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    // The bot's own work keeps the process alive; the metrics server should not.
    this.server.unref();
  }

  /** Binds host:port; rejects with a MonitoringConfigError naming both and the cause. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const why = LISTEN_ERRORS[error.code ?? ''] ?? error.message;
        const option = HOST_ERRORS.has(error.code ?? '') ? 'host' : 'port';
        reject(
          new MonitoringConfigError(`cannot listen on ${host}:${port}: ${why} (${error.code ?? 'error'})`, option, {
            cause: error,
          }),
        );
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
}
