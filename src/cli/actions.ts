import { InvalidArgumentError, Option, type Command } from 'commander';
import { ACTION_FIELD_RULES, type ActionField } from '../contract/action-spec';
import { ACTION_NAMES, actionSpec, type ActionName } from '../contract/action-types';
import type { ActionRecord } from '../contract/action-record';
import { operatorIdentity, withClient, type ConfigSource, type Print } from './deliveries';
import { ACTION_TRACING_HELP, examples } from './options';

/** What the run kept, in a line. */
function done(record: ActionRecord): string {
  const legs = record.legs?.join(', ') ?? '';
  const extra = record.duration === undefined ? '' : ` by ${record.duration}`;
  return `${record.action} ${legs}${extra} (by ${record.by}${record.note ? `: ${record.note}` : ''})`;
}

const PLACEHOLDER = { leg: 'target', note: 'text', duration: 'duration', by: 'name' } as const;

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

/** Registers one action's verb: its fields (those the run does not keep to itself) as flags. */
function registerAction(cli: Command, name: ActionName, source: () => ConfigSource, print: Print) {
  const { cli: verb, fields } = actionSpec(name);
  const command = cli
    .command(verb.verb)
    .summary(verb.summary)
    .description(verb.description ?? `${verb.summary[0]!.toUpperCase()}${verb.summary.slice(1)}.`)
    .argument('<id>', "the delivery's id");
  for (const [key, field] of Object.entries(fields)) {
    if (field.runOnly) continue;
    const flag = `--${key} <${PLACEHOLDER[field.kind]}>`;
    const option = new Option(flag, field.about).argParser(flagParser(field));
    command.addOption(option.makeOptionMandatory(field.required === true));
  }
  if (verb.examples) command.addHelpText('after', examples(...verb.examples));
  command.addHelpText('after', ACTION_TRACING_HELP);
  command.action(async (id: string, flags: Record<string, string | undefined>) => {
    const args = Object.fromEntries(
      Object.entries(flags).filter((entry): entry is [string, string] => entry[1] !== undefined),
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
 * `resume`, `retry-now`, `extend`. Each is sent as the OS user; a refusal says why (exit 6) and
 * changes nothing.
 */
export function registerActions(cli: Command, source: () => ConfigSource, print: Print): void {
  for (const name of ACTION_NAMES) registerAction(cli, name, source, print);
}
