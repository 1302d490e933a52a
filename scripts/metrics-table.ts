/**
 * The metric list of docs/observability.md, written from `src/contract/metrics.ts`: every
 * metric Tandem exports with its type, labels, where it is served and what it means, so the page
 * can never name a metric the code does not export.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { METRICS, SDK_METRICS, type MetricSpec } from '../src/contract/metrics';
import { withMarkedSection } from './marked-section';
import { ROOT } from './pages';

export const METRICS_PAGE = path.join(ROOT, 'docs', 'observability.md');

const SERVED: Record<MetricSpec['source'], string> = {
  worker: 'each worker',
  gateway: 'gateway',
};

/** The Markdown table of every metric in `METRICS`, in its order, then the SDK's families. */
export function metricsTable(specs: readonly MetricSpec[] = Object.values(METRICS)): string {
  const rows = specs.map(
    (spec) =>
      `| \`${spec.name}\` | ${spec.type} | ${spec.labels.map((l) => `\`${l}\``).join(', ')} | ${SERVED[spec.source]} | ${spec.help.replace(/\|/g, '\\|')} |`,
  );
  return [
    '| metric | type | labels | served by | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `The SDK's own families that dashboards may use: ${SDK_METRICS.map((name) => `\`${name}\``).join(', ')}.`,
  ].join('\n');
}

/** docs/observability.md as it should read, from the file on disk. */
export async function expectedMetricsPage(): Promise<string> {
  return withMarkedSection(
    await readFile(METRICS_PAGE, 'utf8'),
    METRICS_PAGE,
    'metrics',
    metricsTable(),
  );
}
