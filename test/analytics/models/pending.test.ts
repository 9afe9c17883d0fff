import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingPredictions } from '../../../src/analytics/models/pending.ts';

test('take returns the value once, then undefined', () => {
  const p = new PendingPredictions<number>();
  p.add('a', 0.7, 0);
  assert.equal(p.size, 1);
  assert.equal(p.take('a', 5), 0.7);
  assert.equal(p.take('a', 5), undefined);
  assert.equal(p.take('never', 5), undefined);
  assert.equal(p.size, 0);
});

test('when full, the oldest is evicted and counted', () => {
  const p = new PendingPredictions<string>({ maxPending: 2 });
  p.add('1', 'x', 0);
  p.add('2', 'y', 1);
  p.add('3', 'z', 2);
  assert.equal(p.evicted, 1);
  assert.equal(p.size, 2);
  assert.equal(p.take('1', 3), undefined);
  assert.equal(p.take('2', 3), 'y');
  assert.equal(p.take('3', 3), 'z');
});

test('a duplicate id replaces the value, restarts its age, is counted, and evicts nothing', () => {
  const p = new PendingPredictions<string>({ maxPending: 2, ttlMs: 10 });
  p.add('a', 'old', 0);
  p.add('b', 'b', 1);
  p.add('a', 'new', 5);
  assert.equal(p.replaced, 1);
  assert.equal(p.evicted, 0);
  assert.equal(p.size, 2);
  p.add('c', 'c', 6); // full: evicts 'b', now the oldest since 'a' moved to the newest end
  assert.equal(p.take('b', 6), undefined);
  assert.equal(p.take('a', 14), 'new', 'age restarted at 5, so still alive at 14');
});

test('expire drops entries older than ttlMs and returns how many; take of an expired one counts it', () => {
  const p = new PendingPredictions<number>({ ttlMs: 100 });
  p.add('a', 1, 0);
  p.add('b', 2, 50);
  p.add('c', 3, 90);
  assert.equal(p.expire(100), 0, 'age exactly ttlMs is still alive');
  assert.equal(p.expire(151), 2);
  assert.equal(p.expired, 2);
  assert.equal(p.size, 1);
  assert.equal(p.take('c', 191), undefined);
  assert.equal(p.expired, 3);
});

test('no ttl: entries never expire; invalid options throw', () => {
  const p = new PendingPredictions<number>();
  p.add('a', 1, 0);
  assert.equal(p.expire(1e15), 0);
  assert.equal(p.take('a', 1e15), 1);
  assert.throws(() => new PendingPredictions({ maxPending: 0 }), /maxPending/);
  assert.throws(() => new PendingPredictions({ ttlMs: -1 }), /ttlMs/);
});

test('numeric ids work', () => {
  const p = new PendingPredictions<string, number>({ maxPending: 3 });
  for (let i = 0; i < 10; i++) p.add(i, `v${i}`, i);
  assert.equal(p.evicted, 7);
  assert.equal(p.take(9, 10), 'v9');
});
