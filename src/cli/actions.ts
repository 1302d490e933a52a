import { InvalidArgumentError, Option, type Command } from 'commander';
import { ACTION_FIELD_RULES, type ActionField } from '../contract/action-spec';
import { ACTION_NAMES, actionSpec, type ActionName } from '../contract/action-types';
import type { ActionRecord } from '../contract/action-record';
import { bulkStatuses } from '../contract/batch-selection';
import { isBulkAction, type BulkAction } from '../client/batch-actions';
import { operatorIdentity, withClient, type ConfigSource, type Print } from './deliveries';
import { bulkOnlyFlags, runBulk, type BulkFlags, type ProgressOutput } from './bulk';
import { ACTION_TRACING_HELP, examples } from './options';

/** What the run kept, in a line. */
function done(record: ActionRecord): string {
  const legs = record.legs?.join(', ') ?? '';
  const extra = record.duration === undefined ? '' : ` by ${record.duration}`;
  return `${record.action} ${legs}${extra} (by ${record.by}${record.note ? `: ${record.note}` : ''})`;
}

const PLACEHOLDER = {
  leg: 'target',
  note: 'text',
  duration: 'duration',
  by: 'name',
  batch: 'id',
} as const;

/** A flag's value, checked as the run would: a usage mistake (exit 2) rather than a refusal. */
function flagParser({ kind, missing }: ActionField): (value: string) => string {
  return (value) => {
    const problem =
      kind === 'duration'
        ? ACTION_FIELD_RULES.duration(value)
        : missing !== undefined && value.trim() === ''
          ? missing
          : undefined;
    if (problem !== undefined)
      throw new InvalidArgumentError(`${problem[0]!.toUpperCase()}${problem.slice(1)}.`);
    return value;
  };
}

/** Adds the flags that select deliveries for a bulk action, and its way of running. */
function addBulkFlags(command: Command, name: BulkAction): void {
  command
    .addOption(
      new Option('--status <status>', 'bulk: only deliveries in this status').choices(
        bulkStatuses(name),
      ),
    )
    .option('--target <name>', 'bulk: only deliveries with a leg to this target')
    .option('--since <duration>', 'bulk: only deliveries started within this long (e.g. 2h)')
    .option('--all', 'bulk: every delivery it applies to, when nothing else narrows the query')
    .option(
      '--dry-run',
      'bulk: count the deliveries it would act on and print the query; start nothing',
    )
    .option('--no-wait', 'bulk: print the bulk action id and exit; it goes on on the server')
    .option('--json', 'bulk: print the count (--dry-run) or the bulk action as JSON');
}

/** Registers one action's verb: its fields (those the run does not keep to itself) as flags. */
function registerAction(
  cli: Command,
  name: ActionName,
  source: () => ConfigSource,
  print: Print,
  output: ProgressOutput,
) {
  const { cli: verb, fields, bulk } = actionSpec(name);
  const bulkHelp = bulk
    ? ' Without an id, with --status, --target, --since or --all instead, it acts on every ' +
      'delivery they select, as one batch on the Temporal server that goes on if the command ' +
      'stops; the command follows its progress (done / failed / total) until it ends.'
    : '';
  const description =
    verb.description ?? `${verb.summary[0]!.toUpperCase()}${verb.summary.slice(1)}.`;
  const command = cli
    .command(verb.verb)
    .summary(verb.summary)
    .description(description + bulkHelp)
    .argument(bulk ? '[id]' : '<id>', "the delivery's id");
  for (const [key, field] of Object.entries(fields)) {
    if (field.runOnly) continue;
    const flag = `--${key} <${PLACEHOLDER[field.kind]}>`;
    const option = new Option(flag, field.about).argParser(flagParser(field));
    command.addOption(option.makeOptionMandatory(field.required === true));
  }
  if (isBulkAction(name)) addBulkFlags(command, name);
  const shown = [...(verb.examples ?? []), ...(bulk ? [bulk.example] : [])];
  if (shown.length > 0) command.addHelpText('after', examples(...shown));
  command.addHelpText('after', ACTION_TRACING_HELP);
  command.action(async (id: string | undefined, flags: Record<string, string | undefined>) => {
    if (isBulkAction(name)) {
      const bulkOnly = bulkOnlyFlags(flags);
      if (id !== undefined && bulkOnly.length > 0) {
        command.error(
          `tandem ${verb.verb} takes a delivery id or selection flags (${bulkOnly[0]}), not both`,
          { exitCode: 2, code: 'tandem.usage' },
        );
      }
      if (id === undefined) {
        if (flags.leg !== undefined) {
          command.error('--leg is for one delivery; a bulk retry retries every parked leg', {
            exitCode: 2,
            code: 'tandem.usage',
          });
        }
        const { reason, note } = flags;
        const text = reason ?? note;
        const bulkFlags = flags as unknown as BulkFlags;
        await runBulk(
          source(),
          name,
          { ...bulkFlags, ...(text !== undefined && { note: text }) },
          print,
          output,
        );
        return;
      }
    }
    if (id === undefined) return command.help({ error: true });
    const args = Object.fromEntries(
      Object.entries(flags).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && entry[0] in fields,
      ),
    );
    const kept = await withClient(source(), (client) =>
      client.act(id, name, args, operatorIdentity()),
    );
    print(verb.said ? verb.said(id, flags) : `Delivery ${id}: ${done(kept as ActionRecord)}.`);
    if (!verb.ends) print(`Follow it: tandem status ${id}`);
  });
}

/**
 * The operator actions' verbs, from the action table: `cancel`, `retry`, `resolve`, `pause`,
 * `resume`, `retry-now`, `extend`; those with a bulk form also act over a query. Each is sent as
 * the OS user; a refusal says why (exit 6) and changes nothing.
 */
export function registerActions(
  cli: Command,
  source: () => ConfigSource,
  print: Print,
  output: ProgressOutput = {},
): void {
  for (const name of ACTION_NAMES) registerAction(cli, name, source, print, output);
}
