/**
 * A bot 20 % below its equity peak is killed with SIGKILL while TradingDrawdownHigh fires, and
 * restarted on the same port and state directory. With a real Prometheus and Alertmanager and the
 * shipped alert rules: the alert never resolves (keep_firing_for bridges the stale gap, the SDK
 * restores the drawdown before its first scrape), and the closed-trade counters continue from where
 * the last scrape saw them: no reset, no jump.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { requireBinary } from '../helpers/binaries.ts';
import { parseExposition } from '../helpers/exposition.ts';
import {
  freePort,
  query,
  sleep,
  startAlertmanager,
  startBot,
  startPrometheus,
  startWebhook,
  type BotProcess,
  type RunningServer,
  type WebhookAlert,
} from '../helpers/prometheus.ts';
import { ALERT_RULES, ROOT } from '../deploy/deploy-files.ts';

const BOT = join(ROOT, 'test', 'fixtures', 'state', 'drawdown-bot.ts');
const ALERT = 'TradingDrawdownHigh';
const DRAWDOWN = 0.2;
/** How long the restarted bot runs before the final checks (it sends its equity again after 10 s). */
const RESUMED_MS = 20_000;

/** Polls `check` every 250 ms until it holds or `ms` pass; returns whether it held. */
async function until(ms: number, check: () => Promise<boolean> | boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** The samples of a range-vector query (`expr` ends in `[range]`), per series. */
async function rangeSamples(prometheus: RunningServer, expr: string): Promise<[number, string][][]> {
  const res = await fetch(`${prometheus.url}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: expr }),
  });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: { values: [number, string][] }[] };
  };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`${expr}: ${body.error ?? res.status}`);
  return body.data.result.map((r) => r.values);
}

/** The one value of an instant query, or undefined when it returns nothing. */
async function value(prometheus: RunningServer, expr: string): Promise<number | undefined> {
  const [sample] = await query(prometheus, expr);
  return sample === undefined ? undefined : Number(sample.value[1]);
}

/** What the bot printed: trades recorded so far, and its restored figures. */
const tradesOf = (bot: BotProcess): number => Number([...bot.output().matchAll(/^trades (\d+)$/gm)].at(-1)?.[1] ?? 0);
function restoredOf(bot: BotProcess): { closed: number; drawdown: number | undefined } {
  const match = /^restored (\S+) (\S+)$/m.exec(bot.output());
  assert.ok(match !== null, `the bot printed its restored figures:\n${bot.output()}`);
  return { closed: Number(match[1]), drawdown: match[2] === 'none' ? undefined : Number(match[2]) };
}

const near = (got: number | undefined, want: number) => got !== undefined && Math.abs(got - want) <= 1e-9;

test(
  'a bot killed with SIGKILL while TradingDrawdownHigh fires and restarted on its state directory: the alert never resolves and its counters neither reset nor jump',
  { timeout: 90_000 },
  async (t) => {
    if (!requireBinary(t, 'prometheus')) return;
    if (!requireBinary(t, 'prometheus-alertmanager', 'apt-get install prometheus-alertmanager')) return;
    const started = Date.now();
    const cleanup: (() => Promise<void>)[] = [];
    try {
      const stateDir = await mkdtemp(join(tmpdir(), 'evil2root-restart-alerts-'));
      cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
      const port = await freePort();
      const instance = `127.0.0.1:${port}`;
      const sel = `instance="${instance}"`;

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
          receivers: [{ name: 'test', webhook_configs: [{ url: webhook.url, send_resolved: true }] }],
        }),
      );
      cleanup.push(alertmanager.stop);

      // The shipped one-bot config with this bot as its target, a 1 s scrape and evaluation, and the
      // Alertmanager above; the shipped alert rules with every `for:` at 1 s (keep_firing_for as shipped).
      const config = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
        global: Record<string, string>;
        rule_files: string[];
        alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      };
      config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
      config.rule_files = ['alerts.yml'];
      config.alerting.alertmanagers[0]!.static_configs[0]!.targets = [`127.0.0.1:${alertmanager.port}`];
      config.scrape_configs[0]!.static_configs[0]!.targets = [instance];
      const alerts = parse(readFileSync(join(ROOT, ALERT_RULES), 'utf8')) as {
        groups: { rules: { alert?: string; for?: string; keep_firing_for?: string }[] }[];
      };
      const rules = alerts.groups.flatMap((g) => g.rules);
      for (const rule of rules) rule.for = '1s';
      assert.equal(rules.find((r) => r.alert === ALERT)?.keep_firing_for, '5m', `the shipped ${ALERT} keeps firing 5m`);
      const prometheus = await startPrometheus(stringify(config), { 'alerts.yml': stringify(alerts) });
      cleanup.push(prometheus.stop);

      // 1. The bot falls 20 % below its peak; the alert reaches the webhook.
      const crashed = await startBot(BOT, [stateDir, String(port), 'crash']);
      cleanup.push(crashed.stop);
      assert.equal(restoredOf(crashed).closed, 0, 'a fresh state directory: no trades yet');
      const crashExit = new Promise<NodeJS.Signals | number | null>((resolve) =>
        crashed.child.once('exit', (code, signal) => resolve(signal ?? code)),
      );
      const firing = (a: WebhookAlert) =>
        a.labels['alertname'] === ALERT && a.labels['instance'] === instance && a.status === 'firing';
      assert.ok(
        await until(60_000, () => webhook.alerts.some(firing)),
        `Alertmanager delivered ${ALERT} firing; the webhook got ${JSON.stringify(webhook.alerts)}\n${prometheus.output()}${alertmanager.output()}`,
      );
      const firedAfter = Date.now() - started;

      // 2. SIGKILL; Prometheus fails a scrape (the series go stale), and the alert keeps firing.
      crashed.child.kill('SIGKILL');
      const killedAt = Date.now();
      assert.equal(await crashExit, 'SIGKILL');
      const crashTrades = tradesOf(crashed);
      const alertAbsent: string[] = [];
      const watchAlert = async () => {
        const firingNow = await query(prometheus, `ALERTS{alertname="${ALERT}",alertstate="firing",${sel}}`);
        if (firingNow.length === 0) alertAbsent.push(`${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
      };
      assert.ok(
        await until(10_000, async () => {
          await watchAlert();
          return (await value(prometheus, `up{${sel}}`)) === 0;
        }),
        'Prometheus saw the target down',
      );
      // The last value Prometheus scraped from the killed bot (range selections skip the stale markers).
      const lastScraped = await value(prometheus, `sum(last_over_time(trades_closed_total{${sel}}[1m]))`);
      assert.ok(lastScraped !== undefined && lastScraped > 0, `Prometheus scraped closed trades: ${lastScraped}`);
      await until(3000 - (Date.now() - killedAt), async () => {
        await watchAlert();
        return false;
      });

      // 3. Restart on the same port and state directory: the figures come back before the first scrape.
      const resumed = await startBot(BOT, [stateDir, String(port), 'resume']);
      cleanup.push(resumed.stop);
      const restartedAt = Date.now();
      const restored = restoredOf(resumed);
      assert.ok(near(restored.drawdown, DRAWDOWN), `the restored drawdown{basis="equity"}: ${restored.drawdown}`);
      assert.ok(
        restored.closed >= lastScraped,
        `restored trades_closed_total ${restored.closed} >= ${lastScraped}, the last value Prometheus scraped`,
      );
      const scrape = await fetch(`http://${instance}/metrics`);
      assert.equal(scrape.status, 200);
      const exposed = parseExposition(await scrape.text()).samples;
      const scrapedDrawdown = exposed.find((s) => s.name === 'drawdown' && s.labels['basis'] === 'equity')?.value;
      assert.ok(near(scrapedDrawdown, DRAWDOWN), `the first scrape after the restart: drawdown ${scrapedDrawdown}`);
      assert.ok(
        exposed.filter((s) => s.name === 'trades_closed_total').reduce((sum, s) => sum + s.value, 0) >= lastScraped,
        'the first scrape after the restart: no closed trade below what Prometheus saw',
      );
      assert.ok(
        await until(10_000, async () => {
          await watchAlert();
          return (await value(prometheus, `up{${sel}}`)) === 1;
        }),
        'Prometheus scrapes the restarted bot',
      );
      assert.ok(
        near(await value(prometheus, `drawdown{basis="equity",${sel}}`), DRAWDOWN),
        `Prometheus's first drawdown of the restarted bot is ${DRAWDOWN}`,
      );

      // 4. It runs on (its equity comes again after 10 s); the alert stays firing throughout.
      await until(RESUMED_MS - (Date.now() - restartedAt), async () => {
        await watchAlert();
        return false;
      });
      await watchAlert();
      const resolved = webhook.alerts.filter((a) => a.labels['alertname'] === ALERT && a.status === 'resolved');
      assert.deepEqual(resolved, [], `the webhook never got ${ALERT} resolved`);
      assert.deepEqual(alertAbsent, [], `${ALERT} was firing in Prometheus at every check after the kill`);
      assert.ok(
        (await query(prometheus, `ALERTS{alertname="${ALERT}",alertstate="firing",${sel}}`)).length === 1,
        `${ALERT} fires at the end`,
      );

      // Every drawdown Prometheus stored for the bot, before the kill and after the restart, is 20 %.
      const seconds = Math.ceil((Date.now() - started) / 1000) + 5;
      const drawdowns = await rangeSamples(prometheus, `drawdown{basis="equity",${sel}}[${seconds}s]`);
      assert.equal(drawdowns.length, 1);
      const after = drawdowns[0]!.filter(([at]) => at * 1000 >= restartedAt - 1000);
      assert.ok(after.length >= 10, `samples after the restart: ${after.length}`);
      assert.deepEqual(
        drawdowns[0]!.filter(([, v]) => !near(Number(v), DRAWDOWN)),
        [],
        'every scraped drawdown is 0.2',
      );

      // The counters: no reset across the restart, and no more increase than trades were recorded.
      const resets = await value(prometheus, `sum(resets(trades_closed_total{${sel}}[5m]))`);
      const increase = await value(prometheus, `sum(increase(trades_closed_total{${sel}}[5m]))`);
      const recorded = crashTrades + tradesOf(resumed);
      assert.equal(resets, 0, 'Prometheus saw no counter reset across the restart');
      assert.ok(
        increase !== undefined && increase > 0 && increase <= recorded + 2,
        `increase(trades_closed_total[5m]) = ${increase}, trades recorded by both processes: ${recorded}`,
      );
      t.diagnostic(
        `${ALERT} delivered ${(firedAfter / 1000).toFixed(1)} s after the start; killed with ${crashTrades} trades recorded, Prometheus had scraped ${lastScraped}, ${restored.closed} restored; increase ${increase?.toFixed(2)} for ${recorded} trades recorded; webhook notifications: ${webhook.alerts.map((a) => `${a.labels['alertname']} ${a.status}`).join(', ')}; ${Math.round((Date.now() - started) / 1000)} s`,
      );
    } finally {
      for (const stop of cleanup.reverse()) await stop();
    }
  },
);
