import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dashboard, dashboardExpressions, queryVariables, readYaml, ROOT } from './deploy-files.ts';

test('no dashboard expression hard-codes a job or an instance: each selects the bots with $instance', () => {
  const expressions = dashboardExpressions();
  assert.ok(expressions.length >= 40, `${expressions.length} expressions`);
  for (const { panel, expr } of expressions) {
    assert.doesNotMatch(expr, /\bjob\s*(=|!=|=~|!~)/, `${panel}: no job matcher`);
    for (const matcher of expr.matchAll(/\binstance\s*(=~|=|!=|!~)\s*"([^"]*)"/g))
      assert.equal(`${matcher[1]}"${matcher[2]}"`, '=~"$instance"', `${panel}: ${expr}`);
    assert.match(expr, /instance=~"\$instance"/, `${panel}: filtered by $instance`);
    assert.doesNotMatch(
      expr.replaceAll('$__rate_interval', '').replace(/\$(instance|symbol|model)\b/g, ''),
      /\$/,
      `${panel}: only known variables`,
    );
  }
});

test('the dashboard has the rows a trader reads, variables for instance, symbol and model, and a datasource the provisioning defines', () => {
  const d = dashboard();
  const rows = d.panels.filter((p) => p.type === 'row').map((p) => p.title);
  assert.deepEqual(rows, [
    'Portfolio and performance',
    'Statistics',
    'Signals and trades',
    'Execution and positions',
    'Models',
    'API and database',
    'System',
  ]);
  const titles = d.panels.map((p) => p.title).join(' | ');
  for (const wanted of [
    'Equity',
    'Drawdown',
    'Win rate',
    'Sharpe',
    'Signals per minute',
    'Executed trades',
    'Open positions',
    'Unrealized PnL',
    'Exposure',
    'Leverage',
    'Order slippage',
    'Order latency',
    'Realized PnL per strategy',
    'Trade statistics, all symbols',
    'Trade statistics per symbol',
    'Trade statistics per strategy',
    'Realized PnL today, this week, this month',
    'Drawdown duration',
    'Value at risk and expected shortfall',
    'Return distribution',
    'Accuracy',
    'Calibration error',
    'Reliability bins',
    'Drift',
    'API requests',
    'API error ratio',
    'API latency p50, p95, p99',
    'API quota',
    'DB query latency',
    'CPU',
    'Memory',
  ]) {
    assert.ok(titles.includes(wanted), wanted);
  }
  assert.deepEqual(
    queryVariables().map((v) => `${v.name}:${v.label}`),
    ['instance:instance', 'symbol:symbol', 'model:model_name'],
  );
  const datasources = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml') as {
    datasources: { uid: string; type: string }[];
  };
  const datasourceVariable = d.templating.list.find((v) => v.type === 'datasource') as
    { current: { value: string } } | undefined;
  assert.equal(
    datasourceVariable?.current.value,
    datasources.datasources[0]?.uid,
    'the dashboard defaults to the provisioned datasource',
  );
  assert.equal(datasources.datasources[0]?.type, 'prometheus');
});

test('docker-compose.yml: the demo, the contrib Collector, Prometheus and Grafana, and every mounted file is in the repository', () => {
  const compose = readYaml('docker-compose.yml') as {
    services: Record<string, { image: string; command?: string | string[]; volumes?: string[] }>;
  };
  const images = Object.values(compose.services).map((s) => s.image.replace(/:.*/, ''));
  for (const image of ['node', 'otel/opentelemetry-collector-contrib', 'prom/prometheus', 'grafana/grafana'])
    assert.ok(images.includes(image), image);
  assert.match(String(compose.services['bot']?.command), /npm ci\b.* && npm run demo -- --host 0\.0\.0\.0/);
  const mounts = Object.values(compose.services)
    .flatMap((s) => s.volumes ?? [])
    .filter((v) => v.startsWith('./'));
  assert.ok(mounts.length >= 5);
  for (const mount of mounts) assert.ok(existsSync(join(ROOT, mount.split(':')[0]!)), `${mount} exists`);
  const prometheus = compose.services['prometheus'];
  const config = String(prometheus?.command).match(/--config\.file=\/etc\/prometheus\/([\w.-]+)/)?.[1];
  assert.ok(
    config !== undefined && existsSync(join(ROOT, 'deploy', 'prometheus', config)),
    `Prometheus's config ${config} is in deploy/prometheus`,
  );
  const scraped = readYaml(`deploy/prometheus/${config}`) as {
    scrape_configs: { static_configs: { targets: string[] }[] }[];
  };
  const targets = scraped.scrape_configs.flatMap((c) =>
    c.static_configs.flatMap((s) => s.targets.map((t) => t.split(':')[0])),
  );
  for (const host of targets) assert.ok(host !== undefined && host in compose.services, `${host} is a compose service`);
});
