import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { histogramQuantile } from '../../src/dashboard/quantile.ts';
import { parseSeriesQuery } from '../../src/dashboard/series-api.ts';
import { find, parseExposition } from '../helpers/exposition.ts';
import { start, stopAll } from '../helpers/service.ts';
import { UTILIZATION_WINDOW_MS } from '../../src/collectors/system.ts';

afterEach(stopAll);

test('histogramQuantile interpolates inside the bucket as Prometheus does', () => {
  // Buckets le=1,2,4,+Inf with 10, 10, 20, 0 observations: rank 0.5*40=20 ends bucket 2 -> 2.
  assert.equal(histogramQuantile(0.5, [1, 2, 4], [10, 10, 20, 0]), 2);
  // rank 0.95*40=38 in bucket (2,4] holding 20: 2 + 2*(18/20) = 3.8.
  assert.ok(Math.abs(histogramQuantile(0.95, [1, 2, 4], [10, 10, 20, 0]) - 3.8) < 1e-12);
  // The first bucket starts at 0: rank 0.25*40=10 -> 0 + 1*(10/10).
  assert.equal(histogramQuantile(0.25, [1, 2, 4], [10, 10, 20, 0]), 1);
  assert.equal(histogramQuantile(0.1, [1, 2, 4], [10, 10, 20, 0]), 0.4);
  // A rank in +Inf returns the highest finite bound.
  assert.equal(histogramQuantile(0.99, [1, 2, 4], [1, 0, 0, 9]), 4);
  assert.ok(Number.isNaN(histogramQuantile(0.5, [1, 2, 4], [0, 0, 0, 0])));
  assert.equal(histogramQuantile(1.5, [1], [1, 0]), Number.POSITIVE_INFINITY);
});

test('GET /api/v1/series: samples from the same MeterProvider, counters and gauges equal to the scrape, filters by symbol and model', async () => {
  const { monitoring } = await start({ dashboard: { intervalSeconds: 3600 } });
  const base = monitoring.metricsUrl!;
  monitoring.updatePortfolioMetrics({ portfolioValue: 10_123.45, balance: 5_000 });
  for (const symbol of ['BTC/USD', 'ETH/USD']) {
    monitoring.recordTradingSignal({ symbol, direction: 'buy', modelType: 'momentum', confidenceLevel: 0.7 });
    monitoring.recordClosedTrade({ symbol, direction: 'buy', pnl: symbol === 'BTC/USD' ? 10 : -4 });
  }
  monitoring.updateModelPerformance({
    modelName: 'm1',
    timeframe: '1h',
    symbol: 'BTC/USD',
    metrics: { accuracy: 0.61 },
  });
  monitoring.updateModelPerformance({
    modelName: 'm2',
    timeframe: '1h',
    symbol: 'BTC/USD',
    metrics: { accuracy: 0.55 },
  });
  for (let i = 0; i < 40; i++) monitoring.trackApiRequest('/ticker', 'GET', () => 1);
  await monitoring.sampleDashboardHistory();
  const first = (await (await fetch(new URL('/api/v1/series', base))).json()) as {
    timestamps: number[];
    symbols: string[];
    models: string[];
    series: {
      name: string;
      labels: Record<string, string>;
      values?: (number | null)[];
      p95?: (number | null)[];
      count?: (number | null)[];
    }[];
  };
  const sampleCount = first.timestamps.length;
  assert.ok(sampleCount >= 1);
  const lastOf = (name: string, labels: Record<string, string> = {}) => {
    const s = first.series.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    return s?.values?.at(-1);
  };
  assert.equal(lastOf('portfolio_value'), 10_123.45);
  assert.equal(lastOf('trades_closed_total', { symbol: 'BTC/USD', outcome: 'win' }), 1);
  assert.equal(lastOf('win_rate', { symbol: 'all', window: 'lifetime' }), 0.5);
  assert.deepEqual(first.symbols, ['BTC/USD', 'ETH/USD']);
  assert.deepEqual(first.models, ['m1', 'm2']);
  const latency = first.series.find((s) => s.name === 'api_latency_seconds');
  assert.equal(latency?.count?.at(-1), 40);
  assert.ok((latency?.p95?.at(-1) ?? Number.NaN) <= 0.001, 'a sub-millisecond call lands in the first bucket');

  const eth = (await (
    await fetch(new URL('/api/v1/series?symbol=ETH%2FUSD&names=trades_closed_total,portfolio_value', base))
  ).json()) as typeof first;
  assert.ok(eth.series.length > 0);
  assert.ok(eth.series.every((s) => s.name === 'trades_closed_total' || s.name === 'portfolio_value'));
  assert.ok(eth.series.filter((s) => s.labels['symbol'] !== undefined).every((s) => s.labels['symbol'] === 'ETH/USD'));
  const m2 = (await (
    await fetch(new URL('/api/v1/series?model=m2&names=model_accuracy', base))
  ).json()) as typeof first;
  assert.deepEqual(
    m2.series.map((s) => s.labels['model_name']),
    ['m2'],
  );

  const since = first.timestamps.at(-1)!;
  const none = (await (await fetch(new URL(`/api/v1/series?since=${since}`, base))).json()) as typeof first;
  assert.equal(none.timestamps.length, 0, 'nothing after the newest sample');
  monitoring.updatePortfolioMetrics({ portfolioValue: 10_200 });
  await new Promise((r) => setTimeout(r, 2));
  await monitoring.sampleDashboardHistory();
  const next = (await (
    await fetch(new URL(`/api/v1/series?since=${since}&names=portfolio_value`, base))
  ).json()) as typeof first;
  assert.equal(next.timestamps.length, 1);
  assert.deepEqual(next.series[0]!.values, [10_200]);

  const bad = await fetch(new URL('/api/v1/series?since=yesterday', base));
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), 'since must be a Unix time in milliseconds\n');
  assert.equal((await fetch(new URL('/api/v1/series?file=/etc/passwd', base))).status, 400);
});

test('parseSeriesQuery reads names, symbol, model and since', () => {
  assert.deepEqual(parseSeriesQuery('/api/v1/series?names=a,b&symbol=BTC%2FUSD&model=m&since=5'), {
    names: ['a', 'b'],
    symbol: 'BTC/USD',
    model: 'm',
    since: 5,
  });
  assert.deepEqual(parseSeriesQuery('/api/v1/series'), {});
  assert.equal(typeof parseSeriesQuery(`/api/v1/series?symbol=${'x'.repeat(500)}`), 'string');
});

test('the history is bounded: a ring of historyMinutes, and at most maxSeriesPerMetric slots whatever the series count', async () => {
  const { monitoring, logger } = await start({
    dashboard: { intervalSeconds: 60, historyMinutes: 3 },
    maxSeriesPerMetric: 40,
  });
  for (let i = 0; i < 5; i++) {
    monitoring.updatePortfolioMetrics({ portfolioValue: 1000 + i });
    await monitoring.sampleDashboardHistory();
  }
  const body = (await (await fetch(new URL('/api/v1/series?names=portfolio_value', monitoring.metricsUrl))).json()) as {
    timestamps: number[];
    series: { values: number[] }[];
  };
  assert.equal(body.timestamps.length, 3, '3 minutes at 60 s');
  assert.deepEqual(body.series[0]!.values, [1002, 1003, 1004]);
  for (let i = 0; i < 60; i++) monitoring.recordExecutedTrade({ symbol: `S${i}`, direction: 'buy', success: true });
  await monitoring.sampleDashboardHistory();
  const usage = monitoring.dashboardHistoryUsage()!;
  assert.ok(usage.series <= 40, `${usage.series} series`);
  assert.ok(usage.bytes <= 8 * 3 * (40 + 1), `${usage.bytes} bytes`);
  assert.equal(logger.warnings.filter((w) => w.includes('dashboard history is full')).length, 1);
});

test('the machine CPU series is 1 minus the mean idle fraction of the host-metrics cores', async () => {
  const { monitoring } = await start({ systemMetrics: true });
  // Utilization is a difference of CPU times over at least UTILIZATION_WINDOW_MS from the start.
  await monitoring.sampleDashboardHistory();
  await new Promise((resolve) => setTimeout(resolve, UTILIZATION_WINDOW_MS));
  await monitoring.sampleDashboardHistory();
  const body = (await (
    await fetch(new URL('/api/v1/series?names=system_cpu_utilization', monitoring.metricsUrl))
  ).json()) as { series: { name: string; values: (number | null)[] }[] };
  const cpu = body.series.find((s) => s.name === 'system_cpu_utilization');
  assert.ok(cpu !== undefined, 'a CPU series is kept');
  const last = cpu.values.at(-1);
  assert.ok(typeof last === 'number' && last >= 0 && last <= 1, `busy fraction in [0, 1], got ${String(last)}`);
});

test('the table statistics in the history: lifetime per symbol, rolling for all symbols only, each equal to the scrape', async () => {
  const { monitoring } = await start({ dashboard: { intervalSeconds: 3600 } });
  const T0 = Date.now() - 3_600_000;
  for (const [i, pnl] of [12, -5, 7, -3, 9].entries())
    for (const symbol of ['BTC/USD', 'ETH/USD'])
      monitoring.recordClosedTrade({ symbol, direction: 'buy', pnl, fees: 0.5, openedAt: T0 + i * 60_000 });
  monitoring.updatePortfolioMetrics({ portfolioValue: 1000 });
  await monitoring.sampleDashboardHistory();
  const names = ['sqn', 'largest_loss', 'trade_fees', 'average_holding_seconds', 'current_streak'];
  const body = (await (
    await fetch(new URL(`/api/v1/series?names=${names.join(',')}`, monitoring.metricsUrl))
  ).json()) as {
    series: { name: string; labels: Record<string, string>; values: (number | null)[] }[];
  };
  const keys = (name: string) =>
    body.series
      .filter((s) => s.name === name)
      .map((s) => `${s.labels['symbol']} ${s.labels['window'] ?? ''}`.trim())
      .sort();
  assert.deepEqual([...new Set(keys('sqn'))], ['BTC/USD lifetime', 'ETH/USD lifetime', 'all lifetime', 'all rolling']);
  assert.deepEqual(
    [...new Set(keys('average_holding_seconds'))],
    keys('sqn').filter((k, i, a) => a.indexOf(k) === i),
  );
  assert.deepEqual(keys('current_streak'), ['BTC/USD', 'ETH/USD', 'all']);
  const exp = parseExposition(await monitoring.metricsText());
  for (const s of body.series)
    assert.equal(s.values.at(-1), find(exp, s.name, s.labels)[0]?.value, `${s.name} ${JSON.stringify(s.labels)}`);
});
