import { boolean, objectOf, type Checks } from '../core/checks.ts';
import { APP_EXPECTED, detectFramework } from './app.ts';

/** Which outgoing-call instrumentations to turn on. */
export interface AutoInstrumentOptions {
  /** node:http/https (axios, got, the exchange SDKs built on them). @default true */
  http?: boolean;
  /** `fetch` (undici). @default true */
  fetch?: boolean;
}

/** The bot's own web app and outgoing calls. */
export interface IntegrationOptions {
  /**
   * An Express app or a Fastify instance (before it listens): `/metrics` and `http.server.request.duration` are
   * mounted on it.
   * @default none
   */
  app?: unknown;
  /**
   * Metrics of every outgoing HTTP call: `http` (node:http/https, axios…) and `fetch` (undici); `true` for both.
   * @default false
   */
  autoInstrument?: boolean | AutoInstrumentOptions;
}

/** The integration settings in force. */
export interface ResolvedIntegrations {
  /** The Express or Fastify app given, as is; undefined when none was. */
  readonly app: unknown;
  /** Which outgoing-call instrumentations are on, or `false` for none. */
  readonly autoInstrument:
    | {
        /** Whether node:http/https calls are measured. */
        readonly http: boolean;
        /** Whether `fetch` (undici) calls are measured. */
        readonly fetch: boolean;
      }
    | false;
}

export const INTEGRATION_DEFAULTS: ResolvedIntegrations = { app: undefined, autoInstrument: false };

const autoInstrumentObject = objectOf({ http: boolean, fetch: boolean }, 'true, false or { http?, fetch? }');

export const INTEGRATION_CHECKS: Checks<IntegrationOptions> = {
  app: (v) => (detectFramework(v) !== undefined ? undefined : APP_EXPECTED),
  autoInstrument: (v) => (typeof v === 'boolean' ? undefined : autoInstrumentObject(v)),
};

/** `true` and `{}` turn both on; a field left out is on. */
export function resolveAutoInstrument(
  given: boolean | AutoInstrumentOptions | undefined,
): ResolvedIntegrations['autoInstrument'] {
  if (given === undefined || given === false) return false;
  const set = given === true ? {} : given;
  return { http: set.http ?? true, fetch: set.fetch ?? true };
}
