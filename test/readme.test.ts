import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_OPTIONS, INVALID_REASONS } from '../src/index.ts';
import { metricsTable } from '../scripts/metrics-table.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README opens with what this is and the two commands', () => {
  const head = readme.split('\n').slice(0, 10).join('\n');
  assert.match(head, /npm install && npm run demo/);
  assert.match(head, /npm install && npm test/);
});

test('the README metric table is the contract in src/contract/metrics.ts', () => {
  const table = /<!-- metrics-table:start -->\n([\s\S]*?)\n<!-- metrics-table:end -->/.exec(readme)?.[1];
  assert.equal(table, metricsTable(), 'regenerate with: node scripts/metrics-table.ts');
});

test('the README documents every option and every invalid-input reason', () => {
  for (const option of Object.keys(DEFAULT_OPTIONS)) assert.match(readme, new RegExp(`\\| \`${option}\` \\|`), option);
  for (const reason of INVALID_REASONS) assert.match(readme, new RegExp(`\\| \`${reason}\` \\|`), reason);
});
