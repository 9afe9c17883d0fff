import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetentionList, type RetentionPolicy } from '../../src/export/retention.ts';

const HOUR = 3_600_000;
/** Names `f<hour>` (and `f<hour>_<n>`) mean "written at that hour". */
const hourOf = (name: string): number | undefined =>
  /^f\d+(?:_\d+)?$/.test(name) ? Number(name.slice(1).split('_')[0]) * HOUR : undefined;
const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({
  maxFiles: undefined,
  maxAgeHours: undefined,
  maxBytes: undefined,
  ...p,
});
const files = (...names: string[]) => names.map((name) => ({ name, bytes: 10 }));
const names = (taken: readonly { name: string }[]) => taken.map((f) => f.name);

test('maxFiles keeps the newest files, ignoring names that are not ours', () => {
  const list = new RetentionList(policy({ maxFiles: 2 }), hourOf);
  list.reset(files('f3', 'latest.json', 'f1', 'f2'));
  assert.deepEqual(list.names, ['f1', 'f2', 'f3']);
  assert.deepEqual(names(list.takeExpired(10 * HOUR)), ['f1']);
  list.add('f4', 10);
  assert.deepEqual(names(list.takeExpired(10 * HOUR)), ['f2']);
  assert.deepEqual(list.names, ['f3', 'f4']);
});

test('maxAgeHours drops files older than the limit, and both limits combine', () => {
  const list = new RetentionList(policy({ maxFiles: 3, maxAgeHours: 2 }), hourOf);
  list.reset(files('f1', 'f5', 'f6', 'f7', 'f8'));
  // f1 and f5 by count; f6 is 3 h old at hour 9.
  assert.deepEqual(names(list.takeExpired(9 * HOUR)), ['f1', 'f5', 'f6']);
  assert.deepEqual(list.names, ['f7', 'f8']);
});

test('a name already last is not listed twice; an out-of-order add is sorted in; restored files are retried first', () => {
  const list = new RetentionList(policy({ maxFiles: 2 }), hourOf);
  list.add('f5', 1);
  list.add('f5', 2);
  list.add('f2', 1);
  list.add('f2', 3);
  assert.deepEqual(list.names, ['f2', 'f5']);
  assert.equal(list.totalBytes, 5, 'a file added again counts with its new size');
  list.add('f6', 1);
  const expired = list.takeExpired(0);
  assert.deepEqual(names(expired), ['f2']);
  assert.equal(list.totalBytes, 3);
  list.restore(expired);
  assert.deepEqual(list.names, ['f2', 'f5', 'f6']);
  assert.equal(list.totalBytes, 6);
});

test('maxBytes drops the oldest files until the total fits, never the newest, after count and age', () => {
  const list = new RetentionList(policy({ maxBytes: 100 }), hourOf);
  list.reset([
    { name: 'f1', bytes: 40 },
    { name: 'f2', bytes: 40 },
    { name: 'f3', bytes: 40 },
  ]);
  assert.deepEqual(names(list.takeExpired(0)), ['f1'], '120 bytes: the oldest goes');
  assert.equal(list.totalBytes, 80);
  list.add('f4', 500);
  assert.deepEqual(names(list.takeExpired(0)), ['f2', 'f3'], 'the newest alone is over: everything else goes');
  assert.deepEqual(list.names, ['f4'], 'but the newest stays');
  list.add('f4', 900);
  assert.deepEqual(names(list.takeExpired(0)), []);
  assert.equal(list.totalBytes, 900);
});

test('files of the same time sort by number of parts, not as text: x, x_001, ..., x_999, x_1000', () => {
  const list = new RetentionList(policy({ maxFiles: 2 }), hourOf);
  list.reset(files('f1_1000', 'f1_999', 'f1', 'f1_001'));
  assert.deepEqual(list.names, ['f1', 'f1_001', 'f1_999', 'f1_1000']);
  assert.deepEqual(names(list.takeExpired(0)), ['f1', 'f1_001']);
});
