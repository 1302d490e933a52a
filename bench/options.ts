/**
 * The bench's command line: flags parsed into typed options (with an error naming each bad
 * flag), and the rows those options ask for.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { customRow, rowsOf, type RowSpec } from './matrix';
import type { Setup } from './setup';

const pollers = z.union([z.literal('autoscaling'), z.coerce.number().int().positive()]);

/** A whole number from 1 to `max`, with a message that names the flag. */
const count = (flag: string, max: number) => {
  const error = `give ${flag} a whole number from 1 to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(1, { error }).max(max, { error });
};

/** Most deliveries `--parked` parks at once. */
const MAX_PARKED = 100_000;

/** Most history shards and worker processes the bench starts (`tandem cluster`'s limits). */
export const MAX_SHARDS = 1024;
export const MAX_WORKER_PROCESSES = 32;

const optionsSchema = z
  .strictObject({
    deliveries: z.coerce.number().int().positive().optional(),
    concurrency: z.coerce.number().int().positive().optional(),
    latencyMs: z.coerce.number().int().nonnegative().optional(),
    legs: z.coerce.number().int().min(1).max(8).optional(),
    quick: z.boolean().default(false),
    levers: z.boolean().default(false),
    json: z.boolean().default(false),
    out: z.string().optional(),
    only: z.string().optional(),
    skip: z.string().optional(),
    partitions: z.union([z.literal('default'), z.coerce.number().int().positive()]).optional(),
    transferReads: z.coerce.number().int().positive().optional(),
    parked: count('--parked', MAX_PARKED).optional(),
    workflowPollers: pollers.optional(),
    activityPollers: pollers.optional(),
    cache: z.coerce.number().int().nonnegative().optional(),
    starter: z.enum(['client', 'app', 'gateway']).optional(),
    eagerStart: z.boolean().optional(),
    bulkhead: z.enum(['on', 'off']).optional(),
    cpuProf: z.string().optional(),
    cluster: z.boolean().default(false),
    shards: count('--shards', MAX_SHARDS).optional(),
    workerProcesses: count('--worker-processes', MAX_WORKER_PROCESSES).optional(),
    scaling: z.boolean().default(false),
  })
  .superRefine((o, context) => {
    const refuse = (message: string) => context.addIssue({ code: 'custom', message });
    if (o.shards !== undefined && !o.cluster) {
      refuse('--shards sets the history shards of the bench cluster: add --cluster');
    }
    if (o.cluster && o.partitions !== undefined && o.partitions !== 'default') {
      refuse(
        "--partitions is a dev-server lever (--dynamic-config-value); the cluster runs deploy/temporal's dynamic config as it is",
      );
    }
    if (o.cluster && o.transferReads !== undefined) {
      refuse(
        "--transfer-reads is a dev-server lever (--dynamic-config-value); the cluster runs deploy/temporal's dynamic config as it is",
      );
    }
    if (o.scaling) {
      if (!o.cluster) refuse('--scaling runs on the bench cluster: add --cluster');
      const clashing = [
        o.shards !== undefined && '--shards',
        o.workerProcesses !== undefined && '--worker-processes',
        o.levers && '--levers',
        (o.deliveries ?? o.concurrency ?? o.latencyMs ?? o.legs) !== undefined && 'a custom row',
      ].filter((flag) => flag !== false);
      if (clashing.length > 0) {
        refuse(
          `--scaling crosses its own shards and worker processes: drop ${clashing.join(', ')}`,
        );
      }
    }
  });

/** The benchmark's flags, parsed. */
export type BenchOptions = z.output<typeof optionsSchema>;

/** The flags that take no value; every other flag takes one. */
const SWITCHES = new Set(['quick', 'levers', 'json', 'eagerStart', 'cluster', 'scaling']);
/** An option's flag: `latencyMs` is `--latency-ms`. */
const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses the command line; throws an error naming every bad flag. */
export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const keys = Object.keys(optionsSchema.shape);
  const { values } = parseArgs({
    args: [...args],
    options: Object.fromEntries(
      keys.map((key) => [flagOf(key), { type: SWITCHES.has(key) ? 'boolean' : 'string' } as const]),
    ),
  });
  const result = optionsSchema.safeParse(
    Object.fromEntries(keys.map((key) => [key, values[flagOf(key)]])),
  );
  if (!result.success) throw new Error(`Invalid bench flags:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** The setup flags applied over `setup`. */
function withFlags(setup: Setup, o: BenchOptions): Setup {
  const { partitions, ...rest } = setup;
  return {
    ...rest,
    ...(o.partitions === undefined
      ? partitions !== undefined && { partitions }
      : o.partitions !== 'default' && { partitions: o.partitions }),
    ...(o.transferReads !== undefined && { transferReads: o.transferReads }),
    ...(o.workflowPollers !== undefined && { workflowPollers: o.workflowPollers }),
    ...(o.activityPollers !== undefined && { activityPollers: o.activityPollers }),
    ...(o.cache !== undefined && { maxCachedWorkflows: o.cache }),
    ...(o.starter !== undefined && { starter: o.starter }),
    ...(o.eagerStart !== undefined && { eagerStart: o.eagerStart }),
    ...(o.bulkhead !== undefined && { bulkhead: o.bulkhead === 'on' }),
    ...(o.workerProcesses !== undefined && { workerProcesses: o.workerProcesses }),
    ...(o.shards !== undefined && { historyShards: o.shards }),
  };
}

/** The rows the options ask for, and those left out on the cluster with why. */
export function rowsFor(o: BenchOptions): { rows: RowSpec[]; skipped: string[] } {
  const custom = o.deliveries ?? o.concurrency ?? o.latencyMs ?? o.legs;
  const rows =
    custom !== undefined && !o.scaling
      ? [
          customRow({
            deliveries: o.deliveries ?? 200,
            concurrency: o.concurrency ?? 20,
            latencyMs: o.latencyMs ?? 50,
            legs: o.legs ?? 2,
          }),
        ]
      : rowsOf(o.scaling ? 'scaling' : o.levers ? 'levers' : 'standard', o.quick);
  const chosen = rows
    .filter((row) => o.only === undefined || row.name.includes(o.only))
    .filter((row) => o.skip === undefined || !row.name.includes(o.skip))
    .map((row) => (o.levers || o.scaling ? row : { ...row, setup: withFlags(row.setup, o) }))
    .map((row) => {
      if (row.kind !== 'parked' || o.parked === undefined) return row;
      return { ...row, deliveries: o.parked, capMs: undefined };
    });
  if (!o.cluster) return { rows: chosen, skipped: [] };
  // Partitions are dev-server flags; the cluster keeps the one dynamic config it deploys.
  const isLever = (row: RowSpec) =>
    row.setup.partitions !== undefined || row.setup.transferReads !== undefined;
  return {
    rows: chosen.filter((row) => !isLever(row)),
    skipped: chosen
      .filter(isLever)
      .map(
        (row) =>
          `${row.name}: skipped on the cluster (task-queue partitions and transfer reads are dev-server levers; ` +
          "the cluster runs deploy/temporal's dynamic config as it is)",
      ),
  };
}
