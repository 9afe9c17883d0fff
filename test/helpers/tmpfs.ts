import { execFileSync } from 'node:child_process';

const mounted: string[] = [];

/** Mounts a tmpfs of `size` (e.g. `'64k'`) on `dir` when we are root and may; false otherwise (the caller says what it does instead). */
export function mountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    return false;
  }
  mounted.unshift(dir);
  return true;
}

/** Unmounts every tmpfs `mountTmpfs` mounted, newest first; call it in `after`. */
export function unmountAll(): void {
  for (const dir of mounted.splice(0)) execFileSync('umount', [dir]);
}
