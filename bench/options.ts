/**
 * The bench's command line: flags parsed into typed options (with an error naming each bad
 * flag), and the rows those options ask for.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { rowsOf, type RowSpec } from './matrix';

/** Most deliveries `--parked` parks at once. */
const MAX_PARKED = 100_000;
const parkedError = `give --parked a whole number from 1 to ${MAX_PARKED}`;

const optionsSchema = z.strictObject({
  quick: z.boolean().default(false),
  out: z.string().optional(),
  only: z.string().optional(),
  skip: z.string().optional(),
  parked: z.coerce
    .number({ error: parkedError })
    .int({ error: parkedError })
    .min(1, { error: parkedError })
    .max(MAX_PARKED, { error: parkedError })
    .optional(),
});

/** The benchmark's flags, parsed. */
export type BenchOptions = z.output<typeof optionsSchema>;

/** The flags that take no value; every other flag takes one. */
const SWITCHES = new Set(['quick']);

/** Parses the command line; throws an error naming every bad flag. */
export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const keys = Object.keys(optionsSchema.shape);
  const { values } = parseArgs({
    args: [...args],
    options: Object.fromEntries(
      keys.map((key) => [key, { type: SWITCHES.has(key) ? 'boolean' : 'string' } as const]),
    ),
  });
  const result = optionsSchema.safeParse(Object.fromEntries(keys.map((key) => [key, values[key]])));
  if (!result.success) throw new Error(`Invalid bench flags:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** The rows the options ask for. */
export function rowsFor(o: BenchOptions): RowSpec[] {
  return rowsOf(o.quick)
    .filter((row) => o.only === undefined || row.name.includes(o.only))
    .filter((row) => o.skip === undefined || !row.name.includes(o.skip))
    .map((row) =>
      row.kind === 'parked' && o.parked !== undefined
        ? { ...row, deliveries: o.parked, capMs: undefined }
        : row,
    );
}
