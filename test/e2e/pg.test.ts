import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import pg from 'pg';
import { find, value, type Exposition } from '../helpers/exposition.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

function pool(exp: Exposition, name: string): { size: number; active: number; waiting: number } {
  return {
    size: value(exp, 'db_connection_pool_size', { pool: name }),
    active: value(exp, 'db_connections_active', { pool: name }),
    waiting: value(exp, 'db_connections_waiting', { pool: name }),
  };
}

test('observePgPool reads size, active and waiting from a real pg.Pool at each scrape, with trackDbQuery timing concurrent queries', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  t.after(() => server.stop());
  const { monitoring } = await start();
  const db = new pg.Pool({
    host: server.host,
    port: server.port,
    user: server.user,
    database: server.database,
    max: 2,
  });
  t.after(() => db.end());
  const stop = monitoring.observePgPool(db, { name: 'trades' });

  assert.deepEqual(pool(await scrape(monitoring), 'trades'), { size: 0, active: 0, waiting: 0 });

  // Two clients checked out fill the pool; a third connect() waits for one of them.
  const a = await db.connect();
  const b = await db.connect();
  const third = db.connect();
  assert.deepEqual(pool(await scrape(monitoring), 'trades'), { size: 2, active: 2, waiting: 1 });
  a.release();
  const c = await third;
  assert.deepEqual(pool(await scrape(monitoring), 'trades'), { size: 2, active: 2, waiting: 0 });
  b.release();
  c.release();
  assert.deepEqual(pool(await scrape(monitoring), 'trades'), { size: 2, active: 0, waiting: 0 });

  // Five queries at once on two connections: two run, three wait, all timed by trackDbQuery.
  const queries = Array.from({ length: 5 }, () =>
    monitoring.trackDbQuery('select', () => db.query('SELECT pg_sleep(0.3) AS slept')),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(pool(await scrape(monitoring), 'trades'), { size: 2, active: 2, waiting: 3 });
  const results = await Promise.all(queries);
  assert.equal(results.length, 5);
  assert.equal(results[0]?.rowCount, 1);

  await assert.rejects(
    monitoring.trackDbQuery('insert', () => db.query('INSERT INTO no_such_table VALUES (1)')),
    /no_such_table/,
  );
  assert.equal(
    monitoring.trackDbQuery('parse', () => JSON.parse('{"sync":true}').sync),
    true,
  );

  const exp = await scrape(monitoring);
  // pool.query releases the client of a failed query with the error, and pg-pool closes it.
  assert.deepEqual(pool(exp, 'trades'), { size: 1, active: 0, waiting: 0 });
  assert.equal(value(exp, 'db_operations_total', { operation: 'select', status: 'success' }), 5);
  assert.equal(value(exp, 'db_operations_total', { operation: 'insert', status: 'error' }), 1);
  assert.equal(value(exp, 'db_operations_total', { operation: 'parse', status: 'success' }), 1);
  assert.equal(value(exp, 'db_query_duration_seconds_count', { operation: 'select' }), 5);
  // Each query slept 0.3 s, the last ones after waiting for a connection.
  assert.ok(value(exp, 'db_query_duration_seconds_sum', { operation: 'select' }) >= 5 * 0.3);

  stop();
  const after = await scrape(monitoring);
  assert.equal(
    find(after, 'db_connections_waiting', { pool: 'trades' }).length,
    0,
    'an unobserved pool is no longer published',
  );
});

test('observePgPool drops and counts what is not a pool, and never throws', async () => {
  const { monitoring } = await start();
  const none = monitoring.observePgPool({} as pg.Pool, { name: 'x' });
  none();
  monitoring.observePgPool(new pg.Pool({ max: 1 }), { name: '' });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'observePgPool', reason: 'wrong_type' }), 1);
  assert.equal(value(exp, 'monitoring_invalid_inputs_total', { method: 'observePgPool', reason: 'empty_string' }), 1);
  assert.equal(find(exp, 'db_connection_pool_size').length, 0);
});
