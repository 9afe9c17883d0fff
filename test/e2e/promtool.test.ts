import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { requireBinary } from '../helpers/binaries.ts';
import {
  ALERT_RULES,
  DEPLOY,
  EXECUTION_RULES,
  readYaml,
  RECORDING_RULES,
  ROOT,
  rulesOf,
} from '../deploy/deploy-files.ts';

const files = (dir: string) =>
  readdirSync(join(DEPLOY, dir))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(DEPLOY, dir, f));

/** Runs a checker; fails the test with its output when it exits non-zero. */
function check(binary: string, args: string[]): string {
  try {
    return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    assert.fail(`${binary} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

test('promtool check config accepts every Prometheus config, with its rule files', (t) => {
  if (!requireBinary(t, 'promtool')) return;
  const configs = files('prometheus');
  assert.ok(configs.length >= 3, 'one bot, the fleet and the compose config');
  for (const config of configs)
    assert.match(check('promtool', ['check', 'config', config]), /SUCCESS: 3 rule files found/);
});

test('promtool check rules accepts every rules file', (t) => {
  if (!requireBinary(t, 'promtool')) return;
  for (const rules of files('prometheus/rules'))
    assert.match(check('promtool', ['check', 'rules', rules]), /SUCCESS: \d+ rules found/);
});

test('promtool test rules: the unit tests of every alert and recording rule pass', (t) => {
  if (!requireBinary(t, 'promtool')) return;
  const tests = files('prometheus/tests');
  assert.ok(tests.length >= 2);
  for (const file of tests) assert.match(check('promtool', ['test', 'rules', file]), /SUCCESS/);
});

test('every alert has unit tests firing and not firing, and every recording rule a tested value', () => {
  interface UnitTest {
    alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
    promql_expr_test?: { expr: string; exp_samples: unknown[] }[];
  }
  const tests = files('prometheus/tests').flatMap((f) => (readYaml(relative(ROOT, f)) as { tests: UnitTest[] }).tests);
  const alertCases = tests.flatMap((u) => u.alert_rule_test ?? []);
  for (const rule of [...rulesOf(ALERT_RULES), ...rulesOf(EXECUTION_RULES)]) {
    const cases = alertCases.filter((c) => c.alertname === rule.alert);
    assert.ok(
      cases.some((c) => c.exp_alerts.length === 0),
      `${rule.alert}: a case where it does not fire`,
    );
    assert.ok(
      cases.some((c) => c.exp_alerts.length > 0),
      `${rule.alert}: a case where it fires`,
    );
  }
  const exprCases = tests.flatMap((u) => u.promql_expr_test ?? []);
  for (const rule of rulesOf(RECORDING_RULES))
    assert.ok(
      exprCases.some((c) => c.expr === rule.record && c.exp_samples.length > 0),
      `${rule.record}: a tested value`,
    );
});

test('every alert has a for:, a severity, a summary and a description that says where to look; the recording rules rebuild the Python names', () => {
  const alerts = [...rulesOf(ALERT_RULES), ...rulesOf(EXECUTION_RULES)];
  const names = alerts.map((r) => r.alert);
  for (const wanted of [
    'TradingDrawdownHigh',
    'PortfolioValueFallingFast',
    'NoTradingSignal',
    'TradeFailureRatioHigh',
    'ModelDriftDetected',
    'ModelCalibrationErrorHigh',
    'ApiErrorRatioHigh',
    'ApiLatencyP95High',
    'ApiQuotaNearlyExhausted',
    'DbQueryP95High',
    'BotTargetDown',
    'BotHeartbeatStale',
    'OrderSlippageHigh',
    'OrderRejectRatioHigh',
    'OrdersSubmittedWithoutFills',
    'LeverageHigh',
    'UnrealizedLossHigh',
  ]) {
    assert.ok(names.includes(wanted), wanted);
  }
  for (const rule of alerts) {
    assert.match(rule.for ?? '', /^\d+[smh]$/, `${rule.alert}: for`);
    assert.ok(['critical', 'warning'].includes(rule.labels?.['severity'] ?? ''), `${rule.alert}: severity`);
    assert.ok(
      /^\{\{ with printf "last_over_time\(target_info\{.*\}\[1h\]\)" \$labels\.job \$labels\.instance \| query \}\}\{\{ with first \. \}\}\{\{ label "service_name" \. \}\} \(\{\{ \$labels\.instance \}\}\)\{\{ end \}\}\{\{ else \}\}\{\{ \$labels\.instance \}\}\{\{ end \}\}/.test(
        rule.annotations?.['summary'] ?? '',
      ),
      `${rule.alert}: the summary starts with the bot's service_name and instance`,
    );
    assert.match(
      rule.annotations?.['description'] ?? '',
      /\blook at\b|\bcheck\b/i,
      `${rule.alert}: the description says where to look`,
    );
  }
  assert.deepEqual(
    rulesOf(RECORDING_RULES)
      .map((r) => r.record)
      .sort(),
    [
      'cpu_usage_percent',
      'disk_usage_bytes',
      'disk_usage_percent',
      'memory_usage_bytes',
      'memory_usage_percent',
      'network_received_bytes',
      'network_sent_bytes',
      'process_count',
      'system_load',
      'uptime_seconds',
    ],
  );
});

test('amtool check-config accepts the Alertmanager config', (t) => {
  if (!requireBinary(t, 'amtool', 'apt-get install prometheus-alertmanager')) return;
  assert.match(check('amtool', ['check-config', join(DEPLOY, 'alertmanager', 'alertmanager.yml')]), /SUCCESS/);
});
