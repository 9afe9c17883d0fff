import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetentionList } from '../../src/export/retention.ts';

const HOUR = 3_600_000;
/** Names `f<hour>` mean "written at that hour". */
const hourOf = (name: string): number | undefined => (/^f\d+$/.test(name) ? Number(name.slice(1)) * HOUR : undefined);

test('maxFiles keeps the newest files, ignoring names that are not ours', () => {
  const list = new RetentionList({ maxFiles: 2, maxAgeHours: undefined }, hourOf);
  list.reset(['f3', 'latest.json', 'f1', 'f2']);
  assert.deepEqual(list.names, ['f1', 'f2', 'f3']);
  assert.deepEqual(list.takeExpired(10 * HOUR), ['f1']);
  list.add('f4');
  assert.deepEqual(list.takeExpired(10 * HOUR), ['f2']);
  assert.deepEqual(list.names, ['f3', 'f4']);
});

test('maxAgeHours drops files older than the limit, and both limits combine', () => {
  const list = new RetentionList({ maxFiles: 3, maxAgeHours: 2 }, hourOf);
  list.reset(['f1', 'f5', 'f6', 'f7', 'f8']);
  // f1 and f5 by count; f6 is 3 h old at hour 9.
  assert.deepEqual(list.takeExpired(9 * HOUR), ['f1', 'f5', 'f6']);
  assert.deepEqual(list.names, ['f7', 'f8']);
});

test('a name already last is not listed twice; an out-of-order add is sorted in; restored names are retried first', () => {
  const list = new RetentionList({ maxFiles: 2, maxAgeHours: undefined }, hourOf);
  list.add('f5');
  list.add('f5');
  list.add('f2');
  list.add('f2');
  assert.deepEqual(list.names, ['f2', 'f5']);
  list.add('f6');
  const expired = list.takeExpired(0);
  assert.deepEqual(expired, ['f2']);
  list.restore(expired);
  assert.deepEqual(list.names, ['f2', 'f5', 'f6']);
});
