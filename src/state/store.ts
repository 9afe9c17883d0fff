/**
 * Durable state: every figure the SDK computes, kept in a directory and restored at the next start.
 *
 * The invariant: nothing that left the process is ever lost. Every collection by a reader (a scrape,
 * an OTLP push, a snapshot) waits for `persist()` before its data goes out, and `persist()` resolves
 * once a state at least as new as that collection is on disk. So after a crash at any moment, a
 * restored counter is never below a value any reader saw. Between exports the state is written in
 * the background every `flushIntervalMs`, which bounds what a crash can lose of what nobody saw. A
 * file no reader publishes (the dashboard's history) is not written before exports, and may have a
 * slower cadence of its own (`DurableFile.flushIntervalMs`).
 *
 * Each write serializes the parts (recording never waits and never does I/O): synchronously, or for
 * a part that gives its state as text in pieces (the dashboard's history, megabytes), a few pieces
 * at a time across event-loop turns, each turn half a millisecond of work and the piece that
 * crosses it, so a large file never holds the bot's event loop. It skips the write when nothing
 * changed, and replaces the file atomically (temporary file, fsync, rename, fsync of the
 * directory): a crash leaves the previous state or the new one, never a part. Writes of
 * one file never overlap; a collection during a write waits for the next write, which serves every
 * collection that queued behind it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { StateMismatchError, StateSettingsError } from '../analytics/state.ts';
import { MonitoringConfigError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { nodeFileSystem, writeFileAtomic, type ExportFileSystem } from '../export/atomic-file.ts';
import { failureReason } from '../export/file-exporter.ts';
import type { ExportHealth } from '../export/health.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { SeriesTable } from '../storage/series.ts';
import { decodeState, encodeStateHeader, encodeStateParts, StateFileError, type RestoreFailure } from './file.ts';
import { StateLock } from './lock.ts';

/** One part of the state: a domain, the registry, the dashboard history. */
export interface DurablePart {
  /** Its key in the state file. */
  readonly name: string;
  /** Its state as plain JSON data; called synchronously before each write (unless it has `saveText`). */
  save(): unknown;
  /**
   * Its state as JSON text (the text of `JSON.stringify(save())`) in pieces, each a bounded amount
   * of work, for a part too large to serialize in one go: the store asks for the pieces across
   * event-loop turns, and the text must be the state as it was at the first `next()`, whatever is
   * recorded meanwhile.
   */
  saveText?(): Iterator<string, void, undefined>;
  /** Loads a saved state into the freshly built part; throws StateMismatchError when it does not fit. Returns what came back, for the log. */
  restore(saved: unknown): string | undefined;
}

/** A file of the state directory and the parts it holds. */
export interface DurableFile {
  readonly name: string;
  readonly parts: readonly DurablePart[];
  /** Written before every export (the figures readers see); otherwise only in the background and at shutdown. */
  readonly beforeExport: boolean;
  /** Milliseconds between its background writes; the store's `flushIntervalMs` when not given. */
  readonly flushIntervalMs?: number;
}

/** What `open()` found. */
export interface RestoreOutcome {
  /** Per file: what came back (`undefined`: no file, a fresh start). */
  readonly files: readonly {
    readonly file: string;
    readonly restored: readonly string[];
    readonly writtenAt: string;
  }[];
  /** Failures, already counted and logged. */
  readonly failures: readonly { readonly file: string; readonly reason: RestoreFailure; readonly message: string }[];
}

/** How long a collection waits for the state before its data goes out anyway (the write goes on, counted as `timeout`). */
const BARRIER_TIMEOUT_MS = 2000;

/** Work per event-loop turn of a write in pieces: a turn ends after the piece that crosses this many milliseconds (pieces are under a millisecond). */
const SLICE_MS = 0.5;

/** The state holds balances and PnL: its files are readable by their owner only, and so is a directory the SDK creates. */
export const STATE_FILE_MODE = 0o600;
export const STATE_DIRECTORY_MODE = 0o700;

/** A digest of a serialized state, kept instead of the serialization itself to tell an unchanged state. */
function digest(body: string): string {
  return createHash('sha256').update(body).digest('base64');
}

class StateFile {
  readonly spec: DurableFile;
  private readonly directory: string;
  private readonly fs: ExportFileSystem;
  private readonly onWritten: (error: unknown) => void;
  /** Digest of the state on disk, so an unchanged state is not written again. */
  private lastDigest: string | undefined;
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(spec: DurableFile, directory: string, fs: ExportFileSystem, onWritten: (error: unknown) => void) {
    this.spec = spec;
    this.directory = directory;
    this.fs = fs;
    this.onWritten = onWritten;
  }

  /** Resolves once a state at least as new as the call is on disk (or its write failed, counted). */
  persist(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.writing === undefined) return this.start();
    this.queued = this.writing.then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  /** Serializes now (synchronously, or in pieces across event-loop turns), then writes. */
  private start(): Promise<void> {
    if (this.spec.parts.some((part) => part.saveText !== undefined)) {
      this.writing = this.inPieces().finally(() => {
        this.writing = undefined;
      });
      return this.writing;
    }
    let body: string;
    try {
      const state: Record<string, unknown> = {};
      for (const part of this.spec.parts) state[part.name] = part.save();
      body = JSON.stringify(state);
    } catch (error) {
      this.onWritten(error);
      return Promise.resolve();
    }
    const hash = digest(body);
    if (hash === this.lastDigest) return Promise.resolve();
    const parts = encodeStateParts(body);
    const write = writeFileAtomic(this.fs, this.directory, this.spec.name, parts, STATE_FILE_MODE).then(
      () => {
        this.lastDigest = hash;
        this.onWritten(undefined);
      },
      (error: unknown) => this.onWritten(error),
    );
    this.writing = write.finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /**
   * The same body as the synchronous path, serialized a few pieces per event-loop turn: each
   * turn's pieces become one buffer as they come (digest, length and CRC-32 updated on the way,
   * never a joined copy of the body). The buffers are written once the last piece is in: whether
   * to write at all (an unchanged state is not) and the header (length, checksum) need the whole.
   */
  private async inPieces(): Promise<void> {
    const hash = createHash('sha256');
    const buffers: Buffer[] = [];
    let checksum = 0;
    let bytes = 0;
    let turn: string[] = [];
    const flush = () => {
      const buffer = Buffer.from(turn.join(''), 'utf8');
      turn = [];
      hash.update(buffer);
      checksum = crc32(buffer, checksum);
      bytes += buffer.length;
      buffers.push(buffer);
    };
    try {
      turn.push('{');
      let first = true;
      for (const part of this.spec.parts) {
        const key = `${first ? '' : ','}${JSON.stringify(part.name)}:`;
        if (part.saveText === undefined) {
          // As JSON.stringify of the whole does: a part without a state is left out.
          const text = JSON.stringify(part.save()) as string | undefined;
          if (text === undefined) continue;
          turn.push(key, text);
          first = false;
          continue;
        }
        turn.push(key);
        first = false;
        const pieces = part.saveText();
        try {
          let began = performance.now();
          for (let piece = pieces.next(); piece.done !== true; piece = pieces.next()) {
            turn.push(piece.value);
            if (performance.now() - began < SLICE_MS) continue;
            flush();
            await nextTurn();
            began = performance.now();
          }
        } finally {
          pieces.return?.();
        }
      }
      turn.push('}');
      flush();
    } catch (error) {
      this.onWritten(error);
      return;
    }
    const digestText = hash.digest('base64');
    if (digestText === this.lastDigest) return;
    try {
      await writeFileAtomic(
        this.fs,
        this.directory,
        this.spec.name,
        [encodeStateHeader(bytes, checksum), ...buffers, Buffer.from('\n')],
        STATE_FILE_MODE,
      );
    } catch (error) {
      this.onWritten(error);
      return;
    }
    this.lastDigest = digestText;
    this.onWritten(undefined);
  }

  /** Remembers the restored body, so an unchanged state is not written again. */
  restored(body: string): void {
    this.lastDigest = digest(body);
  }
}

/** The state directory: its lock, its files, the background writes. */
export class StateStore {
  readonly directory: string;
  private readonly files: StateFile[];
  private readonly health: ExportHealth;
  private readonly restoreFailures: SeriesTable<CounterSeries>;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;
  private lock: StateLock | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    directory: string,
    files: readonly DurableFile[],
    hooks: {
      health: ExportHealth;
      restoreFailures: SeriesTable<CounterSeries>;
      logger: Logger;
      flushIntervalMs: number;
      fs?: ExportFileSystem;
    },
  ) {
    this.directory = directory;
    this.health = hooks.health;
    this.restoreFailures = hooks.restoreFailures;
    this.logger = hooks.logger;
    this.flushIntervalMs = hooks.flushIntervalMs;
    const fs = hooks.fs ?? nodeFileSystem;
    this.files = files.map((spec) => new StateFile(spec, directory, fs, (error) => this.written(error)));
  }

  /**
   * Creates the directory, takes its lock and restores every file into the freshly built parts.
   * Synchronous, at init, before anything records. A file that cannot be used is moved aside
   * (`<name>.corrupt-<time>`), counted in `monitoring_state_restore_failures_total{reason}` and
   * logged; the parts it held start fresh. Throws MonitoringConfigError when another live
   * process holds the directory.
   */
  open(): RestoreOutcome {
    try {
      // Created owner-only; a directory that already exists keeps the mode its owner gave it.
      mkdirSync(this.directory, { recursive: true, mode: STATE_DIRECTORY_MODE });
      this.lock = StateLock.acquire(this.directory, Math.max(60_000, 3 * this.flushIntervalMs));
    } catch (error) {
      if (error instanceof MonitoringConfigError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new MonitoringConfigError(
        `option 'stateDirectory': cannot use ${this.directory} (${code}); give a writable directory, or stateDirectory: false`,
        'stateDirectory',
        { cause: error },
      );
    }
    const restoredFiles: { file: string; restored: string[]; writtenAt: string }[] = [];
    const failures: { file: string; reason: RestoreFailure; message: string }[] = [];
    const fail = (file: string, reason: RestoreFailure, message: string, moveAside: boolean) => {
      this.restoreFailures.get1(reason).value++;
      let aside = '';
      if (moveAside) {
        const target = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        try {
          renameSync(join(this.directory, file), join(this.directory, target));
          aside = `; moved aside to ${target}`;
        } catch {
          // Left in place: the next write replaces it.
        }
      }
      this.logger.warn(`state ${join(this.directory, file)} not restored (${reason}): ${message}${aside}`);
      failures.push({ file, reason, message });
    };
    for (const file of this.files) {
      const { name, parts } = file.spec;
      let data: Buffer;
      try {
        data = readFileSync(join(this.directory, name));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') fail(name, 'unreadable', `cannot read it (${code ?? String(error)})`, true);
        continue;
      }
      let body: unknown;
      let writtenAt = '';
      try {
        const decoded = decodeState(data);
        body = decoded.body;
        writtenAt = `${decoded.header.writtenAt} by pid ${decoded.header.pid}`;
      } catch (error) {
        if (error instanceof StateFileError) fail(name, error.reason, error.message, true);
        else fail(name, 'corrupt', String(error), true);
        continue;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        fail(name, 'invalid', 'the body is not an object', true);
        continue;
      }
      const restored: string[] = [];
      for (const part of parts) {
        const saved = (body as Record<string, unknown>)[part.name];
        if (saved === undefined) continue;
        try {
          const what = part.restore(saved);
          if (what !== undefined) restored.push(what);
        } catch (error) {
          const reason: RestoreFailure = error instanceof StateSettingsError ? 'options_changed' : 'invalid';
          const message =
            error instanceof StateMismatchError ? error.message : `restoring failed: ${(error as Error).message}`;
          fail(name, reason, `${part.name} starts fresh: ${message}`, false);
        }
      }
      restoredFiles.push({ file: name, restored, writtenAt });
      // An identical state need not be written again; a partly restored one will be.
      if (restored.length === parts.length) file.restored(JSON.stringify(body));
    }
    return { files: restoredFiles, failures };
  }

  /** Starts the background writes: every file on its own cadence, the lock touched on the store's. */
  start(): void {
    const main = this.files.filter((f) => (f.spec.flushIntervalMs ?? this.flushIntervalMs) === this.flushIntervalMs);
    this.every(this.flushIntervalMs, async () => {
      await Promise.all(main.map((f) => f.persist()));
      await this.lock?.touch();
    });
    for (const file of this.files)
      if (!main.includes(file)) this.every(file.spec.flushIntervalMs!, () => file.persist());
  }

  private every(ms: number, run: () => Promise<void>): void {
    const timer = setInterval(() => void run(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * Resolves once the state readers see is on disk, at least as new as this call; a failed write
   * is counted and resolves too (the export goes out: monitoring stays up when the disk is full),
   * and so does a write slower than two seconds (counted as `timeout`).
   */
  beforeExport(): Promise<void> {
    const writes = this.files.filter((f) => f.spec.beforeExport).map((f) => f.persist());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.health.failed('state', 'timeout');
        resolve();
      }, BARRIER_TIMEOUT_MS);
      timer.unref();
    });
    return Promise.race([Promise.all(writes).then(() => undefined), timeout]).finally(() => clearTimeout(timer));
  }

  /** Writes every file that changed. */
  async persistAll(): Promise<void> {
    await Promise.all(this.files.map((f) => f.persist()));
    await this.lock?.touch();
  }

  /** Final write of everything, then the lock is released. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    try {
      await this.persistAll();
    } finally {
      this.lock?.release();
    }
  }

  /** Releases the lock without writing (a start that failed before anything ran). */
  release(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.lock?.release();
  }

  private written(error: unknown): void {
    if (error === undefined) {
      this.health.succeeded('state');
      return;
    }
    const reason = failureReason(error);
    this.health.failed('state', reason);
    this.health.warnOnce(`state:${reason}`, () => {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return `writing the state to ${this.directory} failed (${reason}: ${code}); recording goes on, the write is retried at every export and every ${this.flushIntervalMs / 1000} s, further failures are counted in monitoring_export_failures_total{exporter="state"}`;
    });
  }
}
