// observePgPool with stand-in pools (a real pg.Pool against PostgreSQL is in test/e2e/pg.test.ts):
// what it holds is bounded, a throwing getter never fails a scrape, a fold is counted once.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const counts = (total: number, idle = 0, waiting = 0) => ({
  totalCount: total,
  idleCount: idle,
  waitingCount: waiting,
});

function invalid(exp: Exposition, method: string, reason: string): number {
  return find(exp, 'monitoring_invalid_inputs_total', { method, reason }).reduce((n, s) => n + s.value, 0);
}

function overflow(exp: Exposition, metric: string): number {
  return find(exp, 'monitoring_series_overflow_total', { metric }).reduce((n, s) => n + s.value, 0);
}

/** A pool whose counts throw once `broken` is set (observePgPool reads them once when it starts). */
function breakable(): { pool: ReturnType<typeof counts>; broken: boolean } {
  const state = { broken: false, pool: counts(0) };
  state.pool = {
    get totalCount(): number {
      if (state.broken) throw new Error('pool closed');
      return 4;
    },
    idleCount: 1,
    waitingCount: 0,
  };
  return state;
}

for (const strict of [false, true]) {
  test(`a pool getter that throws never fails a scrape${strict ? ' in strict mode' : ''}: counted as internal_error, the other pools published`, async () => {
    const { monitoring, logger } = await start({ strict });
    const bad = breakable();
    monitoring.observePgPool(bad.pool, { name: 'bad' });
    // Held here: the observer keeps a pool only weakly, and a collected one stops being published.
    const good = counts(3, 1, 2);
    monitoring.observePgPool(good, { name: 'good' });
    let exp = await scrape(monitoring);
    assert.equal(value(exp, 'db_connection_pool_size', { pool: 'bad' }), 4);
    bad.broken = true;
    exp = await scrape(monitoring);
    exp = await scrape(monitoring);
    assert.equal(find(exp, 'db_connection_pool_size', { pool: 'bad' }).length, 0, 'not published rather than stale');
    assert.equal(value(exp, 'db_connection_pool_size', { pool: 'good' }), 3);
    assert.equal(value(exp, 'db_connections_active', { pool: 'good' }), 2);
    assert.equal(value(exp, 'db_connections_waiting', { pool: 'good' }), 2);
    // The failing read of the second scrape is counted by the third.
    assert.ok(invalid(exp, 'observePgPool', 'internal_error') >= 1);
    assert.equal(logger.lines.filter((l) => l.level === 'error' && l.message.includes('pool closed')).length, 1);
    assert.equal(typeof (await monitoring.metricsText()), 'string');
    assert.equal(good.totalCount, 3);
  });
}

test('at most maxSeriesPerMetric pools are observed at once: one more is dropped as too_many (warned once); a stopped one frees its place', async () => {
  const { monitoring, logger } = await start({ maxSeriesPerMetric: 3 });
  const stops = ['a', 'b', 'c'].map((name) => monitoring.observePgPool(counts(1), { name }));
  monitoring.observePgPool(counts(1), { name: 'd' });
  monitoring.observePgPool(counts(1), { name: 'e' });
  // Observing a name again replaces its pool: no new place taken.
  // Pools are held here: the observer keeps them only weakly, and a collected one stops being published.
  const a = counts(7);
  monitoring.observePgPool(a, { name: 'a' });
  let exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'observePgPool', 'too_many'), 2);
  assert.equal(logger.warnings.filter((w) => w.startsWith('observePgPool')).length, 1);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'a' }), 7);
  assert.equal(find(exp, 'db_connection_pool_size', { pool: 'd' }).length, 0);
  stops[0]!(); // a no-op: 'a' is now the second pool observed under that name
  stops[1]!();
  const b = counts(2);
  monitoring.observePgPool(b, { name: 'b' });
  exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'observePgPool', 'too_many'), 2);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'a' }), 7);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'b' }), 2);
  assert.deepEqual([a.totalCount, b.totalCount], [7, 2]);
});

test('a pool folded past the series cap is counted once in monitoring_series_overflow_total, not at every scrape', async () => {
  const { monitoring } = await start({ maxSeriesPerMetric: 2 });
  monitoring.updateDbPool({ pool: 'x', size: 1, active: 1, waiting: 0 });
  monitoring.updateDbPool({ pool: 'y', size: 1, active: 1, waiting: 0 });
  // Held here: the observer keeps a pool only weakly.
  const z = counts(5);
  monitoring.observePgPool(z, { name: 'z' });
  let exp = await scrape(monitoring);
  for (let i = 0; i < 4; i++) exp = await scrape(monitoring);
  for (const metric of ['db_connection_pool_size', 'db_connections_active', 'db_connections_waiting'])
    assert.equal(overflow(exp, metric), 1, metric);
  assert.equal(value(exp, 'db_connection_pool_size', { otel_metric_overflow: 'true' }), 5);
  assert.equal(z.totalCount, 5);
});

test('a pool the bot dropped is forgotten once garbage-collected: not published, its place freed', async () => {
  const { monitoring } = await start({ maxSeriesPerMetric: 1 });
  (() => monitoring.observePgPool(counts(9), { name: 'dropped' }))();
  let exp = await scrape(monitoring);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'dropped' }), 9);
  // A WeakRef's target is kept until the end of the job that read it: collect after a turn of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  exp = await scrape(monitoring);
  assert.equal(find(exp, 'db_connection_pool_size', { pool: 'dropped' }).length, 0);
  const kept = counts(4);
  monitoring.observePgPool(kept, { name: 'dropped' });
  exp = await scrape(monitoring);
  assert.equal(invalid(exp, 'observePgPool', 'too_many'), 0);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'dropped' }), 4);
});

test('a stopped pool is no longer published, and observing it again publishes it', async () => {
  const { monitoring } = await start();
  const pool = counts(3, 1);
  const stop = monitoring.observePgPool(pool, { name: 'main' });
  assert.equal(value(await scrape(monitoring), 'db_connections_active', { pool: 'main' }), 2);
  stop();
  stop();
  assert.equal(find(await scrape(monitoring), 'db_connections_active', { pool: 'main' }).length, 0);
  monitoring.observePgPool(pool, { name: 'main' });
  assert.equal(value(await scrape(monitoring), 'db_connections_active', { pool: 'main' }), 2);
});
