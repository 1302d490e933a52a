/**
 * The pages `npm run docs` writes, by their path from the repository's root, each rendered from
 * the code it documents and formatted as `prettier --check` expects.
 */
import { format, resolveConfig } from 'prettier';
import path from 'node:path';
import { actionsPage } from './pages/actions';

/** Each generated page: its path, and how to render its Markdown. */
export const PAGES: Record<string, () => string> = {
  'docs/actions.md': actionsPage,
};

/** The repository's root. */
export const ROOT = path.resolve(__dirname, '..');

/** A page as it is written: rendered, then formatted by the project's Prettier config. */
export async function renderPage(page: string): Promise<string> {
  const file = path.join(ROOT, page);
  const options = await resolveConfig(file);
  return format(PAGES[page]!(), { ...options, filepath: file });
}
