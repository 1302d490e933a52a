import type { Command } from 'commander';
import type { BatchProgress, BulkAction, TandemClient } from '../client/client';
import { BatchIncompleteError } from '../contract/action-errors';
import { operatorIdentity, withClient, type ConfigSource, type Print } from './deliveries';
import { examples } from './options';

/** Where a followed bulk action's progress goes: one line redrawn on a terminal. */
export interface ProgressOutput {
  /** Redraws the progress line in place (a terminal); absent: each change is a line of its own. */
  redraw?: (line: string) => void;
}

/** The flags of a bulk action (beside the action's own, such as `--note`). */
export interface BulkFlags {
  status?: string;
  target?: string;
  since?: string;
  all?: boolean;
  dryRun?: boolean;
  wait: boolean;
  json?: boolean;
}

/** The bulk-only flags given, as typed (any of them beside a delivery id is a usage mistake). */
export function bulkOnlyFlags(flags: Readonly<Record<string, unknown>>): string[] {
  const given = (['status', 'target', 'since', 'all', 'dryRun', 'json'] as const)
    .filter((flag) => flags[flag] !== undefined)
    .map((flag) => (flag === 'dryRun' ? '--dry-run' : `--${flag}`));
  return flags.wait === false ? [...given, '--no-wait'] : given;
}

/** How often a followed bulk action is asked how far it got. */
const FOLLOW_EVERY_MS = 500;

/** `12 done / 0 failed / 40 total`. */
function counts({ done, failed, total }: BatchProgress): string {
  return `${done} done / ${failed} failed / ${total} total`;
}

function printJson(print: Print, value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/**
 * Follows a bulk action until the server says it has ended, reporting each change of its
 * counts: redrawn in place on a terminal, a line each otherwise. Returns its last state.
 */
async function follow(
  client: TandemClient,
  id: string,
  print: Print,
  { redraw }: ProgressOutput,
): Promise<BatchProgress> {
  let shown = '';
  for (;;) {
    const progress = await client.batch(id);
    const line = `${id}: ${progress.state}, ${counts(progress)}`;
    if (line !== shown) {
      if (redraw) redraw(line);
      else print(line);
      shown = line;
    }
    if (progress.state !== 'running') {
      if (redraw) print('');
      return progress;
    }
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
  }
}

/**
 * Runs `action` over the deliveries the flags select: counts them with `--dry-run`; otherwise
 * starts one server-side batch and, unless `--no-wait`, follows it to its end. Throws
 * {@link BatchIncompleteError} when it ended with runs it could not reach.
 */
export async function runBulk(
  source: ConfigSource,
  action: BulkAction,
  flags: BulkFlags & { note?: string },
  print: Print,
  output: ProgressOutput,
): Promise<void> {
  const request = {
    selection: {
      ...(flags.status !== undefined && { status: flags.status }),
      ...(flags.target !== undefined && { target: flags.target }),
      ...(flags.since !== undefined && { since: flags.since }),
      ...(flags.all && { all: true }),
    },
    ...(flags.note !== undefined && { note: flags.note }),
  };
  await withClient(source, async (client) => {
    if (flags.dryRun) {
      const counted = await client.countBulk(action, request);
      if (flags.json) return printJson(print, counted);
      print(`Dry run: ${action} would act on ${counted.count} deliveries; nothing was started.`);
      print(`Query: ${counted.query}`);
      return;
    }
    const started = await client.startBulk(action, request, operatorIdentity());
    if (!flags.json) {
      print(
        `Bulk ${action} ${started.batchId} started on ${started.count} deliveries: it runs on ` +
          'the Temporal server and goes on if this command stops.',
      );
      print(`Query: ${started.query}`);
    }
    if (!flags.wait) {
      if (flags.json) return printJson(print, started);
      print(`Follow it: tandem batch status ${started.batchId}`);
      return;
    }
    const ended = await follow(client, started.batchId, flags.json ? () => {} : print, {
      ...(!flags.json && output),
    });
    if (flags.json) printJson(print, ended);
    if (ended.state !== 'completed' || ended.failed > 0) {
      throw new BatchIncompleteError(ended.id, ended.state, counts(ended));
    }
  });
}

/** A bulk action as `tandem batch status` prints it. */
function batchLines(batch: BatchProgress): string[] {
  return [
    `Bulk action ${batch.id}: ${batch.state}, ${counts(batch)}`,
    `  ${batch.reason || batch.operation} (started by ${batch.by || 'unknown'})`,
    ...(batch.startedAt ? [`  started ${batch.startedAt}`] : []),
    ...(batch.closedAt ? [`  ended   ${batch.closedAt}`] : []),
    ...(batch.query ? [`  query   ${batch.query}`] : []),
  ];
}

/** `tandem batch status ID`: a bulk action as the Temporal server keeps it. */
export function registerBatch(cli: Command, source: () => ConfigSource, print: Print): void {
  const batch = cli
    .command('batch')
    .summary('see a bulk action (retry, resolve or cancel over a query)')
    .description(
      'See a bulk action started by "tandem retry|resolve|cancel --status …": the Temporal ' +
        'server runs it as a batch operation, so it goes on after the command that started it ' +
        'stops.',
    );
  batch
    .command('status')
    .summary("show a bulk action's state and counts")
    .description(
      "Show a bulk action's state (running, completed, failed), how many deliveries it has " +
        'reached, failed to reach, and selected in all, who started it and its query.',
    )
    .argument('<id>', "the bulk action's id (tandem-batch-…)")
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', examples('$ tandem batch status tandem-batch-8c1f…'))
    .action(async (id: string, options: { json?: boolean }) => {
      const found = await withClient(source(), (client) => client.batch(id));
      if (options.json) printJson(print, found);
      else batchLines(found).forEach((line) => print(line));
    });
}
