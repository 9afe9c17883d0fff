import { isIPv6 } from 'node:net';

/**
 * Names that always reach this machine: a page from another site cannot make a browser send them,
 * since a browser sends the host of the page's own URL (see `createHostCheck`).
 */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(address: string): boolean {
  return (
    address === 'localhost' ||
    address === '::1' ||
    address === '[::1]' ||
    /^127\.\d+\.\d+\.\d+$/.test(address) ||
    /^(?:\[)?::ffff:127\./i.test(address)
  );
}

const NAME = /^\.?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/**
 * An `allowedHosts` entry as it is compared: lower case, an IPv6 address in brackets and in the
 * form browsers send, no trailing dot; a leading dot (`.example.com`) kept. `undefined` when the
 * entry is not a bare host name or address (a port, a scheme, a path, a wildcard).
 */
export function hostName(entry: string): string | undefined {
  const lower = entry.trim().toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  if (isIPv6(bare)) return new URL(`http://[${bare}]`).hostname;
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  return NAME.test(name) ? name : undefined;
}

/** The name part of a `Host` header (`name`, `name:port`, `[v6]:port`), or undefined when it is malformed. */
function requestHostName(header: string): string | undefined {
  const lower = header.toLowerCase();
  let name: string;
  let rest: string;
  if (lower.startsWith('[')) {
    const close = lower.indexOf(']');
    if (close === -1) return undefined;
    const address = lower.slice(1, close);
    if (!isIPv6(address)) return undefined;
    name = new URL(`http://[${address}]`).hostname;
    rest = lower.slice(close + 1);
  } else {
    const colon = lower.indexOf(':');
    name = colon === -1 ? lower : lower.slice(0, colon);
    rest = colon === -1 ? '' : lower.slice(colon);
    if (name.endsWith('.')) name = name.slice(0, -1);
  }
  return name !== '' && /^(?::\d*)?$/.test(rest) ? name : undefined;
}

/** Decides whether a request's `Host` header names this service. */
export interface HostCheck {
  allows(host: string): boolean;
}

/**
 * Allows the loopback names and `names` (`.example.com` also allows every subdomain of
 * example.com), whatever the port. A DNS-rebinding page runs at the attacker's origin, so the
 * browser sends the attacker's host name with every request it makes, even once that name
 * resolves to 127.0.0.1: refusing unknown names refuses the attack.
 */
export function createHostCheck(names: readonly string[]): HostCheck {
  const exact = new Set(LOOPBACK_HOST_NAMES);
  const suffixes: string[] = [];
  for (const entry of names) {
    const name = hostName(entry);
    if (name === undefined) continue;
    if (name.startsWith('.')) {
      suffixes.push(name);
      exact.add(name.slice(1));
    } else exact.add(name);
  }
  // The answer depends on the header's text alone, and a client sends the same one every time.
  let lastAllowed: string | undefined;
  return {
    allows(host) {
      if (host === lastAllowed) return true;
      const name = requestHostName(host);
      if (name === undefined) return false;
      const allowed = exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
      if (allowed) lastAllowed = host;
      return allowed;
    },
  };
}

/**
 * The `allowedHosts` default of the SDK's own server: the loopback names (and the bound address)
 * when it binds loopback, which is where DNS rebinding is the danger; any Host otherwise, where
 * the names the machine is reached by are not known here and `auth` is the protection.
 */
export function defaultAllowedHosts(boundAddress: string): readonly string[] | false {
  if (!isLoopback(boundAddress)) return false;
  const bound = hostName(boundAddress);
  return bound === undefined || LOOPBACK_HOST_NAMES.includes(bound)
    ? LOOPBACK_HOST_NAMES
    : [...LOOPBACK_HOST_NAMES, bound];
}
