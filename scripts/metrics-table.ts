// Prints the README's metric table from the contract in src/metrics.ts; test/readme.test.ts keeps the two equal.
import { METRIC_LIST, type MetricDefinition } from '../src/metrics.ts';

export function metricsTable(): string {
  const type = (d: MetricDefinition) => (d.type === 'histogram' ? `histogram (le ${d.buckets?.[0]} … ${d.buckets?.at(-1)})` : d.type);
  const rows = METRIC_LIST.map((d) => `| ${d.group} | \`${d.name}\` | ${type(d)} | ${d.labels.length ? d.labels.join(', ') : '—'} | ${d.description} |`);
  return ['| group | name | type | labels | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

if (import.meta.main) console.log(metricsTable());
