// Prints the README's metric table from the contract in src/contract/metrics.ts; `--write` puts it into the
// README between its markers. test/readme.test.ts keeps the two equal.
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
    const readme = readFileSync('README.md', 'utf8');
    const updated = readme.replace(
      /(<!-- metrics-table:start -->\n)[\s\S]*?(\n<!-- metrics-table:end -->)/,
      `$1${metricsTable()}$2`,
    );
    writeFileSync('README.md', updated);
  } else {
    console.log(metricsTable());
  }
}
