import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_OPTIONS, INVALID_REASONS } from '../src/index.ts';
import { metricsTable } from '../scripts/metrics-table.ts';

const root = path.join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const readme = read('README.md');
const pages = readdirSync(path.join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);

/** GitHub's anchor of a heading: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a Markdown file's headings, outside code blocks. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (heading) out.add(slug(heading[1]!));
  }
  return out;
}

test('the README opens with what this is, the Node version and the two commands, and fits on a screen or two', () => {
  const head = readme.split('\n').slice(0, 10).join('\n');
  assert.match(head, /npm install && npm run demo/);
  assert.match(head, /npm install && npm test/);
  assert.match(head, /Node\.js >= 22\.15/);
  assert.ok(
    readme.split('\n').length <= 100,
    `README.md has ${readme.split('\n').length} lines: move reference to docs/`,
  );
});

test('the README links every page of docs/', () => {
  for (const page of pages) assert.ok(readme.includes(`](${page})`), `README.md does not link ${page}`);
});

test('every relative link of the README and docs/ points at a file that exists, and its anchor at a heading', () => {
  for (const file of ['README.md', ...pages]) {
    const text = read(file);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [where, anchor] = target!.split('#') as [string, string | undefined];
      const resolved = where === '' ? file : path.join(path.dirname(file), where);
      assert.ok(existsSync(path.join(root, resolved)), `${file}: ${target} does not exist`);
      if (anchor !== undefined && resolved.endsWith('.md'))
        assert.ok(anchors(read(resolved)).has(anchor), `${file}: ${target} has no heading #${anchor}`);
    }
  }
});

test('the metric table of docs/metrics.md is the contract in src/contract/metrics.ts', () => {
  const table = /<!-- metrics-table:start -->\n([\s\S]*?)\n<!-- metrics-table:end -->/.exec(
    read('docs/metrics.md'),
  )?.[1];
  assert.equal(table, metricsTable(), 'regenerate with: node scripts/metrics-table.ts --write');
});

test('docs/configuration.md documents every option and every invalid-input reason', () => {
  const configuration = read('docs/configuration.md');
  for (const option of Object.keys(DEFAULT_OPTIONS))
    assert.match(configuration, new RegExp(`\\| \`${option}\` \\|`), option);
  for (const reason of INVALID_REASONS) assert.match(configuration, new RegExp(`\\| \`${reason}\` \\|`), reason);
});
