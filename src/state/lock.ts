import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MonitoringConfigError } from '../core/errors.ts';

const LOCK_FILE = 'lock';

/** True when a process with this pid runs (EPERM: it runs under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  readonly pid: number;
  readonly host: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, host: String(parsed.host ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `<directory>/lock`, held by one process at a time so that two processes never write one state.
 * The lock file is created whole (written aside, then hard-linked into place), so nobody reads a
 * half-written one. A lock of this host whose process no longer runs (killed with SIGKILL) is taken
 * over, and so is one naming our own pid (a container restarted with the same pid). A lock of
 * another host (a shared volume) cannot be checked that way: it counts as held while its holder
 * keeps touching it, which every state write does, and as stale once untouched for `staleMs`.
 */
export class StateLock {
  readonly path: string;
  private held = false;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock, or throws a MonitoringConfigError naming the process that holds it. */
  static acquire(directory: string, staleMs: number): StateLock {
    const lock = new StateLock(join(directory, LOCK_FILE));
    const content = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    const aside = join(directory, `.${LOCK_FILE}.${process.pid}.tmp`);
    writeFileSync(aside, content, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          linkSync(aside, lock.path);
          lock.held = true;
          return lock;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = readHolder(lock.path);
        if (holder !== undefined && holder.pid !== process.pid && lock.live(holder, staleMs)) {
          const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
          throw new MonitoringConfigError(
            `option 'stateDirectory': ${directory} is in use by process ${holder.pid}${where} (lock ${lock.path}); give each bot its own state directory, or stop that process first`,
            'stateDirectory',
          );
        }
        try {
          unlinkSync(lock.path);
        } catch {
          // Someone else removed the stale lock first; the next attempt decides.
        }
      }
    } finally {
      try {
        unlinkSync(aside);
      } catch {
        // Nothing to clean.
      }
    }
    throw new MonitoringConfigError(
      `option 'stateDirectory': could not take the lock ${lock.path}: other processes keep taking it`,
      'stateDirectory',
    );
  }

  /** Marks the lock as still held (for holders on other hosts); best effort. */
  async touch(): Promise<void> {
    if (!this.held) return;
    const now = new Date();
    await utimes(this.path, now, now).catch(() => {});
  }

  /** Gives the lock up, if this process still holds it. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (readHolder(this.path)?.pid === process.pid) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private live(holder: Holder, staleMs: number): boolean {
    if (holder.host === hostname()) return alive(holder.pid);
    try {
      return Date.now() - statSync(this.path).mtimeMs < staleMs;
    } catch {
      return false;
    }
  }
}
