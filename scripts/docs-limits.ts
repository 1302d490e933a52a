/** Writes the limits table of docs/config.md from `src/contract/limits.ts`. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expectedLimitsPage, LIMITS_PAGE } from './limits-table';

async function main(): Promise<void> {
  await writeFile(LIMITS_PAGE, await expectedLimitsPage());
  console.log(`wrote the limits table of ${path.relative(process.cwd(), LIMITS_PAGE)}`);
}

main().catch((error: unknown) => {
  console.error(`Could not write the limits table: ${(error as Error).message}`);
  process.exit(1);
});
