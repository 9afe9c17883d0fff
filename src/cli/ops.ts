/**
 * `npx @evil2root/monitoring ops <dir>`: writes a ready monitoring stack for one bot from the files
 * this package ships in `deploy/`: a Prometheus config scraping the bot with the shipped recording
 * and alert rules, an Alertmanager config with the chosen receivers (Telegram, Discord, a webhook),
 * Grafana provisioning with the bot's dashboard, and the OpenTelemetry Collector config.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** What `ops` writes. */
export interface OpsOptions {
  /** Where the stack goes; created if missing. */
  readonly directory: string;
  /** The bot's metrics endpoint. */
  readonly host: string;
  readonly port: number;
  /** The bot's name: the Prometheus job, and what alerts call it. */
  readonly service: string;
  /** A file holding the bearer token the bot's endpoint wants (auth), for Prometheus to send. */
  readonly bearerTokenFile?: string | undefined;
  readonly telegram?: { readonly chatId: number; readonly tokenFile: string } | undefined;
  readonly discordWebhookUrlFile?: string | undefined;
  readonly webhookUrl?: string | undefined;
}

/** The package's root: the nearest folder above this module whose package.json is this package's. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@evil2root/monitoring'
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the @evil2root/monitoring package folder (its deploy/ files)');
    dir = parent;
  }
}

function readSecret(file: string, what: string): string {
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (value === '') throw new Error('it is empty');
    return value;
  } catch (error) {
    throw new Error(
      `${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      {
        cause: error,
      },
    );
  }
}

/** YAML scalar: JSON strings are valid YAML. */
const q = (value: string) => JSON.stringify(value);

function prometheusConfig(o: OpsOptions): string {
  const auth =
    o.bearerTokenFile === undefined
      ? ''
      : `    authorization:\n      type: Bearer\n      credentials_file: ${q(resolve(o.bearerTokenFile))}\n`;
  return `# Written by \`npx @evil2root/monitoring ops\` for ${o.service}.
#   prometheus --config.file=${join(o.directory, 'prometheus', 'prometheus.yml')}
global:
  scrape_interval: 15s
  evaluation_interval: 15s

rule_files:
  - rules/recording.yml
  - rules/alerts.yml
  - rules/execution.yml

alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:9093']

scrape_configs:
  - job_name: ${q(o.service)}
    static_configs:
      - targets: [${q(`${o.host}:${o.port}`)}]
        labels:
          bot: ${q(o.service)}
${auth}`;
}

function alertmanagerConfig(o: OpsOptions): string {
  const shipped = readFileSync(join(packageRoot(), 'deploy', 'alertmanager', 'alertmanager.yml'), 'utf8');
  // The shipped file's own run line (deploy/...) does not apply to the written copy.
  const head = shipped
    .slice(0, shipped.indexOf('receivers:'))
    .replace(/^# prometheus-alertmanager --config\.file=.*\n/, '');
  const configs: string[] = [];
  if (o.telegram !== undefined) {
    // Alertmanager 0.25 (Debian 12) takes the token inline; 0.26 and later also take bot_token_file.
    configs.push(
      `    telegram_configs:\n      - bot_token: ${q(readSecret(o.telegram.tokenFile, '--telegram-token-file'))}\n        chat_id: ${o.telegram.chatId}\n        parse_mode: ''\n        message: '{{ range .Alerts }}[{{ .Status }}] {{ .Annotations.summary }}{{ "\\n" }}{{ end }}'\n        send_resolved: true\n`,
    );
  }
  if (o.discordWebhookUrlFile !== undefined) {
    configs.push(
      `    discord_configs:\n      - webhook_url: ${q(readSecret(o.discordWebhookUrlFile, '--discord-webhook-url-file'))}\n        send_resolved: true\n`,
    );
  }
  if (o.webhookUrl !== undefined) {
    configs.push(`    webhook_configs:\n      - url: ${q(o.webhookUrl)}\n        send_resolved: true\n`);
  }
  const none =
    configs.length === 0
      ? '    # No receiver chosen: alerts show in the Alertmanager UI (http://127.0.0.1:9093) only. Run ops again with\n    # --telegram-chat-id and --telegram-token-file, --discord-webhook-url-file or --webhook-url.\n'
      : '';
  const inline =
    o.telegram === undefined && o.discordWebhookUrlFile === undefined
      ? ''
      : '# The secrets are copied in: Alertmanager 0.25 (Debian 12) reads no token file (0.26 and later take bot_token_file).\n';
  return `# Written by \`npx @evil2root/monitoring ops\` for ${o.service}; it holds secrets: keep it private (mode 0600).
${inline}#   prometheus-alertmanager --config.file=${join(o.directory, 'alertmanager', 'alertmanager.yml')}
${head}receivers:
  - name: trading-desk
${none}${configs.join('')}`;
}

/** Writes the stack; returns the files written. */
export function writeOpsStack(o: OpsOptions): string[] {
  const root = packageRoot();
  const deploy = join(root, 'deploy');
  const dir = resolve(o.directory);
  const written: string[] = [];
  const write = (path: string, text: string, mode = 0o644) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text, { mode });
    chmodSync(join(dir, path), mode);
    written.push(path);
  };
  const copy = (from: string, to: string) => {
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    copyFileSync(from, join(dir, to));
    written.push(to);
  };
  const opts = { ...o, directory: dir };
  write('prometheus/prometheus.yml', prometheusConfig(opts));
  copy(join(deploy, 'prometheus', 'rules', 'recording.yml'), 'prometheus/rules/recording.yml');
  copy(join(deploy, 'prometheus', 'rules', 'alerts.yml'), 'prometheus/rules/alerts.yml');
  copy(join(deploy, 'prometheus', 'rules', 'execution.yml'), 'prometheus/rules/execution.yml');
  write('alertmanager/alertmanager.yml', alertmanagerConfig(opts), 0o600);
  copy(join(deploy, 'grafana', 'dashboards', 'evil2root-bot.json'), 'grafana/dashboards/evil2root-bot.json');
  write(
    'grafana/provisioning/datasources/prometheus.yml',
    readFileSync(join(deploy, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8').replace(
      /url: http:\/\/prometheus:9090[^\n]*/,
      'url: http://127.0.0.1:9090',
    ),
  );
  write(
    'grafana/provisioning/dashboards/dashboards.yml',
    readFileSync(join(deploy, 'grafana', 'provisioning', 'dashboards', 'dashboards.yml'), 'utf8').replace(
      /path: [^\n]*/,
      `path: ${q(join(dir, 'grafana', 'dashboards'))}`,
    ),
  );
  copy(join(root, 'otel-collector.yaml'), 'otel-collector.yaml');
  write(
    'README.md',
    `# Monitoring stack for ${o.service}\n\nWritten by \`npx @evil2root/monitoring ops\`. The bot serves its metrics on http://${o.host}:${o.port}/metrics.\n\n` +
      '```sh\n' +
      `prometheus --config.file=${join(dir, 'prometheus/prometheus.yml')}             # :9090, scrapes the bot, evaluates the rules\n` +
      `prometheus-alertmanager --config.file=${join(dir, 'alertmanager/alertmanager.yml')}  # :9093, sends the alerts\n` +
      `GF_PATHS_PROVISIONING=${join(dir, 'grafana/provisioning')} grafana-server          # :3000, the bot's dashboard\n` +
      '```\n\nCheck them: `promtool check config prometheus/prometheus.yml` and `amtool check-config alertmanager/alertmanager.yml`.\n',
  );
  return written;
}

const USAGE = `usage: npx @evil2root/monitoring ops <directory> [--port 8000] [--host 127.0.0.1] [--service my-bot]
         [--bearer-token-file <file>] [--telegram-chat-id <id> --telegram-token-file <file>]
         [--discord-webhook-url-file <file>] [--webhook-url <url>]`;

/** Runs `ops` with command-line arguments; returns the exit status. */
export function opsCommand(args: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '8000' },
        host: { type: 'string', default: '127.0.0.1' },
        service: { type: 'string', default: 'evil2root-bot' },
        'bearer-token-file': { type: 'string' },
        'telegram-chat-id': { type: 'string' },
        'telegram-token-file': { type: 'string' },
        'discord-webhook-url-file': { type: 'string' },
        'webhook-url': { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const fail = (message: string) => {
    console.error(`${message}\n${USAGE}`);
    return 2;
  };
  if (positionals.length !== 1) return fail('ops takes one directory');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return fail(`--port must be a port number, got ${values.port}`);
  if (!/^[A-Za-z0-9_.:-]+$/.test(values.service)) return fail(`--service must be a name of letters, digits, _ . : -`);
  const chatId = values['telegram-chat-id'];
  const tokenFile = values['telegram-token-file'];
  if ((chatId === undefined) !== (tokenFile === undefined))
    return fail('--telegram-chat-id and --telegram-token-file go together');
  if (chatId !== undefined && !/^-?\d+$/.test(chatId))
    return fail(`--telegram-chat-id must be a number, got ${chatId}`);
  try {
    const written = writeOpsStack({
      directory: positionals[0]!,
      host: values.host,
      port,
      service: values.service,
      bearerTokenFile: values['bearer-token-file'],
      telegram: chatId === undefined ? undefined : { chatId: Number(chatId), tokenFile: tokenFile! },
      discordWebhookUrlFile: values['discord-webhook-url-file'],
      webhookUrl: values['webhook-url'],
    });
    console.log(
      `wrote ${written.length} files to ${resolve(positionals[0]!)}:\n  ${written.join('\n  ')}\nnext: read ${join(resolve(positionals[0]!), 'README.md')}`,
    );
    return 0;
  } catch (error) {
    console.error(`ops: ${(error as Error).message}`);
    return 1;
  }
}
