/**
 * `npx @evil2root/monitoring ops`: the stack it writes is accepted by the real promtool and amtool,
 * scrapes the given bot, sends alerts to the chosen receivers, and keeps the secrets private.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { requireBinary } from '../helpers/binaries.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function ops(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, 'ops', ...args], { encoding: 'utf8' });
}

test('ops writes a Prometheus, Alertmanager and Grafana stack for one bot, with Telegram and Discord receivers, checked by promtool and amtool', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ops-'));
  dirs.push(dir);
  await writeFile(join(dir, 'telegram-token'), '123456:AAE-secret\n');
  await writeFile(join(dir, 'discord-url'), 'https://discord.com/api/webhooks/1/secret\n');
  await writeFile(join(dir, 'bot-token'), 's3cret\n');
  const out = join(dir, 'monitoring');
  const run = ops(
    out,
    '--port',
    '8123',
    '--service',
    'my-bot',
    '--bearer-token-file',
    join(dir, 'bot-token'),
    // A group's chat id is negative: give it with `=`.
    '--telegram-chat-id=-100123',
    '--telegram-token-file',
    join(dir, 'telegram-token'),
    '--discord-webhook-url-file',
    join(dir, 'discord-url'),
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /wrote 10 files/);
  assert.match(run.stdout, /prometheus\/rules\/execution.yml/);

  const prometheus = parse(await readFile(join(out, 'prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: {
      job_name: string;
      static_configs: { targets: string[] }[];
      authorization: { credentials_file: string };
    }[];
  };
  assert.equal(prometheus.scrape_configs[0]!.job_name, 'my-bot');
  assert.deepEqual(prometheus.scrape_configs[0]!.static_configs[0]!.targets, ['127.0.0.1:8123']);
  assert.equal(prometheus.scrape_configs[0]!.authorization.credentials_file, join(dir, 'bot-token'));
  const alertmanager = parse(await readFile(join(out, 'alertmanager/alertmanager.yml'), 'utf8')) as {
    receivers: {
      telegram_configs: { chat_id: number; bot_token: string }[];
      discord_configs: { webhook_url: string }[];
    }[];
  };
  assert.equal(alertmanager.receivers[0]!.telegram_configs[0]!.chat_id, -100123);
  assert.equal(alertmanager.receivers[0]!.telegram_configs[0]!.bot_token, '123456:AAE-secret');
  assert.equal(alertmanager.receivers[0]!.discord_configs[0]!.webhook_url, 'https://discord.com/api/webhooks/1/secret');
  assert.equal((await stat(join(out, 'alertmanager/alertmanager.yml'))).mode & 0o777, 0o600, 'secrets are private');
  const dashboards = await readFile(join(out, 'grafana/provisioning/dashboards/dashboards.yml'), 'utf8');
  assert.ok(dashboards.includes(join(out, 'grafana/dashboards')));
  JSON.parse(await readFile(join(out, 'grafana/dashboards/evil2root-bot.json'), 'utf8'));

  if (requireBinary(t, 'promtool')) {
    // check config also checks the rule files it names.
    execFileSync('promtool', ['check', 'config', join(out, 'prometheus/prometheus.yml')], { stdio: 'pipe' });
  }
  if (requireBinary(t, 'amtool', 'apt-get install prometheus-alertmanager')) {
    execFileSync('amtool', ['check-config', join(out, 'alertmanager/alertmanager.yml')], { stdio: 'pipe' });
  }
});

test('ops without a receiver writes a valid Alertmanager config that says how to add one; bad arguments fail with the usage', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ops-'));
  dirs.push(dir);
  const run = ops(join(dir, 'm'));
  assert.equal(run.status, 0, run.stderr);
  const text = await readFile(join(dir, 'm/alertmanager/alertmanager.yml'), 'utf8');
  assert.match(text, /No receiver chosen/);
  if (requireBinary(t, 'amtool', 'apt-get install prometheus-alertmanager')) {
    execFileSync('amtool', ['check-config', join(dir, 'm/alertmanager/alertmanager.yml')], { stdio: 'pipe' });
  }
  for (const [args, message] of [
    [['--port', '99999', join(dir, 'x')], /--port must be a port number/],
    [['--telegram-chat-id', '1', join(dir, 'x')], /go together/],
    [
      ['--telegram-chat-id', '1', '--telegram-token-file', join(dir, 'missing'), join(dir, 'x')],
      /cannot read .*missing/,
    ],
    [[], /one directory/],
  ] as const) {
    const bad = ops(...args);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, message);
  }
});
