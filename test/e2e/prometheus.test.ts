import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { requireBinary } from '../helpers/binaries.ts';
import {
  labelValues,
  query,
  sleep,
  startAlertmanager,
  startBot,
  startPrometheus,
  startWebhook,
  type BotProcess,
  type RunningServer,
  type Sample,
} from '../helpers/prometheus.ts';
import {
  ALERT_RULES,
  dashboardExpressions,
  EXECUTION_RULES,
  queryVariables,
  RECORDING_RULES,
  ROOT,
  rulesOf,
  substitute,
} from '../deploy/deploy-files.ts';

const DEMO = join(ROOT, 'examples', 'trading-bot-simulation.ts');
const SCRIPTED_BOT = join(ROOT, 'test', 'fixtures', 'ops', 'scripted-bot.ts');

/** Polls `check` until it returns no failures or `ms` pass; returns the last failures. */
async function until(ms: number, check: () => Promise<string[]>): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const failures = await check();
    if (failures.length === 0 || Date.now() > deadline) return failures;
    await sleep(500);
  }
}

const nonEmpty = async (prometheus: RunningServer, label: string, expr: string): Promise<string | undefined> => {
  try {
    return (await query(prometheus, expr)).length > 0 ? undefined : `${label}: no data: ${expr}`;
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  }
};

test(
  'a real Prometheus scraping two demos and a scripted bot: every dashboard query and rule has data, and the forced alerts reach a webhook through Alertmanager',
  { timeout: 120_000 },
  async (t) => {
    if (!requireBinary(t, 'prometheus')) return;
    if (!requireBinary(t, 'prometheus-alertmanager', 'apt-get install prometheus-alertmanager')) return;
    const started = Date.now();
    const cleanup: (() => Promise<void>)[] = [];
    try {
      const webhook = await startWebhook();
      cleanup.push(webhook.close);
      const alertmanager = await startAlertmanager(
        stringify({
          route: {
            receiver: 'test',
            group_by: ['alertname', 'instance'],
            group_wait: '1s',
            group_interval: '1s',
            repeat_interval: '1h',
          },
          receivers: [{ name: 'test', webhook_configs: [{ url: webhook.url, send_resolved: false }] }],
        }),
      );
      cleanup.push(alertmanager.stop);

      const bots: BotProcess[] = await Promise.all([
        startBot(DEMO, ['--port', '0', '--export-dir', '', '--duration', '120']),
        startBot(DEMO, ['--port', '0', '--export-dir', '', '--duration', '120']),
        startBot(SCRIPTED_BOT),
      ]);
      for (const bot of bots) cleanup.push(bot.stop);
      const [demo, doomedDemo, scripted] = bots as [BotProcess, BotProcess, BotProcess];

      // The shipped one-bot config with this test's targets, a 1 s scrape and evaluation, and the
      // Alertmanager above. The rules are the shipped files; the alerts' copy differs in one thing
      // only: every `for:` is 1 s, so that the alerts fire within the test instead of minutes later.
      const config = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
        global: Record<string, string>;
        rule_files: string[];
        alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      };
      config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
      config.rule_files = ['recording.yml', 'alerts.yml', 'execution.yml'];
      config.alerting.alertmanagers[0]!.static_configs[0]!.targets = [`127.0.0.1:${alertmanager.port}`];
      config.scrape_configs[0]!.static_configs[0]!.targets = bots.map((b) => b.target);
      const alerts = parse(readFileSync(join(ROOT, ALERT_RULES), 'utf8')) as {
        groups: { rules: { for?: string }[] }[];
      };
      const execution = parse(readFileSync(join(ROOT, EXECUTION_RULES), 'utf8')) as typeof alerts;
      for (const rule of [...alerts.groups, ...execution.groups].flatMap((g) => g.rules)) rule.for = '1s';
      const prometheus = await startPrometheus(stringify(config), {
        'recording.yml': readFileSync(join(ROOT, RECORDING_RULES), 'utf8'),
        'alerts.yml': stringify(alerts),
        'execution.yml': stringify(execution),
      });
      cleanup.push(prometheus.stop);

      // The scripted bot's equity falls only once Prometheus has its peak.
      const peak = await until(15_000, async () =>
        (await query(prometheus, `portfolio_value{instance="${scripted.target}"}`))[0]?.value[1] === '10000'
          ? []
          : ['no peak yet'],
      );
      assert.deepEqual(peak, [], "Prometheus scraped the scripted bot's equity peak");
      scripted.child.stdin?.write('drop\n');

      // Every dashboard expression, as Grafana runs it: first with every variable on All (the values
      // of its label_values query), then for one bot and one symbol.
      const expressions = dashboardExpressions();
      const variables = queryVariables();
      const resolve = async (fixed: Record<string, string[]>): Promise<Record<string, string[]>> => {
        const values: Record<string, string[]> = {};
        for (const v of variables)
          values[v.name] = fixed[v.name] ?? (await labelValues(prometheus, substitute(v.selector, values), v.label));
        return values;
      };
      const recording = rulesOf(RECORDING_RULES);
      const alerting = [...rulesOf(ALERT_RULES), ...rulesOf(EXECUTION_RULES)];
      let views: Record<string, string[]>[] = [];
      const failures = await until(45_000, async () => {
        const all = await resolve({});
        const one = await resolve({ instance: [demo.target], symbol: [...(all['symbol'] ?? [])].sort().slice(0, 1) });
        views = [all, one];
        const checks = views.flatMap((values) =>
          expressions.map((e) =>
            nonEmpty(prometheus, `${e.panel} (${JSON.stringify(values)})`, substitute(e.expr, values)),
          ),
        );
        // Recording rules: the series Prometheus recorded, and the expression itself.
        checks.push(
          ...recording.flatMap((r) => [
            nonEmpty(prometheus, `recorded ${r.record}`, `${r.record}{instance="${demo.target}"}`),
            nonEmpty(prometheus, `rule ${r.record}`, r.expr),
          ]),
        );
        return (await Promise.all(checks)).filter((f): f is string => f !== undefined);
      });
      assert.deepEqual(failures, [], 'every dashboard expression and recording rule returns data from the live demos');
      assert.equal(views[0]?.['instance']?.length, 3, 'the instance variable lists the three bots');
      for (const name of ['symbol', 'model'])
        assert.ok((views[0]?.[name]?.length ?? 0) >= 3, `the ${name} variable lists the demo's values`);

      // Alert expressions evaluate without error (most are empty on a healthy demo), and Prometheus
      // reports every loaded rule healthy.
      for (const rule of alerting) await assert.doesNotReject(query(prometheus, rule.expr), rule.alert);
      const loaded = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const rules = loaded.data.groups.flatMap((g) => g.rules);
      assert.equal(rules.length, recording.length + alerting.length, 'every rule is loaded');
      assert.deepEqual(
        rules.filter((r) => r.health !== 'ok'),
        [],
        'every rule evaluates without error',
      );

      // One bot goes away: its target is down.
      await doomedDemo.stop();

      // The service names the bots give the SDK (target_info's service_name), which every summary starts with.
      const expected: [alertname: string, instance: string, summary: RegExp, bot: string][] = [
        ['TradingDrawdownHigh', scripted.target, /equity 40% below its peak/, 'scripted-bot'],
        ['PortfolioValueFallingFast', scripted.target, /40% below its 15-minute high/, 'scripted-bot'],
        ['BotHeartbeatStale', scripted.target, /loop main silent for 1h/, 'scripted-bot'],
        ['NoTradingSignal', scripted.target, /no trading signal in 30 minutes/, 'scripted-bot'],
        // Down, so its target_info is stale: the name comes from the last hour.
        ['BotTargetDown', doomedDemo.target, /cannot be scraped/, 'evil2root-demo-bot'],
        ['LeverageHigh', scripted.target, /leverage 4\.83+x/, 'scripted-bot'],
        ['UnrealizedLossHigh', scripted.target, /open positions down 66\.67% of the portfolio/, 'scripted-bot'],
        ['OrdersSubmittedWithoutFills', scripted.target, /orders submitted in 15 minutes, none filled/, 'scripted-bot'],
      ];
      const missing = await until(30_000, async () =>
        expected
          .filter(
            ([name, instance]) =>
              !webhook.alerts.some((a) => a.labels['alertname'] === name && a.labels['instance'] === instance),
          )
          .map(([name, instance]) => `${name} for ${instance}`),
      );
      assert.deepEqual(
        missing,
        [],
        `the webhook got every forced alert; it got ${JSON.stringify(webhook.alerts.map((a) => a.labels))}`,
      );
      const shipped = new Map(alerting.map((r) => [r.alert, r]));
      for (const [name, instance, summary, bot] of expected) {
        const alert = webhook.alerts.find((a) => a.labels['alertname'] === name && a.labels['instance'] === instance)!;
        assert.equal(alert.status, 'firing');
        assert.equal(alert.labels['severity'], shipped.get(name)?.labels?.['severity'], `${name} carries its severity`);
        assert.equal(alert.labels['job'], 'trading-bot', `${name} carries the scrape job`);
        assert.match(alert.annotations['summary'] ?? '', summary, `${name}'s summary`);
        assert.ok(
          alert.annotations['summary']?.startsWith(`${bot} (${instance})`),
          `${name}'s summary names the bot: ${alert.annotations['summary']}`,
        );
        assert.ok((alert.annotations['description']?.length ?? 0) > 100, `${name} has a description`);
      }
      const checked = expressions.length * views.length + 2 * recording.length + alerting.length;
      t.diagnostic(
        `${expressions.length} dashboard expressions × ${views.length} variable settings, ${recording.length} recording rules (recorded series and expression) and ${alerting.length} alert expressions checked against live data (${checked} queries); alerts received: ${[...new Set(webhook.alerts.map((a) => a.labels['alertname']))].join(', ')}; ${Math.round((Date.now() - started) / 1000)} s`,
      );
      const equity = await query(prometheus, `portfolio_value{instance=~"${demo.target}|${scripted.target}"}`);
      t.diagnostic(
        `portfolio_value: ${equity.map((s: Sample) => `${s.metric['instance']} = ${Number(s.value[1]).toFixed(2)}`).join(', ')}`,
      );
      const p95 = await query(
        prometheus,
        `histogram_quantile(0.95, sum by (endpoint, le) (rate(api_latency_seconds_bucket{instance="${demo.target}"}[1m])))`,
      );
      t.diagnostic(
        `API latency p95 over the last minute (dashboard panel "API latency p50, p95, p99"): ${p95.map((s: Sample) => `${s.metric['endpoint']} ${(1000 * Number(s.value[1])).toFixed(0)} ms`).join(', ')}`,
      );
    } finally {
      for (const stop of cleanup.reverse()) await stop();
    }
  },
);
