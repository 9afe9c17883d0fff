// Checks a snapshot directory the demo left: every metrics-*.json parses and is complete, latest.json
// is the newest, no temporary file is left. Usage: node scripts/check-snapshots.ts <dir> [min files]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, minArg] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: node scripts/check-snapshots.ts <dir> [min files]');
  process.exit(2);
}
const problems: string[] = [];
const names = readdirSync(dir);
const files = names.filter((f) => /^metrics-.*\.json$/.test(f)).sort();
if (files.length < Number(minArg ?? 1))
  problems.push(`${files.length} snapshot file(s), expected at least ${minArg ?? 1}`);
const leftovers = names.filter((f) => f.startsWith('.'));
if (leftovers.length > 0) problems.push(`temporary files left: ${leftovers.join(', ')}`);
let newest: unknown;
for (const f of files) {
  try {
    const snapshot = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      timestamp?: string;
      resource?: object;
      metrics?: { name: string; points: unknown[] }[];
    };
    if (
      typeof snapshot.timestamp !== 'string' ||
      typeof snapshot.resource !== 'object' ||
      !Array.isArray(snapshot.metrics)
    )
      problems.push(`${f}: not a snapshot`);
    else if (!snapshot.metrics.some((m) => m.name === 'trading_signals_total' && m.points.length > 0))
      problems.push(`${f}: no trading_signals_total`);
    newest = snapshot;
  } catch (error) {
    problems.push(`${f}: ${(error as Error).message}`);
  }
}
try {
  const latest: unknown = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
  if (JSON.stringify(latest) !== JSON.stringify(newest)) problems.push('latest.json is not the newest snapshot');
} catch (error) {
  problems.push(`latest.json: ${(error as Error).message}`);
}
if (problems.length > 0) {
  console.error(`snapshot check of ${dir} failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`snapshot check: ${files.length} complete snapshot file(s) in ${dir}, latest.json is the newest`);
