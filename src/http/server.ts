import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MonitoringConfigError } from '../core/errors.ts';
import { plainResponse } from './respond.ts';
import { createSurfaceHandler, type RouteHandler } from './surface.ts';
import type { Logger } from '../core/logger.ts';
import { defaultAllowedHosts } from './hosts.ts';
import type { AccessGate } from './gate.ts';
import type { AuthOptions } from './options.ts';
import { COMMON_HEADERS, NO_STORE } from './security-headers.ts';

export type { RouteHandler } from './surface.ts';

/** Protection of the server; every field optional. */
export interface ServerSettings {
  readonly auth?: false | Readonly<AuthOptions>;
  readonly authExemptPaths?: readonly string[];
  /** The gate shared with the other mountings; made from `auth` when absent. */
  readonly gate?: AccessGate;
  readonly tls?: false | { readonly key: Buffer; readonly cert: Buffer };
  /**
   * Host names served besides the loopback names; `false`: any Host. Default: the loopback names
   * when the server binds a loopback address, any Host otherwise (see `defaultAllowedHosts`).
   */
  readonly allowedHosts?: false | readonly string[] | undefined;
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

/** The security headers of a response written straight to the socket, as `name: value\r\n` lines. */
const RAW_HEADERS = Object.entries({ ...COMMON_HEADERS, 'cache-control': NO_STORE })
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** Bind errors that are the host's fault rather than the port's. */
const HOST_ERRORS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * The SDK's own HTTP(S) server: GET and HEAD only, exact-path routes, nothing else served (see
 * `createSurfaceHandler`), with bounded request heads and header/request timeouts.
 */
export class MonitoringServer {
  private readonly logger: Logger;
  private readonly server: Server;
  private readonly routes: ReadonlyMap<string, RouteHandler>;
  private readonly settings: ServerSettings;
  /** Built at `listen`, when the bound address (and so the default of `allowedHosts`) is known. */
  private surface: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  constructor(routes: ReadonlyMap<string, RouteHandler>, logger: Logger, settings: ServerSettings = {}) {
    this.logger = logger;
    this.routes = routes;
    this.settings = settings;
    const headersTimeout = settings.headersTimeoutMs ?? 10_000;
    const options: ServerOptions = {
      requestTimeout: settings.requestTimeoutMs ?? 30_000,
      headersTimeout,
      keepAliveTimeout: 65_000,
      maxHeaderSize: settings.maxHeaderSize ?? MAX_HEADER_SIZE,
      // Node checks the two timeouts on this period (30 s by default), so a slow client would outlive headersTimeout by as much.
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
      // Node's own 400 would lack the security headers: the surface answers it.
      requireHostHeader: false,
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.surface?.(req, res);
    const tls = settings.tls ?? false;
    this.server =
      tls === false
        ? createServer(options, handler)
        : (createHttpsServer({ ...options, key: tls.key, cert: tls.cert }, handler) as unknown as Server);
    // Node's own 417 would lack the security headers too.
    this.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) =>
      plainResponse(res, 417, 'expectation failed\n', { connection: 'close' }),
    );
    // Not `Bad Request` with details: a malformed request gets a bare status and the socket is closed.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const status =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\n${RAW_HEADERS}connection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    // The bot's own work keeps the process alive; the metrics server should not.
    this.server.unref();
  }

  /** Binds host:port; rejects with a MonitoringConfigError naming both and the cause. */
  listen(host: string, port: number): Promise<AddressInfo> {
    this.surface = createSurfaceHandler(this.routes, {
      auth: this.settings.auth ?? false,
      authExemptPaths: this.settings.authExemptPaths ?? [],
      gate: this.settings.gate,
      allowedHosts: this.settings.allowedHosts ?? defaultAllowedHosts(host),
      logger: this.logger,
    });
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
