import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The Tandem Grafana dashboard, as docker-compose.yml provisions it. */
export const DASHBOARD_FILE = path.resolve(
  __dirname,
  '..',
  '..',
  'deploy',
  'grafana',
  'tandem.json',
);

/** One PromQL query of the dashboard, with the panel that shows it. */
export interface DashboardQuery {
  panel: string;
  expr: string;
}

/** Every PromQL query of the dashboard, panel by panel. */
export function dashboardQueries(file = DASHBOARD_FILE): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
  );
}

/**
 * The metric families a query reads: Tandem's and the SDK's names in it, a histogram's
 * `_bucket`, `_sum` and `_count` series counted as their family.
 */
export function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/\b(?:tandem|temporal)_[a-z0-9_]+\b/g)].map(([name]) =>
    name.replace(/_(bucket|sum|count)$/, ''),
  );
}
