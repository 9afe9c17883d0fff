// Checks a saved scrape: every metric of the contract, and the Node runtime metrics, are present with their types. Usage: node scripts/check-scrape.ts scrape.txt
import { readFileSync } from 'node:fs';
import { METRIC_LIST } from '../src/contract/metrics.ts';

const text = readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8');
const problems: string[] = [];
for (const def of METRIC_LIST) {
  if (def.group === 'self') continue; // present only when something was dropped or folded
  if (!new RegExp(`^# TYPE ${def.name} ${def.type}$`, 'm').test(text))
    problems.push(`${def.name}: no '# TYPE ${def.name} ${def.type}'`);
  const sample = def.type === 'histogram' ? `${def.name}_count` : def.name;
  if (!new RegExp(`^${sample}[{ ]`, 'm').test(text)) problems.push(`${def.name}: no sample`);
}
// Node runtime metrics (runtimeMetrics, on by default), as scraped: the families present at every collection.
const RUNTIME_FAMILIES = [
  ['nodejs_eventloop_utilization', 'gauge'],
  ['nodejs_eventloop_time_total', 'counter'],
  ['v8js_memory_heap_used', 'gauge'],
  ['v8js_resource_active', 'gauge'],
] as const;
for (const [name, type] of RUNTIME_FAMILIES) {
  if (!new RegExp(`^# TYPE ${name} ${type}$`, 'm').test(text)) problems.push(`${name}: no '# TYPE ${name} ${type}'`);
  if (!new RegExp(`^${name}[{ ]`, 'm').test(text)) problems.push(`${name}: no sample`);
}
if (problems.length > 0) {
  console.error(`scrape check: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(
  `scrape check: all ${METRIC_LIST.filter((d) => d.group !== 'self').length} domain metrics and ${RUNTIME_FAMILIES.length} runtime metrics present with their types`,
);
