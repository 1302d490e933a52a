/**
 * `npm run docs`: writes every generated page (see `pages.ts`), the limits table of docs/config.md
 * and the metric list of docs/observability.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expectedLimitsPage, LIMITS_PAGE } from './limits-table';
import { expectedMetricsPage, METRICS_PAGE } from './metrics-table';
import { PAGES, renderPage, ROOT } from './pages';

async function main(): Promise<void> {
  for (const page of Object.keys(PAGES)) {
    const file = path.join(ROOT, page);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await renderPage(page));
    console.log(`wrote ${page}`);
  }
  await writeFile(LIMITS_PAGE, await expectedLimitsPage());
  console.log(`wrote the limits table of ${path.relative(ROOT, LIMITS_PAGE)}`);
  await writeFile(METRICS_PAGE, await expectedMetricsPage());
  console.log(`wrote the metric list of ${path.relative(ROOT, METRICS_PAGE)}`);
}

main().catch((error: unknown) => {
  console.error(`Could not write the docs: ${(error as Error).message}`);
  process.exit(1);
});
