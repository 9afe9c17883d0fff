/**
 * The state file: a header line, then the state as one JSON line. The header carries the format
 * version, the body's length in bytes and its CRC-32, so a truncated or damaged file is recognised
 * before any of it is used.
 */
import { crc32 } from 'node:zlib';
import { VERSION } from '../core/version.ts';

export const STATE_FORMAT = 'evil2root-monitoring-state';
/** The version this SDK writes. It reads this one and every earlier one (see `MIGRATIONS`). */
export const STATE_VERSION = 1;

/**
 * Why a state file (or a part of one) could not be restored: the `reason` label of
 * `monitoring_state_restore_failures_total`. `unreadable`: the file could not be read (a directory,
 * no permission); `truncated`: shorter than its header says; `corrupt`: not the format, or its
 * checksum does not match; `version`: written by a newer SDK; `invalid`: a part of the wrong shape;
 * `options_changed`: a part saved under other settings (a window, an interval) started fresh.
 */
export const RESTORE_FAILURES = Object.freeze([
  'unreadable',
  'truncated',
  'corrupt',
  'version',
  'invalid',
  'options_changed',
] as const);
export type RestoreFailure = (typeof RESTORE_FAILURES)[number];

/** A state file that cannot be used, and why. */
export class StateFileError extends Error {
  readonly reason: RestoreFailure;

  constructor(reason: RestoreFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The header line of a state file. */
export interface StateHeader {
  readonly format: string;
  readonly version: number;
  readonly sdk: string;
  readonly writtenAt: string;
  readonly pid: number;
  readonly bytes: number;
  readonly crc32: number;
}

/**
 * Upgrades a body of version `v` to version `v + 1`. Empty while version 1 is the only one: the
 * next format change adds its step here, and a newer SDK then reads every older file.
 */
const MIGRATIONS: Readonly<Record<number, (body: unknown) => unknown>> = {};

/** The file's bytes for `body`, already serialized as JSON. */
export function encodeState(body: string): Buffer {
  return Buffer.concat(encodeStateParts(body));
}

/** The file's bytes for `body` in three pieces (header line, body, newline), to be written one after the other. */
export function encodeStateParts(body: string): Buffer[] {
  const bytes = Buffer.from(body, 'utf8');
  return [encodeStateHeader(bytes.length, crc32(bytes)), bytes, Buffer.from('\n')];
}

/** The header line for a body of `bytes` bytes whose CRC-32 is `checksum` (for a body written in pieces). */
export function encodeStateHeader(bytes: number, checksum: number): Buffer {
  const header: StateHeader = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    sdk: VERSION,
    writtenAt: new Date().toISOString(),
    pid: process.pid,
    bytes,
    crc32: checksum,
  };
  return Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');
}

/** The body of a state file, upgraded to the current version; throws StateFileError saying why not. */
export function decodeState(data: Buffer): { header: StateHeader; body: unknown } {
  const newline = data.indexOf(0x0a);
  if (newline === -1) throw new StateFileError('truncated', 'the file ends inside its header');
  let header: StateHeader;
  try {
    header = JSON.parse(data.subarray(0, newline).toString('utf8')) as StateHeader;
  } catch {
    throw new StateFileError('corrupt', 'the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || header.format !== STATE_FORMAT)
    throw new StateFileError('corrupt', `the header does not name the format ${STATE_FORMAT}`);
  if (!Number.isInteger(header.version) || header.version < 1)
    throw new StateFileError('corrupt', 'the header has no valid version');
  if (header.version > STATE_VERSION)
    throw new StateFileError(
      'version',
      `it was written by SDK ${String(header.sdk)} in state format ${header.version}; this SDK (${VERSION}) reads formats up to ${STATE_VERSION}`,
    );
  const body = data.subarray(newline + 1);
  // The body is followed by one newline.
  if (body.length < header.bytes + 1)
    throw new StateFileError('truncated', `the body has ${body.length} bytes of ${header.bytes + 1}`);
  const payload = body.subarray(0, header.bytes);
  if (crc32(payload) !== header.crc32) throw new StateFileError('corrupt', 'the body does not match its checksum');
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new StateFileError('corrupt', 'the body is not JSON');
  }
  for (let v = header.version; v < STATE_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step === undefined) throw new StateFileError('version', `no upgrade from state format ${v}`);
    parsed = step(parsed);
  }
  return { header, body: parsed };
}
