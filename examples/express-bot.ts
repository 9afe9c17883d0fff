// A bot with an Express control API, outgoing fetch calls and a PostgreSQL pool, each reporting
// itself with one line of setup. Run:
//   node --conditions=@evil2root/source --import ./src/register.ts examples/express-bot.ts [--duration 20]
// (an installed package: node --import @evil2root/monitoring/register bot.js). With DATABASE_URL set
// (postgres://user@host:port/db) the pool is observed and trades are stored; without it that part is skipped.
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import pg from 'pg';
import { initEnhancedMonitoring } from '../src/index.ts';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '0' }, port: { type: 'string', default: '3000' } },
});

// 1. Web app: /metrics and http.server.request.duration by route template, mounted by the `app` option.
const app = express();
app.get('/exchange/ticker/:symbol', (req, res) => {
  res.json({ symbol: req.params.symbol, price: 60_000 + Math.random() * 100 });
});
app.get('/positions', (_req, res) => {
  res.json({ 'BTC/USD': 1 });
});
// 2. Exchange and API calls: every fetch and node:http request measured (http.client.request.duration).
const monitoring = await initEnhancedMonitoring({ port: false, app, autoInstrument: true });

// 3. Database: pool size, active and waiting connections read at each scrape.
const db =
  process.env.DATABASE_URL === undefined
    ? undefined
    : new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
if (db !== undefined) {
  monitoring.observePgPool(db, { name: 'trades' });
  await db.query(
    'CREATE TABLE IF NOT EXISTS trades (symbol text, price double precision, at timestamptz DEFAULT now())',
  );
}

const server = app.listen(Number(values.port), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`metrics at ${base}/metrics${db === undefined ? ' (set DATABASE_URL to observe a pg pool)' : ''}`);

const tick = setInterval(() => void trade(), 500);

async function trade(): Promise<void> {
  try {
    const quote = (await (await fetch(`${base}/exchange/ticker/BTC-USD`)).json()) as { price: number };
    monitoring.recordTradingSignal({ symbol: 'BTC/USD', direction: 'buy', confidenceLevel: 0.7 });
    await monitoring.trackDbQuery('insert', () =>
      db?.query('INSERT INTO trades (symbol, price) VALUES ($1, $2)', ['BTC/USD', quote.price]),
    );
    monitoring.heartbeat();
  } catch (error) {
    console.error(`tick failed: ${(error as Error).message}`);
  }
}

const stop = async () => {
  clearInterval(tick);
  server.close();
  await db?.end();
  await monitoring.shutdown();
};
process.once('SIGINT', () => void stop());
if (Number(values.duration) > 0) setTimeout(() => void stop(), Number(values.duration) * 1000);
