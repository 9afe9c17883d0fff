import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

function exists(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `binary` is on PATH. Otherwise the test is skipped with a visible message locally,
 * and fails in CI (CI=true), where .ci/run must have installed it.
 */
export function requireBinary(t: TestContext, binary: string, hint = 'apt-get install prometheus'): boolean {
  if (exists(binary)) return true;
  if (process.env.CI === 'true') throw new Error(`${binary} is required in CI but is not installed (${hint})`);
  t.skip(`${binary} not installed (${hint}); this test runs in CI`);
  console.warn(`SKIPPED: ${t.name}: ${binary} not installed (${hint})`);
  return false;
}
