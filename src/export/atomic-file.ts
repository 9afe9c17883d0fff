import * as fsp from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The file-system calls the file exporter makes, `node:fs/promises` by default. Tests pass a
 * wrapper to inject the errors a root user cannot provoke (EACCES, EPERM).
 */
export type ExportFileSystem = Pick<typeof fsp, 'mkdir' | 'open' | 'rename' | 'unlink' | 'readdir' | 'truncate'>;

/** The real file system. */
export const nodeFileSystem: ExportFileSystem = fsp;

/** Names of our temporary files start with this, so `metrics-*` globs never match them. */
export const TEMP_PREFIX = '.';
/** Every temporary file we create ends with this; a crash can leave some behind (see `isTempFile`). */
export const TEMP_SUFFIX = '.tmp';

let tempSequence = 0;

/** True for a temporary file left by `writeFileAtomic` (or the writability probe) of any process. */
export function isTempFile(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}

/** A temporary name in the same directory as `name`, unique within this process. */
export function tempName(name: string): string {
  return `${TEMP_PREFIX}${name}.${process.pid}.${++tempSequence}${TEMP_SUFFIX}`;
}

/**
 * Replaces `directory/name` with `data` so that a reader sees the old file or the new one, never a
 * part: the data goes to a temporary file in the same directory, is fsync'd, renamed over the
 * target, and the directory is fsync'd so the rename survives a power cut. On failure the
 * temporary file is removed (best effort; a crash leaves it for the next start to remove). `data`
 * may be pieces, written in order without joining them; `mode` is the new file's (default 0666 less the umask).
 */
export async function writeFileAtomic(
  fs: ExportFileSystem,
  directory: string,
  name: string,
  data: string | Uint8Array | readonly Uint8Array[],
  mode?: number,
): Promise<void> {
  const temp = join(directory, tempName(name));
  try {
    const handle = await fs.open(temp, 'wx', mode);
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      // Pieces one after the other, never joined; a short write (a disk filling up) goes on until ENOSPC says why.
      else
        for (const part of data) {
          let offset = 0;
          while (offset < part.length) offset += (await handle.write(part, offset)).bytesWritten;
        }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, join(directory, name));
  } catch (error) {
    await fs.unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(fs, directory);
}

/** Makes renames and deletions in `directory` durable. Windows cannot open a directory for sync; it has no need to. */
export async function syncDirectory(fs: ExportFileSystem, directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Appends `line` (which must end in `\n` and hold no other newline) to `directory/name` in one
 * write, then fsyncs. `size` is the file's length when it is known to end with a complete line
 * (what the previous call returned); pass undefined after a restart or a failure, and the file is
 * first checked and any partial last line (a crash or a full disk mid-append) truncated away.
 * So a partial line is only ever the file's last, and only until the next append.
 * Returns the file's new length.
 */
export async function appendLine(
  fs: ExportFileSystem,
  directory: string,
  name: string,
  line: string,
  size: number | undefined,
): Promise<number> {
  const path = join(directory, name);
  const bytes = Buffer.from(line, 'utf8');
  const handle = await fs.open(path, 'a+');
  let start = size;
  try {
    if (start === undefined) {
      start = await completeLinesLength(handle);
      const { size: actual } = await handle.stat();
      if (actual !== start) await handle.truncate(start);
    }
    let written = 0;
    try {
      // O_APPEND writes at the end whatever the position; a short write (disk full) loops.
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } catch (error) {
      if (written > 0) await handle.truncate(start).catch(() => {});
      throw error;
    }
  } finally {
    await handle.close();
  }
  return start + bytes.length;
}

const TAIL_CHUNK = 64 * 1024;

/** The length of the file up to and including its last `\n` (0 when it has none). */
async function completeLinesLength(handle: fsp.FileHandle): Promise<number> {
  const { size } = await handle.stat();
  const buffer = Buffer.alloc(Math.min(TAIL_CHUNK, size));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buffer.length);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const newline = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline !== -1) return start + newline + 1;
    end = start;
  }
  return 0;
}
