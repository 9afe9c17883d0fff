// Prints the metric table of docs/metrics.md from the contract in src/contract/metrics.ts; `--write` puts it into the
// page between its markers. test/docs.test.ts keeps the two equal.
import { readFileSync, writeFileSync } from 'node:fs';
import { METRIC_LIST, type MetricDefinition } from '../src/contract/metrics.ts';

export function metricsTable(): string {
  const type = (d: MetricDefinition) =>
    d.type === 'histogram' ? `histogram (le ${d.buckets?.[0]} … ${d.buckets?.at(-1)})` : d.type;
  const rows = METRIC_LIST.map(
    (d) =>
      `| ${d.group} | \`${d.name}\` | ${type(d)} | ${d.labels.length ? d.labels.join(', ') : '—'} | ${d.description} |`,
  );
  return ['| group | name | type | labels | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

if (import.meta.main) {
  if (process.argv.includes('--write')) {
    const page = readFileSync('docs/metrics.md', 'utf8');
    const updated = page.replace(
      /(<!-- metrics-table:start -->\n)[\s\S]*?(\n<!-- metrics-table:end -->)/,
      `$1${metricsTable()}$2`,
    );
    writeFileSync('docs/metrics.md', updated);
  } else {
    console.log(metricsTable());
  }
}
