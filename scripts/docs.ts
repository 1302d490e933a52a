/** `npm run docs`: writes every generated page (see `pages.ts`). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PAGES, renderPage, ROOT } from './pages';

async function main(): Promise<void> {
  for (const page of Object.keys(PAGES)) {
    const file = path.join(ROOT, page);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await renderPage(page));
    console.log(`wrote ${page}`);
  }
}

main().catch((error: unknown) => {
  console.error(`Could not write the docs: ${(error as Error).message}`);
  process.exit(1);
});
