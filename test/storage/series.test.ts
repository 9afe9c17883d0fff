import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CounterSeries } from '../../src/storage/counter.ts';
import { OVERFLOW_ATTRIBUTES, SeriesTable } from '../../src/storage/series.ts';
import type { MetricDefinition } from '../../src/contract/metrics.ts';

const def = (labels: string[]): MetricDefinition => ({
  name: 'x_total',
  type: 'counter',
  group: 'self',
  description: 'x',
  unit: '',
  labels,
});

function table(labels: string[], max = 100, overflows: string[] = []) {
  return new SeriesTable(
    def(labels),
    max,
    (a) => new CounterSeries(a),
    (d) => overflows.push(d.name),
  );
}

test('the same label values find the same series; attributes follow label order', () => {
  const t = table(['symbol', 'direction', 'model_type']);
  const a = t.get3('BTC/USD', 'buy', 'm');
  assert.equal(t.get3('BTC/USD', 'buy', 'm'), a);
  assert.notEqual(t.get3('BTC/USD', 'sell', 'm'), a);
  assert.deepEqual(Object.entries(a.attributes), [
    ['symbol', 'BTC/USD'],
    ['direction', 'buy'],
    ['model_type', 'm'],
  ]);
  assert.ok(Object.isFrozen(a.attributes));
  assert.equal(t.size, 2);
});

test('label values that would collide when joined stay distinct', () => {
  const t = table(['a', 'b']);
  assert.notEqual(t.get2('x,y', 'z'), t.get2('x', 'y,z'));
  assert.equal(t.size, 2);
});

test('a metric without labels has one series and no overflow', () => {
  const t = table([]);
  assert.equal(t.get0(), t.get0());
  assert.deepEqual(t.get0().attributes, {});
  assert.equal(t.size, 1);
});

test('every arity from 1 to 4 looks up and finds', () => {
  const t1 = table(['a']);
  const t4 = table(['a', 'b', 'c', 'd']);
  t1.get1('x').value = 3;
  t4.get4('1', '2', '3', '4').value = 7;
  assert.equal(t1.find(['x'])?.value, 3);
  assert.equal(t4.find(['1', '2', '3', '4'])?.value, 7);
  assert.equal(t4.find(['1', '2', '3', 'nope']), undefined);
});

test('past maxSeries new label sets fold into one overflow series and each fold is reported', () => {
  const overflows: string[] = [];
  const t = table(['symbol'], 2, overflows);
  const a = t.get1('A');
  t.get1('B');
  const c = t.get1('C');
  const d = t.get1('D');
  assert.equal(c, d);
  assert.equal(c, t.overflow);
  assert.deepEqual(c.attributes, OVERFLOW_ATTRIBUTES);
  assert.equal(t.get1('A'), a, 'existing series still resolve after the cap');
  assert.equal(t.size, 2);
  assert.deepEqual(overflows, ['x_total', 'x_total']);
});

test('a wrong number of label values is a programming error', () => {
  assert.throws(() => table(['a', 'b']).get1('x'), /takes 2 label values, got 1/);
});
