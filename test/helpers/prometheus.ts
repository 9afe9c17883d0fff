import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback (closed again at once, so whoever binds it next gets it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One sample of an instant vector as the HTTP API returns it. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A running server binary with its temp directory; `stop` ends it and removes the directory. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** What the process printed (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function startServer(
  binary: string,
  args: (dir: string, port: number) => string[],
  files: Record<string, string>,
  ready: string,
  prefix: string,
): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const port = await freePort();
  const child = spawn(binary, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: RunningServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    const res = await fetch(server.url + ready).catch(() => undefined);
    if (res?.ok) return server;
    await sleep(100);
  }
  await server.stop();
  throw new Error(`${binary} did not become ready on ${server.url}${ready}:\n${log}`);
}

/**
 * Starts Prometheus on a free loopback port with `config` (prometheus.yml text) and any extra files
 * (rule files, referenced relative to the config) in a temp directory that also holds the TSDB;
 * `flags` are added to its command line (e.g. `--enable-feature=exemplar-storage`).
 */
export function startPrometheus(
  config: string,
  files: Record<string, string> = {},
  flags: readonly string[] = [],
): Promise<RunningServer> {
  return startServer(
    'prometheus',
    (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...flags,
    ],
    { 'prometheus.yml': config, ...files },
    '/-/ready',
    'evil2root-prometheus-',
  );
}

/** Starts Debian's `prometheus-alertmanager` on a free loopback port with `config` (alertmanager.yml text). */
export function startAlertmanager(config: string): Promise<RunningServer> {
  return startServer(
    'prometheus-alertmanager',
    (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a free port of its own, so parallel test files never form a cluster.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { 'alertmanager.yml': config },
    '/-/ready',
    'evil2root-alertmanager-',
  );
}

/** Runs an instant query through the HTTP API; rejects with Prometheus's error text when it fails. */
export async function query(prometheus: RunningServer | string, expr: string): Promise<Sample[]> {
  const base = typeof prometheus === 'string' ? prometheus : prometheus.url;
  const res = await fetch(`${base}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] | [number, string] };
  };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`${expr}: ${body.error ?? res.status}`);
  if (body.data.resultType === 'scalar') {
    const [t, v] = body.data.result as [number, string];
    return [{ metric: {}, value: [t, v] }];
  }
  return body.data.result as Sample[];
}

/** Values of `label` on the series matching `selector`, as Grafana's `label_values(selector, label)`. */
export async function labelValues(prometheus: RunningServer, selector: string, label: string): Promise<string[]> {
  const url = `${prometheus.url}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({ 'match[]': selector })}`;
  const body = (await (await fetch(url)).json()) as { status: string; error?: string; data?: string[] };
  if (body.status !== 'success' || body.data === undefined)
    throw new Error(`label_values(${selector}, ${label}): ${body.error}`);
  return body.data;
}

/** A bot process started by a test: its metrics endpoint as Prometheus's target, and its output. */
export interface BotProcess {
  readonly target: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript bot script under this Node with the package's source condition and waits for
 * the `Metrics: http://localhost:<port>/metrics` line every bot here prints.
 */
export async function startBot(script: string, args: string[] = []): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--conditions=@evil2root/source', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed no metrics URL within 20 s:\n${log}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /Metrics: http:\/\/localhost:(\d+)\/metrics/.exec(log);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before printing its metrics URL:\n${log}`));
    });
  });
  return {
    target: `127.0.0.1:${port}`,
    child,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An alert as Alertmanager's webhook posts it, with when it arrived (ms). */
export interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  at: number;
}

/** A webhook receiver as Alertmanager calls it: every alert of every POST, in order, with when it came. */
export async function startWebhook(): Promise<{ url: string; alerts: WebhookAlert[]; close(): Promise<void> }> {
  const alerts: WebhookAlert[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const at = Date.now();
      alerts.push(...(JSON.parse(body) as { alerts: Omit<WebhookAlert, 'at'>[] }).alerts.map((a) => ({ ...a, at })));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    alerts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
