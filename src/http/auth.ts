import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthOptions } from './options.ts';

/** Checks the Authorization header of a request against the configured credentials. */
export interface AuthCheck {
  /** True when the header carries the configured token or user and password. */
  verify(authorization: string | undefined): boolean;
  /** The `WWW-Authenticate` value of a 401. */
  readonly challenge: string;
}

const REALM = 'evil2root-monitoring';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares SHA-256 digests with `timingSafeEqual`: equal lengths whatever was sent, so the time
 * taken says nothing about the secret, not even its length.
 */
export function createAuthCheck(auth: Readonly<AuthOptions>): AuthCheck {
  const bearer = 'bearerToken' in auth;
  const scheme = bearer ? 'bearer' : 'basic';
  const expected = digest(bearer ? auth.bearerToken : `${auth.username}:${auth.password}`);
  return {
    challenge: bearer ? `Bearer realm="${REALM}"` : `Basic realm="${REALM}", charset="UTF-8"`,
    verify(authorization) {
      if (authorization === undefined) return false;
      const space = authorization.indexOf(' ');
      if (space === -1 || authorization.slice(0, space).toLowerCase() !== scheme) return false;
      const credentials = authorization.slice(space + 1).trim();
      const given = bearer ? credentials : Buffer.from(credentials, 'base64').toString('utf8');
      return timingSafeEqual(digest(given), expected);
    },
  };
}
