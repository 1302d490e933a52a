/**
 * The bench's command line: flags parsed into typed options (`node:util`'s `parseArgs` refuses
 * unknown flags and misused switches), and the rows those options ask for.
 */
import { parseArgs } from 'node:util';
import { rowsOf, type RowSpec } from './matrix';

const MAX_PARKED = 100_000;

export type BenchOptions = ReturnType<typeof parseBenchArgs>;

/** Parses the command line; throws an error naming the bad flag. */
export function parseBenchArgs(args: readonly string[]) {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      parked: { type: 'string' },
    },
  });
  const parked = values.parked === undefined ? undefined : Number(values.parked);
  if (parked !== undefined && !(Number.isInteger(parked) && parked >= 1 && parked <= MAX_PARKED)) {
    throw new Error(`Invalid bench flags: give --parked a whole number from 1 to ${MAX_PARKED}`);
  }
  return { ...values, parked };
}

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
