import { InvalidArgumentError, Option, type Command } from 'commander';
import { ACTION_FIELD_RULES, SUBJECTS, type ActionField } from '../contract/action-spec';
import {
  ACTION_NAMES,
  actionSpec,
  type ActionName,
  type DeliveryActionName,
  type TargetAction,
} from '../contract/action-types';
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
  rate: 'rate',
} as const;

/** A value, checked as the run would: a usage mistake (exit 2) rather than a refusal. */
function flagParser({ kind, missing }: ActionField): (value: string) => string {
  return (value) => {
    const problem =
      kind === 'duration' || kind === 'rate'
        ? ACTION_FIELD_RULES[kind](value)
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

/**
 * Registers one action's verb on `parent` (`tandem` for a delivery's, `tandem target` for a
 * target's): the subject as its first argument (optional for an action that also acts in bulk),
 * positional fields next, the other fields the run does not keep to itself as flags.
 */
function registerAction(
  parent: Command,
  name: ActionName,
  source: () => ConfigSource,
  print: Print,
  output: ProgressOutput,
) {
  const spec = actionSpec(name);
  const { cli: verb, fields } = spec;
  const bulk = spec.subject === 'delivery' ? spec.bulk : undefined;
  const bulkHelp = bulk
    ? ' Without an id, with --status, --target, --since or --all instead, it acts on every ' +
      'delivery they select, as one batch on the Temporal server that goes on if the command ' +
      'stops; the command follows its progress (done / failed / total) until it ends.'
    : '';
  const description =
    verb.description ?? `${verb.summary[0]!.toUpperCase()}${verb.summary.slice(1)}.`;
  const param = SUBJECTS[spec.subject].param;
  const command = parent
    .command(verb.verb)
    .summary(verb.summary)
    .description(description + bulkHelp)
    .argument(
      bulk ? `[${param}]` : `<${param}>`,
      spec.subject === 'delivery'
        ? "the delivery's id"
        : "the target's name, as the config declares it",
    );
  const positional = Object.entries(fields).filter(([, field]) => field.positional);
  for (const [key, field] of positional) {
    command.argument(`<${key}>`, field.about, flagParser(field));
  }
  for (const [key, field] of Object.entries(fields)) {
    if (field.runOnly || field.positional) continue;
    const flag = `--${key} <${PLACEHOLDER[field.kind]}>`;
    const option = new Option(flag, field.about).argParser(flagParser(field));
    command.addOption(option.makeOptionMandatory(field.required === true));
  }
  if (isBulkAction(name)) addBulkFlags(command, name);
  const shown = [...(verb.examples ?? []), ...(bulk ? [bulk.example] : [])];
  if (shown.length > 0) command.addHelpText('after', examples(...shown));
  command.addHelpText('after', ACTION_TRACING_HELP);
  command.action(async (subject: string | undefined, ...rest: unknown[]) => {
    const values = rest.slice(0, positional.length) as string[];
    const flags = rest[positional.length] as Record<string, string | undefined>;
    if (isBulkAction(name)) {
      const bulkOnly = bulkOnlyFlags(flags);
      if (subject !== undefined && bulkOnly.length > 0) {
        command.error(
          `tandem ${verb.verb} takes a delivery id or selection flags (${bulkOnly[0]}), not both`,
          { exitCode: 2, code: 'tandem.usage' },
        );
      }
      if (subject === undefined) {
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
    if (subject === undefined) return command.help({ error: true });
    const all = { ...flags, ...Object.fromEntries(positional.map(([key], i) => [key, values[i]])) };
    const args = Object.fromEntries(
      Object.entries(all).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && entry[0] in fields,
      ),
    );
    if (spec.subject === 'target') {
      await withClient(source(), (client) =>
        client.actOnTarget(subject, name as TargetAction, args as never, operatorIdentity()),
      );
      print(verb.said ? verb.said(subject, all) : `Target ${subject}: ${name} applied.`);
      print('See it: tandem targets');
      return;
    }
    const kept = await withClient(source(), (client) =>
      client.act(subject, name as DeliveryActionName, args, operatorIdentity()),
    );
    print(
      verb.said ? verb.said(subject, all) : `Delivery ${subject}: ${done(kept as ActionRecord)}.`,
    );
    if (!verb.ends) print(`Follow it: tandem status ${subject}`);
  });
}

/**
 * The operator actions' verbs, from the action table: `cancel`, `retry`, `resolve`, `pause`,
 * `resume`, `retry-now`, `extend` on a delivery (those with a bulk form also act over a query),
 * and `target pause|resume|limit` on a target across the fleet. Each is sent as the OS user; a
 * refusal says why (exit 6) and changes nothing.
 */
export function registerActions(
  cli: Command,
  source: () => ConfigSource,
  print: Print,
  output: ProgressOutput = {},
): void {
  const target = cli
    .command('target')
    .summary('operate a target across the whole fleet: pause, resume, rate limit')
    .description(
      'Operate one target across every worker and delivery: pause it (its legs hold, deadlines ' +
        'suspended), resume it, or set its rate limit, enforced by the server. "tandem targets" ' +
        'shows every target.',
    );
  for (const name of ACTION_NAMES) {
    const parent = actionSpec(name).subject === 'target' ? target : cli;
    registerAction(parent, name, source, print, output);
  }
}
