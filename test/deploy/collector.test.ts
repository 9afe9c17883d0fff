import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readYaml, ROOT } from './deploy-files.ts';

// No Collector binary is packaged here, so the config is checked for structure, not run.
// Components of otel/opentelemetry-collector-contrib that the config may use.
const CONTRIB: Record<string, string[]> = {
  receivers: ['otlp', 'prometheus', 'hostmetrics', 'otlpjsonfile'],
  processors: ['memory_limiter', 'batch', 'resource', 'attributes', 'filter', 'transform', 'resourcedetection'],
  exporters: ['prometheus', 'prometheusremotewrite', 'debug', 'otlp', 'otlphttp', 'file'],
  extensions: ['health_check', 'pprof', 'zpages', 'bearertokenauth', 'basicauth'],
};
const KINDS = ['receivers', 'processors', 'exporters'] as const;

interface Config {
  receivers: Record<string, { protocols?: Record<string, { endpoint: string }> }>;
  processors: Record<string, unknown>;
  exporters: Record<string, { endpoint?: string }>;
  extensions?: Record<string, unknown>;
  service: { extensions?: string[]; pipelines: Record<string, Record<(typeof KINDS)[number], string[]>> };
}
const config = readYaml('otel-collector.yaml') as Config;
const type = (id: string) => id.split('/')[0]!;

test('every pipeline references receivers, processors and exporters the config defines, all from the contrib distribution', () => {
  const pipelines = Object.entries(config.service.pipelines);
  assert.deepEqual(
    pipelines.map(([name]) => type(name)),
    ['metrics'],
  );
  for (const [name, pipeline] of pipelines) {
    for (const kind of KINDS) {
      assert.ok(pipeline[kind].length > 0, `${name} has ${kind}`);
      for (const id of pipeline[kind]) assert.ok(id in config[kind], `${name}: ${kind} ${id} is defined`);
    }
  }
  for (const kind of [...KINDS, 'extensions'] as const) {
    for (const id of Object.keys(config[kind] ?? {}))
      assert.ok(CONTRIB[kind]?.includes(type(id)), `${kind} ${id} is a contrib component`);
  }
  for (const kind of KINDS) {
    const used = new Set(pipelines.flatMap(([, p]) => p[kind]));
    for (const id of Object.keys(config[kind])) assert.ok(used.has(id), `${kind} ${id} is used by a pipeline`);
  }
  for (const id of config.service.extensions ?? [])
    assert.ok(id in (config.extensions ?? {}), `extension ${id} is defined`);
});

test('OTLP on 4317 (gRPC) and 4318 (HTTP), memory_limiter first then batch, a prometheus and a debug exporter, and a commented remote-write alternative', () => {
  assert.match(config.receivers['otlp']?.protocols?.['grpc']?.endpoint ?? '', /:4317$/);
  assert.match(config.receivers['otlp']?.protocols?.['http']?.endpoint ?? '', /:4318$/);
  assert.deepEqual(config.service.pipelines['metrics']?.processors, ['memory_limiter', 'batch']);
  assert.deepEqual(config.service.pipelines['metrics']?.exporters.map(type).sort(), ['debug', 'prometheus']);
  const text = readFileSync(join(ROOT, 'otel-collector.yaml'), 'utf8');
  assert.match(text, /^ {2}# prometheusremotewrite:\n {2}# {3}endpoint: /m);
  assert.ok((text.match(/# change/g) ?? []).length >= 4, 'comments mark the lines a user changes');
});

test("Prometheus scrapes the Collector where its prometheus exporter listens, keeping each bot's job and instance", () => {
  const port = config.exporters['prometheus']?.endpoint?.split(':').pop();
  for (const file of ['prometheus-fleet.yml', 'prometheus-compose.yml']) {
    const prometheus = readYaml(`deploy/prometheus/${file}`) as {
      scrape_configs: { job_name: string; honor_labels?: boolean; static_configs: { targets: string[] }[] }[];
    };
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'otel-collector');
    assert.equal(job?.honor_labels, true, file);
    assert.ok(
      job?.static_configs[0]?.targets.every((t) => t.endsWith(`:${port}`)),
      `${file} scrapes :${port}`,
    );
  }
});
