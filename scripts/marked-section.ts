/**
 * A generated part of a hand-written page: the text between `<!-- NAME:start -->` and
 * `<!-- NAME:end -->`, which `npm run docs` rewrites and test/unit/docs.test.ts compares.
 */
import { format, resolveConfig } from 'prettier';

/** `page` (the text of `file`) with `table` between its `name` markers, formatted by Prettier. */
export async function withMarkedSection(
  page: string,
  file: string,
  name: string,
  table: string,
): Promise<string> {
  const startMarker = `<!-- ${name}:start -->`;
  const endMarker = `<!-- ${name}:end -->`;
  const start = page.indexOf(startMarker);
  const end = page.indexOf(endMarker);
  if (start < 0 || end < start) {
    throw new Error(`${file} must hold ${startMarker} and ${endMarker}, in that order`);
  }
  const text = `${page.slice(0, start + startMarker.length)}\n\n${table}\n\n${page.slice(end)}`;
  const options = await resolveConfig(file);
  return format(text, { ...options, filepath: file });
}
