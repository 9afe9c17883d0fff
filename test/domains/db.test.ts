import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, test } from 'node:test';
import { value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

test('trackDbQuery times real node:sqlite queries, sync and async, and counts outcomes', async () => {
  const { monitoring } = await start();
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT, pnl REAL)');
  const insert = db.prepare('INSERT INTO trades (symbol, pnl) VALUES (?, ?)');
  for (const [symbol, pnl] of [
    ['BTC/USD', 12.5],
    ['ETH/USD', -3],
  ] as const)
    monitoring.trackDbQuery('insert', () => insert.run(symbol, pnl));
  const rows = monitoring.trackDbQuery('select', () => db.prepare('SELECT symbol, pnl FROM trades ORDER BY id').all());
  assert.deepEqual(
    rows.map((r) => r.symbol),
    ['BTC/USD', 'ETH/USD'],
  );
  const total = await monitoring.trackDbQuery(
    'select',
    async () => (db.prepare('SELECT SUM(pnl) AS s FROM trades').get() as { s: number }).s,
  );
  assert.equal(total, 9.5);
  assert.throws(
    () => monitoring.trackDbQuery('select', () => db.prepare('SELECT * FROM missing_table').all()),
    /no such table/,
  );
  await assert.rejects(
    monitoring.trackDbQuery('update', async () => {
      throw new Error('deadlock');
    }),
    /deadlock/,
  );
  db.close();

  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'db_operations_total', { operation: 'insert', status: 'success' }), 2);
  assert.equal(value(exp, 'db_operations_total', { operation: 'select', status: 'success' }), 2);
  assert.equal(value(exp, 'db_operations_total', { operation: 'select', status: 'error' }), 1);
  assert.equal(value(exp, 'db_operations_total', { operation: 'update', status: 'error' }), 1);
  assert.equal(value(exp, 'db_query_duration_seconds_count', { operation: 'select' }), 3);
  assert.equal(exp.types.get('db_query_duration_seconds'), 'histogram');
});

test('updateDbPool sets size and active per pool; the pool defaults to "default"', async () => {
  const { monitoring } = await start();
  monitoring.updateDbPool({ pool: 'main', size: 10, active: 3 });
  monitoring.updateDbPool({ pool: 'main', active: 4 });
  monitoring.updateDbPool({ size: 5 });
  const exp = await scrape(monitoring);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'main' }), 10);
  assert.equal(value(exp, 'db_connections_active', { pool: 'main' }), 4);
  assert.equal(value(exp, 'db_connection_pool_size', { pool: 'default' }), 5);
});
