import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingPredictions } from '../../../src/analytics/models/pending.ts';
import { prng } from '../../helpers/random.ts';

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

test('peek returns the value without taking it, and nothing once past ttlMs (without dropping it)', () => {
  const p = new PendingPredictions<string>({ ttlMs: 10 });
  p.add('a', 'x', 0);
  assert.equal(p.peek('a', 10), 'x');
  assert.equal(p.peek('b', 10), undefined);
  assert.equal(p.size, 1);
  assert.equal(p.peek('a', 11), undefined);
  assert.equal(p.expired, 0);
  assert.equal(p.size, 1);
});

test('add, take, replace, evict and expire keep the order of a reference list (seeded random operations)', () => {
  const rand = prng(7);
  for (let round = 0; round < 50; round++) {
    const maxPending = 1 + Math.floor(rand() * 20);
    const ttlMs = 5 + Math.floor(rand() * 40);
    const drops: [number, string][] = [];
    const p = new PendingPredictions<number, number>({ maxPending, ttlMs }, (v, r) => drops.push([v, r]));
    // The reference: an array in insertion order, oldest first.
    const ref: { id: number; value: number; at: number }[] = [];
    const refDrops: [number, string][] = [];
    let now = 0;
    for (let step = 0; step < 400; step++) {
      now += Math.floor(rand() * 3);
      const id = Math.floor(rand() * 30);
      const op = rand();
      if (op < 0.55) {
        const at = ref.findIndex((e) => e.id === id);
        if (at >= 0) ref.splice(at, 1);
        else if (ref.length >= maxPending) refDrops.push([ref.shift()!.value, 'evicted']);
        ref.push({ id, value: step, at: now });
        p.add(id, step, now);
      } else if (op < 0.9) {
        const at = ref.findIndex((e) => e.id === id);
        let expected: number | undefined;
        if (at >= 0) {
          const [e] = ref.splice(at, 1);
          if (now - e!.at > ttlMs) refDrops.push([e!.value, 'expired']);
          else expected = e!.value;
        }
        assert.equal(p.take(id, now), expected);
      } else {
        while (ref.length > 0 && now - ref[0]!.at > ttlMs) refDrops.push([ref.shift()!.value, 'expired']);
        p.expire(now);
      }
      assert.equal(p.size, ref.length);
    }
    assert.deepEqual(drops, refDrops);
    const saved = p.saveState((v) => v);
    assert.deepEqual(
      saved.entries.map((e) => [e.id, e.value, e.at]),
      ref.map((e) => [e.id, e.value, e.at]),
    );
  }
});

test('eviction costs the same at any maxPending (measured, not asserted: see the diagnostics)', (t) => {
  for (const maxPending of [1_000, 10_000, 100_000]) {
    const p = new PendingPredictions<number, number>({ maxPending });
    let id = 0;
    for (let i = 0; i < maxPending + 200_000; i++) p.add(id++, i, 0);
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) p.add(id++, i, 0);
    const us = ((performance.now() - t0) * 1000) / n;
    t.diagnostic(`maxPending ${maxPending}: ${us.toFixed(3)} µs per add when full (each evicts the oldest)`);
    assert.equal(p.size, maxPending);
    assert.equal(p.evicted, id - maxPending);
  }
});
