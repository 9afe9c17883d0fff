/**
 * A real Prometheus scraping the endpoint as it asks by default (OpenMetrics, gzip) and, through a
 * proxy that rewrites its Accept header, in the plain text format: both jobs store the same series
 * with the same values, and the OpenMetrics job the exemplars. Prometheus 2.42 (Debian's) has no
 * `scrape_protocols`, hence the proxy.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import { stringify } from 'yaml';
import { requireBinary } from '../helpers/binaries.ts';
import { driveEverything } from '../helpers/drive.ts';
import { query, sleep, startPrometheus, type Sample } from '../helpers/prometheus.ts';
import { start, stopAll } from '../helpers/service.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await stopAll();
});

interface Exchange {
  readonly request: IncomingHttpHeaders;
  readonly response: IncomingHttpHeaders;
}

/**
 * Forwards `/as-asked/metrics` with Prometheus's headers and `/text/metrics` with `Accept:
 * text/plain;version=0.0.4` and no compression, and keeps the headers of each exchange by path.
 */
async function startProxy(target: string): Promise<{ port: number; exchanges: Map<string, Exchange[]> }> {
  const exchanges = new Map<string, Exchange[]>([
    ['/as-asked/metrics', []],
    ['/text/metrics', []],
  ]);
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    const headers: Record<string, string> = {};
    if (path === '/as-asked/metrics') {
      for (const name of ['accept', 'accept-encoding'])
        if (req.headers[name]) headers[name] = String(req.headers[name]);
    } else {
      headers['accept'] = 'text/plain;version=0.0.4';
    }
    request(new URL('/metrics', target), { headers }, (upstream) => {
      exchanges.get(path)?.push({ request: req.headers, response: upstream.headers });
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    })
      .on('error', () => res.writeHead(502).end())
      .end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { port: (server.address() as AddressInfo).port, exchanges };
}

const key = (s: Sample) => {
  const { job: _job, instance: _instance, ...labels } = s.metric;
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
};

test(
  'Prometheus scraping OpenMetrics with gzip stores the same series and values as scraping the text format, and the exemplars',
  { timeout: 60_000 },
  async (t) => {
    if (!requireBinary(t, 'prometheus')) return;
    const { monitoring } = await start({ maxSeriesPerMetric: 3 });
    await driveEverything(monitoring);
    for (const api of ['a', 'b', 'c', 'd', 'e']) monitoring.setApiQuotaRemaining({ api, remaining: 1 });
    monitoring.recordExecutedTrade({ symbol: 'ODD "quoted" \\ back\nslash', direction: 'buy', success: true });
    monitoring.recordTradingSignal({ symbol: 'ünïcødé/€', direction: 'sell', confidenceLevel: 1 });
    await monitoring.trackApiRequest('/api/orders', 'POST', async (call) => {
      call.exemplar = { order_id: 'o-42' };
      await sleep(30);
      return { status: 201 };
    });
    await monitoring.trackDbQuery(
      'insert',
      async () => {
        await sleep(30);
        return 1;
      },
      { exemplar: { order_id: 'o-43' } },
    );
    const proxy = await startProxy(monitoring.metricsUrl!);
    const job = (name: string, path: string) => ({
      job_name: name,
      metrics_path: path,
      static_configs: [{ targets: [`127.0.0.1:${proxy.port}`] }],
    });
    const prometheus = await startPrometheus(
      stringify({
        global: { scrape_interval: '1s', scrape_timeout: '1s' },
        scrape_configs: [job('as-asked', '/as-asked/metrics'), job('text', '/text/metrics')],
      }),
      {},
      ['--enable-feature=exemplar-storage'],
    );
    cleanup.push(prometheus.stop);

    // Both jobs up with every series of a scrape stored.
    const deadline = Date.now() + 30_000;
    let counts: Sample[] = [];
    for (;;) {
      counts = await query(prometheus, 'count by (job) ({job=~"as-asked|text"}) and on (job) (up == 1)');
      const scraped = await query(prometheus, 'count_over_time(up[1m])');
      if (counts.length === 2 && scraped.every((s) => Number(s.value[1]) >= 2)) break;
      if (Date.now() > deadline)
        assert.fail(`both jobs up and scraped: ${JSON.stringify(counts)}\n${prometheus.output()}`);
      await sleep(500);
    }

    const asAsked = proxy.exchanges.get('/as-asked/metrics')!.at(-1)!;
    assert.match(
      String(asAsked.request['accept']),
      /^application\/openmetrics-text/,
      'Prometheus asks for OpenMetrics',
    );
    assert.match(String(asAsked.request['accept-encoding']), /gzip/, 'and gzip');
    assert.equal(asAsked.response['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.equal(asAsked.response['content-encoding'], 'gzip');
    const text = proxy.exchanges.get('/text/metrics')!.at(-1)!;
    assert.equal(text.response['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(text.response['content-encoding'], undefined);

    const stored = async (name: string) => {
      const samples = await query(prometheus, `{job="${name}", __name__!~"up|scrape_.*"}`);
      return new Map(samples.map((s) => [key(s), s.value[1]]));
    };
    const fromOpenMetrics = await stored('as-asked');
    const fromText = await stored('text');
    assert.ok(fromText.size > 100, `${fromText.size} series`);
    assert.deepEqual([...fromOpenMetrics.keys()].sort(), [...fromText.keys()].sort(), 'the same series');
    // The dashboard's event-loop delay gauge moves between two scrapes; every other value stays put.
    const moving = (k: string) => k.includes('"nodejs_eventloop_delay');
    const values = (m: Map<string, string>) =>
      [...m].filter(([k]) => !moving(k)).sort(([a], [b]) => a.localeCompare(b));
    assert.deepEqual(values(fromOpenMetrics), values(fromText), 'the same values');
    // What the comparison covered: counters, histogram buckets, the overflow series, escaped and non-ASCII label values.
    const names = [...fromText.keys()].join('\n');
    for (const expected of [
      '["__name__","trading_signals_total"]',
      '["__name__","api_latency_seconds_bucket"]',
      '["le","+Inf"]',
      '["otel_metric_overflow","true"]',
      'ODD \\"quoted\\" \\\\ back\\nslash',
      'ünïcødé/€',
      '["__name__","target_info"]',
    ])
      assert.ok(names.includes(expected), `stored: ${expected}`);

    const now = Date.now() / 1000;
    const storedExemplars = async (query: string) => {
      const answer = (await (
        await fetch(
          `${prometheus.url}/api/v1/query_exemplars?${new URLSearchParams({ query, start: String(now - 60), end: String(now + 1) })}`,
        )
      ).json()) as {
        data: {
          seriesLabels: Record<string, string>;
          exemplars: { labels: Record<string, string>; value: string }[];
        }[];
      };
      return answer.data.flatMap((d) =>
        d.exemplars.map((e) => ({ job: d.seriesLabels['job'], orderId: e.labels['order_id'], value: e.value })),
      );
    };
    for (const [query, orderId] of [
      ['api_latency_seconds_bucket', 'o-42'],
      ['db_query_duration_seconds_bucket', 'o-43'],
    ] as const) {
      const kept = await storedExemplars(query);
      assert.ok(kept.length > 0, `Prometheus stored the exemplar of ${query}`);
      for (const e of kept) {
        assert.equal(e.job, 'as-asked', 'exemplars come with OpenMetrics only');
        assert.equal(e.orderId, orderId);
        assert.ok(Number(e.value) >= 0.029, e.value);
      }
    }

    const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { labels: { job: string }; lastError: string; health: string }[] };
    };
    for (const target of targets.data.activeTargets)
      assert.deepEqual([target.health, target.lastError], ['up', ''], target.labels.job);
  },
);
