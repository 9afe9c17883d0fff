import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { appendLine, isTempFile, nodeFileSystem, writeFileAtomic } from '../../src/export/atomic-file.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-file-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('writeFileAtomic replaces the file and leaves no temporary file', async () => {
  const dir = await tempDir();
  await writeFileAtomic(nodeFileSystem, dir, 'a.json', '{"v":1}');
  await writeFileAtomic(nodeFileSystem, dir, 'a.json', '{"v":2}');
  assert.equal(await readFile(join(dir, 'a.json'), 'utf8'), '{"v":2}');
  assert.deepEqual(await readdir(dir), ['a.json']);
});

test('a failed rename removes the temporary file and keeps the old content (rename failure injected)', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'a.json'), 'old');
  const fs = {
    ...nodeFileSystem,
    rename: async () => {
      throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
    },
  };
  await assert.rejects(writeFileAtomic(fs, dir, 'a.json', 'new'), { code: 'EIO' });
  assert.deepEqual(await readdir(dir), ['a.json']);
  assert.equal(await readFile(join(dir, 'a.json'), 'utf8'), 'old');
});

test('temporary names are dot-files that metrics-* globs do not match', () => {
  assert.equal(isTempFile('.metrics-20261126T191643.123Z.json.42.1.tmp'), true);
  assert.equal(isTempFile('metrics-20261126T191643.123Z.json'), false);
});

test('appendLine with an unknown size truncates a partial last line first, even one longer than the read chunk', async () => {
  const dir = await tempDir();
  const partial = `{"torn":"${'x'.repeat(200_000)}`;
  await writeFile(join(dir, 'm.jsonl'), `{"n":1}\n${partial}`);
  const size = await appendLine(nodeFileSystem, dir, 'm.jsonl', '{"n":2}\n', undefined);
  assert.equal(await readFile(join(dir, 'm.jsonl'), 'utf8'), '{"n":1}\n{"n":2}\n');
  assert.equal(size, 16);
  assert.equal(await appendLine(nodeFileSystem, dir, 'm.jsonl', '{"n":3}\n', size), 24);
  assert.equal(await readFile(join(dir, 'm.jsonl'), 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n');
});

test('appendLine empties a file that holds only a partial line, and creates a missing one', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'torn.jsonl'), '{"torn":');
  await appendLine(nodeFileSystem, dir, 'torn.jsonl', '{"n":1}\n', undefined);
  assert.equal(await readFile(join(dir, 'torn.jsonl'), 'utf8'), '{"n":1}\n');
  await appendLine(nodeFileSystem, dir, 'new.jsonl', '{"n":1}\n', undefined);
  assert.equal(await readFile(join(dir, 'new.jsonl'), 'utf8'), '{"n":1}\n');
});
