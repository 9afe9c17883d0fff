import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DEPLOY = join(ROOT, 'deploy');
export const readYaml = (path: string): unknown => parse(readFileSync(join(ROOT, path), 'utf8'));

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rules of one rules file, every group together. */
export function rulesOf(path: string): Rule[] {
  const file = readYaml(path) as { groups: { rules: Rule[] }[] };
  return file.groups.flatMap((g) => g.rules);
}

export const RECORDING_RULES = 'deploy/prometheus/rules/recording.yml';
export const ALERT_RULES = 'deploy/prometheus/rules/alerts.yml';
export const EXECUTION_RULES = 'deploy/prometheus/rules/execution.yml';
export const DASHBOARD = 'deploy/grafana/dashboards/evil2root-bot.json';

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
export interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
}

export const dashboard = (): Dashboard => JSON.parse(readFileSync(join(ROOT, DASHBOARD), 'utf8')) as Dashboard;

/** Every PromQL expression of the dashboard, with its panel's title; rows' nested panels included. */
export function dashboardExpressions(d: Dashboard = dashboard()): { panel: string; expr: string }[] {
  const walk = (panels: Panel[]): { panel: string; expr: string }[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
      ...walk(p.panels ?? []),
    ]);
  return walk(d.panels);
}

/** The dashboard's query variables: name, the selector of `label_values(selector, label)`, and the label. */
export function queryVariables(d: Dashboard = dashboard()): { name: string; selector: string; label: string }[] {
  return d.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const text = typeof v.query === 'string' ? v.query : v.query.query;
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(text);
      if (match?.[1] === undefined || match[2] === undefined)
        throw new Error(`variable ${v.name}: not label_values(selector, label): ${text}`);
      return { name: v.name, selector: match[1], label: match[2] };
    });
}

/** Grafana's substitution: a variable becomes a regex of its selected values (several as `(a|b)`), escaped. */
export function substitute(text: string, values: Record<string, string[]>, rateInterval = '1m'): string {
  let out = text.replaceAll('$__rate_interval', rateInterval);
  for (const [name, vs] of Object.entries(values)) {
    // Two backslashes: one for the PromQL string, one for the regex.
    const escaped = vs.map((v) => v.replace(/[\\^$.|?*+()[\]{}]/g, '\\\\$&'));
    out = out.replaceAll(`$${name}`, escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`);
  }
  return out;
}
