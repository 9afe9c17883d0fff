import { isInt, nonEmpty, plainObject, positive, show, type Checks } from '../core/checks.ts';
import { hostName } from './hosts.ts';

/** Bearer token or HTTP basic credentials for the HTTP surface. */
export type AuthOptions =
  | {
      /** The token a client sends as `Authorization: Bearer <token>`. */
      bearerToken: string;
    }
  | {
      /** The HTTP basic-auth user name (no `:`). */
      username: string;
      /** The HTTP basic-auth password. */
      password: string;
    };

/** Certificate and private key of the HTTPS server: PEM text, Buffers, or file paths. */
export interface TlsOptions {
  /** Private key: PEM text, a Buffer, or the path of a PEM file (a string not starting with `-----BEGIN`). */
  key: string | Buffer;
  /** Certificate chain: PEM text, a Buffer, or the path of a PEM file. */
  cert: string | Buffer;
}

/** The SDK's HTTP surface: its own server, authentication, TLS, and what `/readyz` checks. */
export interface HttpOptions {
  /**
   * Port of the Prometheus endpoint (`/metrics` and `/`); 0 picks a free port; `false` starts no server.
   * @default `OTEL_EXPORTER_PROMETHEUS_PORT`, else 8000; no server when `OTEL_METRICS_EXPORTER` leaves out `prometheus`
   */
  port?: number | false;
  /**
   * Address the server binds; loopback unless you ask for more.
   * @default `OTEL_EXPORTER_PROMETHEUS_HOST`, else `'127.0.0.1'`
   */
  host?: string;
  /**
   * Authentication of the HTTP surface: a bearer token or a basic-auth user and password; `false` for none.
   * @default `MONITORING_AUTH_TOKEN`, else `MONITORING_BASIC_AUTH` (`user:password`), else none
   */
  auth?: false | AuthOptions;
  /**
   * Exact paths served without authentication.
   * @default ['/healthz']
   */
  authExemptPaths?: string[];
  /**
   * Host names (the `Host` header, port ignored) the surface answers besides `localhost`, `127.0.0.1` and
   * `[::1]`; any other gets 421. `'.example.com'` also allows its subdomains. `false` answers any Host.
   * Closes DNS rebinding: a page on another site can reach a loopback port only under its own name.
   * @default the loopback names when the SDK's server binds a loopback address; any Host when it binds
   * another address, and on `httpHandler()`
   */
  allowedHosts?: false | string[];
  /**
   * Serve HTTPS: `key` and `cert` as PEM text or Buffers, or as file paths; read once at init.
   * @default false
   */
  tls?: false | TlsOptions;
  /**
   * Seconds after its last `heartbeat(loop)` before a loop makes `/readyz` fail; a record sets it per loop (others keep 60).
   * @default 60
   */
  heartbeatTimeoutSeconds?: number | Record<string, number>;
  /**
   * Seconds an exporter (file, OTLP) may keep failing before `/readyz` fails.
   * @default 300
   */
  exportFailureGraceSeconds?: number;
}

/** The HTTP settings in force. */
export interface ResolvedHttp {
  /** Port of the SDK's server (0: a free one picked at start), or `false` when no server is started. */
  readonly port: number | false;
  /** Address the server binds. */
  readonly host: string;
  /** Credentials the HTTP surface requires, or `false` when it requires none. */
  readonly auth: false | Readonly<AuthOptions>;
  /** Exact paths served without authentication. */
  readonly authExemptPaths: readonly string[];
  /**
   * Host names answered besides the loopback names; `false`: any Host; `undefined`: the default (the
   * loopback names only on the SDK's server bound to loopback, any Host otherwise and on `httpHandler()`).
   */
  readonly allowedHosts: false | readonly string[] | undefined;
  /** Key and certificate read into Buffers; `false` when the server speaks plain HTTP. */
  readonly tls:
    | false
    | {
        /** Private key, PEM. */
        readonly key: Buffer;
        /** Certificate chain, PEM. */
        readonly cert: Buffer;
      };
  /** Seconds without a heartbeat before a loop fails `/readyz`: one value for every loop, or one per loop (others 60). */
  readonly heartbeatTimeoutSeconds: number | Readonly<Record<string, number>>;
  /** Seconds an exporter may keep failing before `/readyz` fails. */
  readonly exportFailureGraceSeconds: number;
}

export const HTTP_DEFAULTS: ResolvedHttp = {
  port: 8000,
  host: '127.0.0.1',
  auth: false,
  authExemptPaths: ['/healthz'],
  allowedHosts: undefined,
  tls: false,
  heartbeatTimeoutSeconds: 60,
  exportFailureGraceSeconds: 300,
};

export const HTTP_CHECKS: Checks<HttpOptions> = {
  port: (v) => (v === false || isInt(v, 0, 65535) ? undefined : 'an integer from 0 to 65535, or false'),
  host: (v) => (nonEmpty(v) ? undefined : 'a non-empty host name or IP address'),
  auth: (v) => {
    if (v === false) return undefined;
    const expected = 'false, { bearerToken } or { username, password } with non-empty strings';
    if (!plainObject(v)) return expected;
    const keys = Object.keys(v).sort().join();
    if (keys === 'bearerToken') return nonEmpty(v['bearerToken']) ? undefined : expected;
    if (keys === 'password,username') {
      const valid = nonEmpty(v['username']) && nonEmpty(v['password']) && !String(v['username']).includes(':');
      return valid ? undefined : `${expected} (no ':' in the username)`;
    }
    return expected;
  },
  authExemptPaths: (v) =>
    Array.isArray(v) && v.every((p) => typeof p === 'string' && p.startsWith('/'))
      ? undefined
      : "an array of paths starting with '/'",
  allowedHosts: (v) => {
    if (v === false) return undefined;
    const expected =
      "false, or an array of host names or IP addresses without scheme or port (e.g. ['bot.example.com', '.example.com', '10.0.0.5'])";
    if (!Array.isArray(v)) return expected;
    const bad = v.findIndex((name) => typeof name !== 'string' || hostName(name) === undefined);
    return bad === -1 ? undefined : `${expected}; ${show(v[bad])} is not one`;
  },
  tls: (v) => {
    if (v === false) return undefined;
    const pem = (x: unknown) => (typeof x === 'string' && x.length > 0) || Buffer.isBuffer(x);
    return plainObject(v) && Object.keys(v).sort().join() === 'cert,key' && pem(v['key']) && pem(v['cert'])
      ? undefined
      : 'false or { key, cert }, each PEM text, a Buffer or a file path';
  },
  heartbeatTimeoutSeconds: (v) =>
    positive(v) || (plainObject(v) && Object.values(v).every(positive))
      ? undefined
      : 'a positive number of seconds, or an object of them per loop',
  exportFailureGraceSeconds: (v) => (positive(v) ? undefined : 'a positive number of seconds'),
};
