import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGES, renderPage, ROOT } from '../../scripts/pages';

describe('generated docs', () => {
  it.each(Object.keys(PAGES))(
    '%s is what its source generates (run npm run docs)',
    async (page) => {
      const written = await readFile(path.join(ROOT, page), 'utf8');
      expect(written).toBe(await renderPage(page));
    },
  );

  it('lists every operator action with its route, verb and input', async () => {
    const page = await renderPage('docs/actions.md');
    for (const expected of [
      '`POST /v1/deliveries/{id}/retry-now` (scope `operate`) → 200',
      '`tandem extend ID --leg … --duration … [--note …]`',
      'update and signal `extendDeadline`: `{"leg", "duration": "10m", "by", "note"?}`',
      "Temporal's cancel request",
      '`note` (required): at most 500 characters, not blank.',
    ]) {
      expect(page).toContain(expected);
    }
  });
});
