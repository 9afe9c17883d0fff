import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { join } from 'node:path';
import { MonitoringConfigError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import {
  appendLine,
  isTempFile,
  nodeFileSystem,
  TEMP_PREFIX,
  TEMP_SUFFIX,
  writeFileAtomic,
  type ExportFileSystem,
} from './atomic-file.ts';
import type { FileExportFailureReason } from './file-failures.ts';
import { RetentionList, type RetainedFile } from './retention.ts';
import { toSnapshot, type Snapshot } from './snapshot.ts';

export { FILE_EXPORT_FAILURE_REASONS, type FileExportFailureReason } from './file-failures.ts';

/**
 * `snapshot`: one `metrics-<UTC time>.json` per export (see `Snapshot`).
 * `otlp`: one OTLP/JSON ExportMetricsServiceRequest per line of `metrics-<UTC date>.jsonl`, the
 * input of the OpenTelemetry Collector's `otlpjsonfile` receiver.
 * Both formats also keep `latest.json`, the newest snapshot.
 */
export type FileExportFormat = 'snapshot' | 'otlp';

/** Where and how the file exporter writes, and what it keeps. */
export interface FileExporterOptions {
  /** The directory, created if missing (and again if it vanishes). */
  readonly directory: string;
  /** See {@link FileExportFormat}. */
  readonly format: FileExportFormat;
  /** Keep at most this many export files (of the current format), deleting the oldest. */
  readonly maxFiles: number | undefined;
  /** Delete export files whose data is older than this. For `otlp`, a day's file goes once its last possible line is. */
  readonly maxAgeHours: number | undefined;
  /**
   * Keep the export files' total size at most this, deleting the oldest; the file being written is never
   * deleted. For `otlp`, a day's file is cut into parts of at most a sixteenth of this, so that the oldest
   * parts of a day can go when one day alone is over.
   */
  readonly maxBytes?: number | undefined;
}

/** What the file exporter tells the service. */
export interface FileExporterHooks {
  readonly logger: Logger;
  /** Called at every failed write or deletion, for counting; the first failure of each reason is also logged. */
  onFailure(reason: FileExportFailureReason, error: unknown): void;
  /** Called after each successful periodic export (readiness resets the exporter's failing-since time). */
  onSuccess?(): void;
}

/** Test seams: the file system (to inject errors root cannot provoke) and the clock. */
export interface FileExporterInternals {
  readonly fs?: ExportFileSystem;
  readonly now?: () => Date;
}

/** The name of the file that always holds the newest complete snapshot, in both formats. */
export const LATEST_FILE = 'latest.json';

const SNAPSHOT_NAME = /^metrics-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z(?:_\d+)?\.json$/;
const OTLP_NAME = /^metrics-(\d{4})-(\d{2})-(\d{2})(?:_(\d{3,}))?\.jsonl$/;
/** A day's OTLP file is cut into this many parts of the byte budget, at most. */
const PARTS_PER_BUDGET = 16;
const decoder = new TextDecoder();

/** Maps a Node.js file-system error to its failure reason. */
export function failureReason(error: unknown): FileExportFailureReason {
  switch (errorCode(error)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no_space';
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    case 'EROFS':
      return 'read_only';
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EEXIST': // mkdir of the directory: the path is now a file
      return 'missing_directory';
    default:
      return 'io_error';
  }
}

/**
 * Writes collected metrics to files in one directory, for a `PeriodicExportingMetricReader`.
 *
 * Snapshots are written atomically (temporary dot-file, fsync, rename, fsync of the directory):
 * a reader, or a process killed mid-write, never sees a partial `metrics-*.json` or `latest.json`.
 * Temporary files a crash leaves are removed at the next start. OTLP lines are appended in one
 * write and fsync'd; a partial last line (crash, full disk) is truncated before the next append,
 * by this process or the next, so every line but possibly the last is one whole request.
 *
 * Writes run one at a time, in call order. A failed write is retried at the next export: nothing
 * is queued, the next export carries the cumulative totals. Before each write, the files the limits
 * (count, age, bytes) then leave out are deleted, oldest first, so the byte budget holds on disk at
 * all times and a full disk gets room first. One directory belongs to one process.
 */
export class FileMetricExporter implements PushMetricExporter {
  private readonly directory: string;
  private readonly format: FileExportFormat;
  private readonly logger: Logger;
  private readonly onFailure: FileExporterHooks['onFailure'];
  private readonly onSuccess: FileExporterHooks['onSuccess'];
  private readonly fs: ExportFileSystem;
  private readonly now: () => Date;
  private readonly retention: RetentionList;
  private readonly loggedReasons = new Set<FileExportFailureReason>();
  private queue: Promise<unknown> = Promise.resolve();
  private directoryState: 'unlisted' | 'listed' | 'missing' = 'unlisted';
  private lastStamp = '';
  private sameStampCount = 0;
  private appendName = '';
  private appendSize: number | undefined;
  /** OTLP format: the UTC day being written and its current part (0: `metrics-<day>.jsonl`, n: `metrics-<day>_<nnn>.jsonl`). */
  private otlpDay = '';
  private otlpPart = 0;
  private readonly partBytes: number | undefined;
  private readonly measureSizes: boolean;
  private isShutdown = false;

  constructor(options: FileExporterOptions, hooks: FileExporterHooks, internals: FileExporterInternals = {}) {
    this.directory = options.directory;
    this.format = options.format;
    this.logger = hooks.logger;
    this.onFailure = hooks.onFailure;
    this.onSuccess = hooks.onSuccess;
    this.fs = internals.fs ?? nodeFileSystem;
    this.now = internals.now ?? (() => new Date());
    this.retention = new RetentionList(
      { maxFiles: options.maxFiles, maxAgeHours: options.maxAgeHours, maxBytes: options.maxBytes },
      options.format === 'snapshot' ? snapshotTime : otlpFileEnd,
    );
    this.measureSizes = options.maxBytes !== undefined;
    this.partBytes =
      options.maxBytes === undefined || options.format !== 'otlp'
        ? undefined
        : Math.max(1, Math.floor(options.maxBytes / PARTS_PER_BUDGET));
  }

  selectAggregationTemporality(_instrumentType: InstrumentType): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  /** PushMetricExporter entry point: never throws; a failure is reported through the callback and `onFailure`. */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.write(metrics).then(
      () => {
        try {
          this.onSuccess?.();
        } catch {
          // As for onFailure: a hook never breaks an export.
        }
        this.report(resultCallback, { code: ExportResultCode.SUCCESS });
      },
      (error: unknown) =>
        this.report(resultCallback, {
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
  }

  /**
   * Writes `metrics` now (after any write in progress) and resolves with the snapshot written
   * (also in `otlp` format, where it is `latest.json`). Rejects with the file-system error on
   * failure, after calling `onFailure`.
   */
  write(metrics: ResourceMetrics): Promise<Snapshot> {
    if (this.isShutdown) return Promise.reject(new Error('FileMetricExporter is shut down'));
    const run = this.queue.then(() => this.writeNow(metrics));
    this.queue = run.then(noop, noop);
    return run;
  }

  /** Resolves when the writes started so far have finished. */
  async forceFlush(): Promise<void> {
    await this.queue;
  }

  /** Refuses further writes and waits for those in progress. */
  async shutdown(): Promise<void> {
    this.isShutdown = true;
    await this.queue;
  }

  private async writeNow(metrics: ResourceMetrics): Promise<Snapshot> {
    const at = this.now();
    let snapshot: Snapshot;
    try {
      snapshot = toSnapshot(metrics, at);
      const body = `${JSON.stringify(snapshot)}\n`;
      await this.ensureDirectory();
      if (this.format === 'snapshot') {
        const name = this.snapshotName(at);
        await this.makeRoom(name, Buffer.byteLength(body), at, () =>
          writeFileAtomic(this.fs, this.directory, name, body),
        );
      } else {
        await this.appendRequest(at, metrics);
      }
      await writeFileAtomic(this.fs, this.directory, LATEST_FILE, body);
    } catch (error) {
      this.fail(error);
      throw error;
    }
    return snapshot;
  }

  /**
   * Lists `name` at `bytes` and deletes what the retention limits then leave out, before `write` runs:
   * the directory never holds more than the byte budget (unless the newest file alone does), and a full
   * disk gets room first. If `write` fails, `name` is listed as it was.
   */
  private async makeRoom(name: string, bytes: number, at: Date, write: () => Promise<void>): Promise<void> {
    const before = this.retention.bytesOf(name);
    this.retention.add(name, bytes);
    await this.applyRetention(at.getTime());
    try {
      await write();
    } catch (error) {
      if (before === undefined) this.retention.forget(name);
      else this.retention.add(name, before);
      throw error;
    }
  }

  /** Lists the directory once (removing temporary files a crash left), or recreates it after it vanished. */
  private async ensureDirectory(): Promise<void> {
    if (this.directoryState === 'listed') return;
    const missing = this.directoryState === 'missing';
    const created = await this.fs.mkdir(this.directory, { recursive: true });
    const names = await this.fs.readdir(this.directory);
    for (const name of names) {
      if (isTempFile(name)) await this.fs.unlink(join(this.directory, name)).catch(noop);
    }
    const files: { name: string; bytes: number }[] = [];
    for (const name of names) {
      if (!this.retention.accepts(name)) continue;
      const bytes = this.measureSizes ? await this.sizeOf(name) : 0;
      if (bytes !== undefined) files.push({ name, bytes });
    }
    this.retention.reset(files);
    this.otlpDay = '';
    this.appendName = '';
    this.directoryState = 'listed';
    if (missing && created !== undefined)
      this.logger.info(`metrics export directory ${this.directory} had disappeared; recreated it`);
  }

  /** The size of an export file found at start; 0 when it cannot be read, undefined when it is gone. */
  private async sizeOf(name: string): Promise<number | undefined> {
    try {
      const handle = await this.fs.open(join(this.directory, name), 'r');
      try {
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    } catch (error) {
      return errorCode(error) === 'ENOENT' ? undefined : 0;
    }
  }

  private async appendRequest(at: Date, metrics: ResourceMetrics): Promise<void> {
    // Loaded by the first OTLP-format export: the default snapshot format never needs it (29 modules, ~3 MiB).
    const { JsonMetricsSerializer } = await import('@opentelemetry/otlp-transformer');
    const bytes = JsonMetricsSerializer.serializeRequest(metrics);
    if (bytes === undefined) throw new Error('the OTLP JSON serializer returned nothing');
    // JSON.stringify escapes newlines inside strings: the request is one line.
    const line = `${decoder.decode(bytes)}\n`;
    const lineBytes = Buffer.byteLength(line);
    const name = this.otlpName(at.toISOString().slice(0, 10), lineBytes);
    if (name !== this.appendName) {
      this.appendName = name;
      this.appendSize = undefined;
    }
    const size = this.appendSize ?? this.retention.bytesOf(name) ?? 0;
    await this.makeRoom(name, size + lineBytes, at, async () => {
      try {
        this.appendSize = await appendLine(this.fs, this.directory, name, line, this.appendSize);
      } catch (error) {
        this.appendSize = undefined;
        throw error;
      }
    });
    // The file's actual length (a torn line found at start was cut off first).
    this.retention.add(name, this.appendSize!);
  }

  /** The file the next `lineBytes` of `day` go to: the day's current part, or the next one when it would outgrow `partBytes`. */
  private otlpName(day: string, lineBytes: number): string {
    if (day !== this.otlpDay) {
      this.otlpDay = day;
      this.otlpPart = 0;
      for (const name of this.retention.names) {
        const m = OTLP_NAME.exec(name);
        if (m !== null && `${m[1]}-${m[2]}-${m[3]}` === day) this.otlpPart = Math.max(this.otlpPart, Number(m[4] ?? 0));
      }
    }
    const limit = this.partBytes;
    if (limit !== undefined) {
      const size = this.retention.bytesOf(otlpPartName(day, this.otlpPart)) ?? 0;
      if (size > 0 && size + lineBytes > limit) this.otlpPart++;
    }
    return otlpPartName(day, this.otlpPart);
  }

  /** `metrics-<UTC time>.json`; a second export in the same millisecond gets `_001` (and `_` sorts after `.`). */
  private snapshotName(at: Date): string {
    const stamp = at.toISOString().replace(/[-:]/g, '');
    if (stamp === this.lastStamp) {
      this.sameStampCount++;
      return `metrics-${stamp}_${String(this.sameStampCount).padStart(3, '0')}.json`;
    }
    this.lastStamp = stamp;
    this.sameStampCount = 0;
    return `metrics-${stamp}.json`;
  }

  /** Deletes expired files. A failure is reported but does not fail the export, whose data is written; the next export retries. */
  private async applyRetention(now: number): Promise<void> {
    const kept: RetainedFile[] = [];
    for (const file of this.retention.takeExpired(now)) {
      try {
        await this.fs.unlink(join(this.directory, file.name));
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        kept.push(file);
        this.fail(error);
      }
    }
    this.retention.restore(kept);
  }

  private fail(error: unknown): void {
    const reason = failureReason(error);
    if (reason === 'missing_directory') this.directoryState = 'missing';
    if (!this.loggedReasons.has(reason)) {
      this.loggedReasons.add(reason);
      const detail = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `writing metrics to ${this.directory} failed: ${errorCode(error) ?? 'error'} (${reason}): ${detail}; ` +
          `retrying at each export, further ${reason} failures are counted but not logged`,
      );
    }
    try {
      this.onFailure(reason, error);
    } catch {
      // A counting hook must not turn an export failure into an exception.
    }
  }

  private report(resultCallback: (result: ExportResult) => void, result: ExportResult): void {
    try {
      resultCallback(result);
    } catch (error) {
      this.logger.error(`the metric reader's export callback threw: ${String(error)}`);
    }
  }
}

/**
 * Creates `directory` (and its parents) and checks that a file can be written and removed in it.
 * @throws MonitoringConfigError (option `exportDirectory`) naming the path and the error code
 */
export async function prepareExportDirectory(directory: string, fs: ExportFileSystem = nodeFileSystem): Promise<void> {
  const probe = join(directory, `${TEMP_PREFIX}write-probe.${process.pid}${TEMP_SUFFIX}`);
  try {
    await fs.mkdir(directory, { recursive: true });
    const handle = await fs.open(probe, 'w');
    await handle.close();
    await fs.unlink(probe);
  } catch (error) {
    const code = errorCode(error) ?? 'error';
    const cause =
      code === 'EEXIST'
        ? 'the path exists and is not a directory'
        : error instanceof Error
          ? error.message
          : String(error);
    throw new MonitoringConfigError(
      `exportDirectory "${directory}" is not a writable directory: ${code} (${cause})`,
      'exportDirectory',
      { cause: error },
    );
  }
}

function snapshotTime(name: string): number | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

/** `metrics-<day>.jsonl` for part 0, `metrics-<day>_<nnn>.jsonl` after (`_` sorts after `.`). */
function otlpPartName(day: string, part: number): string {
  return part === 0 ? `metrics-${day}.jsonl` : `metrics-${day}_${String(part).padStart(3, '0')}.jsonl`;
}

/** A day's file, each of its parts, holds data up to the end of that UTC day. */
function otlpFileEnd(name: string): number | undefined {
  const m = OTLP_NAME.exec(name);
  if (m === null) return undefined;
  const [, y, mo, d] = m.map(Number);
  return Date.UTC(y!, mo! - 1, d! + 1);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function noop(): void {}
