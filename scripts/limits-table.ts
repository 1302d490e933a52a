/**
 * The limits table of docs/config.md, written from `src/contract/limits.ts`: each limit's
 * name, value and doc comment, so the page can never state a figure the code does not enforce.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as limits from '../src/contract/limits';
import { withMarkedSection } from './marked-section';
import { ROOT } from './pages';

export const LIMITS_SOURCE = path.join(ROOT, 'src', 'contract', 'limits.ts');
export const LIMITS_PAGE = path.join(ROOT, 'docs', 'config.md');

const KIB = 1024;
const MIB = 1024 * KIB;
const DURATION_UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

/** A limit's value in the unit its name says (`…_BYTES`, `…_MS`, `…_CHARS`, `…_LENGTH`). */
export function shownValue(name: string, value: number): string {
  const count = value.toLocaleString('en-US');
  if (name.endsWith('_BYTES')) {
    if (value % MIB === 0) return `${value / MIB} MiB`;
    if (value % KIB === 0) return `${value / KIB} KiB`;
    return `${count} bytes`;
  }
  if (name.endsWith('_MS')) {
    const [unit, ms] = DURATION_UNITS.find(([, ms]) => value % ms === 0) ?? ['ms', 1];
    return `${(value / ms).toLocaleString('en-US')} ${unit}`;
  }
  if (name.endsWith('_CHARS') || name.endsWith('_LENGTH')) return `${count} characters`;
  return count;
}

/** `/** … *\/` as one line of Markdown: `{@link X}` becomes `X`. */
function commentText(comment: string): string {
  return comment
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .join(' ')
    .replace(/\{@link\s+([^}]+)\}/g, '`$1`')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The Markdown table of every limit `source` (the text of limits.ts) exports, in its order.
 * Throws when one has no doc comment or is not a number: the page must explain each.
 */
export function limitsTable(
  source: string,
  values: Readonly<Record<string, unknown>> = limits,
): string {
  const rows: string[] = [];
  for (const match of source.matchAll(
    /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?export const (\w+)\b/g,
  )) {
    const [, comment, name] = match;
    const value = values[name!];
    if (comment === undefined || typeof value !== 'number') {
      throw new Error(
        `src/contract/limits.ts: ${name} needs a doc comment and a number value to be listed in docs/config.md`,
      );
    }
    rows.push(`| \`${name}\` | ${shownValue(name!, value)} | ${commentText(comment)} |`);
  }
  return ['| limit | value | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** docs/config.md as it should read, from the files on disk. */
export async function expectedLimitsPage(): Promise<string> {
  const [source, page] = await Promise.all([
    readFile(LIMITS_SOURCE, 'utf8'),
    readFile(LIMITS_PAGE, 'utf8'),
  ]);
  return withMarkedSection(page, LIMITS_PAGE, 'limits', limitsTable(source));
}
