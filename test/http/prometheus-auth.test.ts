import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { requireBinary } from '../helpers/binaries.ts';
import { start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a real Prometheus scrapes the protected endpoint with the bearer token of the docs, and gets 401 without it', async (t) => {
  if (!requireBinary(t, 'prometheus')) return;
  const { monitoring } = await start({ auth: { bearerToken: 's3cret-token' } });
  const target = new URL(monitoring.metricsUrl!).host;
  const dir = await mkdtemp(join(tmpdir(), 'evil2root-prom-auth-'));
  const port = await freePort();
  // The same blocks as the README and deploy/prometheus examples.
  await writeFile(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      '  - job_name: with-token',
      '    authorization: { type: Bearer, credentials: s3cret-token }',
      `    static_configs: [{ targets: ['${target}'] }]`,
      '  - job_name: without-token',
      `    static_configs: [{ targets: ['${target}'] }]`,
      '',
    ].join('\n'),
  );
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=error',
    ],
    { stdio: 'ignore' },
  );
  try {
    const up = async (job: string) => {
      const res = await fetch(
        `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"}`)}`,
      ).catch(() => undefined);
      if (res === undefined || !res.ok) return undefined;
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1];
    };
    let withToken: string | undefined;
    let withoutToken: string | undefined;
    for (let i = 0; i < 150 && (withToken === undefined || withoutToken === undefined); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      withToken = await up('with-token');
      withoutToken = await up('without-token');
    }
    assert.equal(withToken, '1', 'the scrape with the token succeeds');
    assert.equal(withoutToken, '0', 'the scrape without it is refused');
  } finally {
    prometheus.kill('SIGTERM');
    await new Promise((resolve) => prometheus.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
});
