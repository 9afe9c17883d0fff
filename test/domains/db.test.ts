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

test('trackDbQuery options.exemplar names the query in its bucket, in OpenMetrics only; bad options are counted and the query still recorded', async () => {
  const { monitoring } = await start();
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
  const before = Date.now() / 1000;
  let runs = 0;
  const inserted = monitoring.trackDbQuery(
    'insert',
    () => {
      runs++;
      return db.prepare('INSERT INTO orders (id) VALUES (?)').run('o-1').changes;
    },
    { exemplar: { order_id: 'o-1' } },
  );
  assert.equal(inserted, 1);
  const slow = await monitoring.trackDbQuery(
    'select',
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number };
    },
    { exemplar: { query_id: 'q-"7"' } },
  );
  assert.equal(slow.n, 1);
  const bad: unknown[] = [
    5,
    { exemplar: { 'query-id': 'dash' } },
    { exemplar: { id: 1 } },
    { id: 'x' },
    { exemplar: { id: 'x'.repeat(200) } },
  ];
  for (const options of bad)
    monitoring.trackDbQuery(
      'insert',
      () => {
        runs++;
        return 0;
      },
      options as never,
    );
  db.close();
  assert.equal(runs, 1 + bad.length, 'fn ran once per call, whatever the options');

  const res = await fetch(monitoring.metricsUrl!, {
    headers: { accept: 'application/openmetrics-text; version=1.0.0' },
  });
  const om = await res.text();
  const exemplars = om.split('\n').filter((l) => l.includes(' # {'));
  const exemplar = (labels: string) => {
    const found = exemplars.filter((l) => l.startsWith('db_query_duration_seconds_bucket{') && l.includes(labels));
    assert.equal(found.length, 1, `one bucket carries ${labels}:\n${exemplars.join('\n')}`);
    const m = /le="(\S+)"\} \d+ # \{([^}]*)\} (\S+) (\S+)$/.exec(found[0]!);
    assert.ok(m, found[0]);
    return { le: Number(m[1]), value: Number(m[3]), timestamp: Number(m[4]) };
  };
  for (const e of [exemplar('{order_id="o-1"}'), exemplar('{query_id="q-\\"7\\""}')]) {
    assert.ok(e.value <= e.le, 'the exemplar value is within its bucket');
    assert.ok(e.timestamp >= before && e.timestamp <= Date.now() / 1000, 'a Unix time in seconds');
  }
  assert.ok(exemplar('query_id').value >= 0.029, 'the slow query is the one that took 30 ms');
  assert.equal(
    exemplars.filter((l) => l.startsWith('db_query_duration_seconds_bucket{')).length,
    2,
    'no other exemplar',
  );

  const exp = await scrape(monitoring);
  assert.doesNotMatch(await (await fetch(monitoring.metricsUrl!)).text(), / # \{/, 'no exemplar in the text format');
  assert.equal(
    value(exp, 'db_operations_total', { operation: 'insert', status: 'success' }),
    1 + bad.length,
    'every call recorded',
  );
  const invalid = (reason: string) => value(exp, 'monitoring_invalid_inputs_total', { method: 'trackDbQuery', reason });
  assert.equal(invalid('not_object'), 1);
  assert.equal(invalid('wrong_type'), 2);
  assert.equal(invalid('unknown_field'), 1);
  assert.equal(invalid('too_long'), 1);
});
