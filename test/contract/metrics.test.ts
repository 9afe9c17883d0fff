import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { METRIC_LIST } from '../../src/index.ts';
import { driveEverything } from '../helpers/drive.ts';
import { find, value } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';
import { requireBinary } from '../helpers/binaries.ts';

afterEach(stopAll);

test('every metric of the contract is scraped with its type, exact labels and help', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'evil2root-contract-'));
  const { monitoring } = await start({
    maxSeriesPerMetric: 3,
    exportDirectory: dir,
    // Apart from dir, which the test turns into a file.
    stateDirectory: await mkdtemp(join(tmpdir(), 'evil2root-contract-state-')),
    exportIntervalSeconds: 3600,
    returnsIntervalSeconds: 0.001,
    periodsPerYear: 365,
  });
  await driveEverything(monitoring);
  // A snapshot directory that turned into a file: one failed export for monitoring_export_failures_total.
  await rm(dir, { recursive: true });
  await writeFile(dir, '');
  await assert.rejects(monitoring.exportSnapshot());
  await rm(dir);
  for (const api of ['a', 'b', 'c', 'd', 'e']) monitoring.setApiQuotaRemaining({ api, remaining: 1 });
  const exp = await scrape(monitoring);
  for (const def of METRIC_LIST) {
    assert.equal(exp.types.get(def.name), def.type, `${def.name} TYPE`);
    assert.equal(exp.help.get(def.name), def.description, `${def.name} HELP`);
    const sampleName = def.type === 'histogram' ? `${def.name}_count` : def.name;
    const samples = find(exp, sampleName).filter((s) => s.labels.otel_metric_overflow === undefined);
    assert.ok(samples.length > 0, `${sampleName} has samples`);
    for (const s of samples) assert.deepEqual(Object.keys(s.labels), def.labels, `${sampleName} labels`);
  }
  assert.equal(find(exp, 'api_quota_remaining').length, 4, 'three label sets and the overflow series');
  assert.equal(value(exp, 'api_quota_remaining', { otel_metric_overflow: 'true' }), 1);
  assert.equal(
    value(exp, 'monitoring_series_overflow_total', { metric: 'api_quota_remaining' }),
    3,
    'binance, a and b fit; c, d and e fold',
  );
});

test('overflow: the cap bounds the state held for Prometheus, folds, counts and warns once', async () => {
  const started = await start({ maxSeriesPerMetric: 5 });
  const { monitoring } = started;
  for (let i = 0; i < 1000; i++) monitoring.recordExecutedTrade({ symbol: `SYM${i}`, direction: 'buy', success: true });
  const exp = await scrape(monitoring);
  const series = find(exp, 'executed_trades_total');
  assert.equal(series.length, 6);
  assert.equal(value(exp, 'executed_trades_total', { otel_metric_overflow: 'true' }), 995);
  assert.equal(
    series.reduce((sum, s) => sum + s.value, 0),
    1000,
    'no measurement is lost, only folded',
  );
  assert.equal(value(exp, 'monitoring_series_overflow_total', { metric: 'executed_trades_total' }), 995);
  assert.equal(started.logger.warnings.filter((w) => w.includes('maxSeriesPerMetric')).length, 1);
});

test('promtool check metrics finds no problem in a full scrape, system metrics included', async (t) => {
  if (!requireBinary(t, 'promtool')) return;
  const { monitoring } = await start({ systemMetrics: true });
  await driveEverything(monitoring);
  await scrape(monitoring);
  const text = await (await fetch(monitoring.metricsUrl!)).text();
  const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(out.trim(), '');
});
