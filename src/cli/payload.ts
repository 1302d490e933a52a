import { readFile } from 'node:fs/promises';
import { PayloadFileError } from '../contract/errors';
import { scanNesting } from '../contract/json-shape';
import { MAX_JSON_DEPTH } from '../contract/limits';

/** Where `tandem deliver --payload` reads from: `@file.json`, `@-` (stdin), or JSON text. */
export interface PayloadSources {
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
}

const defaultSources: PayloadSources = {
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/**
 * Reads and parses the payload of `tandem deliver`. `@path` reads a file, `@-` standard input,
 * anything else is taken as JSON text. Throws {@link PayloadFileError} naming the file and, for
 * invalid JSON, the line, column and offset of the first mistake; text nested deeper than a
 * payload may be is refused before it is parsed, naming where.
 */
export async function readPayload(
  argument: string,
  sources: PayloadSources = defaultSources,
): Promise<unknown> {
  let source: string;
  let text: string;
  if (argument.startsWith('@')) {
    const file = argument.slice(1);
    source = file === '-' ? 'standard input' : `payload file ${file}`;
    try {
      text = file === '-' ? await sources.readStdin() : await sources.readFile(file);
    } catch (cause) {
      throw new PayloadFileError(file, `cannot read ${source}: ${whyUnreadable(cause)}`, {
        cause,
      });
    }
  } else {
    source = '--payload';
    text = argument;
  }
  const tooDeep = scanNesting(text, MAX_JSON_DEPTH);
  if (tooDeep) {
    const { line, column } = lineAndColumn(text, tooDeep.offset);
    throw new PayloadFileError(
      source,
      `${source} nests deeper than ${MAX_JSON_DEPTH} levels at line ${line}, column ${column} ` +
        `(offset ${tooDeep.offset}); a payload may nest at most ${MAX_JSON_DEPTH} levels`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const offset = firstErrorOffset(text);
    const { line, column } = lineAndColumn(text, offset);
    throw new PayloadFileError(
      source,
      `${source} is not valid JSON: ${describeSyntaxError(cause as Error)} at line ${line}, column ${column} (offset ${offset})`,
      { cause },
    );
  }
}

/**
 * The offset of the first character that cannot continue valid JSON: the length of the longest
 * prefix that is still valid or only unfinished. V8 names the position for some mistakes and
 * not others, so it is found the same way for all of them.
 */
function firstErrorOffset(text: string): number {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (unfinishedAt(text.slice(0, middle))) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Whether `prefix` parses, or fails only because it ends too early. */
function unfinishedAt(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (message.includes('Unexpected end of JSON input')) return true;
    const position = /at position (\d+)/.exec(message)?.[1];
    return position !== undefined && Number(position) >= prefix.length;
  }
}

function whyUnreadable(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return `no such file (looked in ${process.cwd()})`;
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'EACCES') return 'permission denied';
  return message;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** V8's message without the input it quotes and the position (given separately). */
function describeSyntaxError(error: Error): string {
  return error.message
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
}
