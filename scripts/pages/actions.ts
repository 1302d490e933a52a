/**
 * `docs/actions.md`: the operator actions, one row each, written from the action table so the
 * page cannot drift from what the run, the gateway and the CLI do.
 */
import {
  actionPath,
  BY_FIELD,
  fieldLimits,
  SUBJECTS,
  type ActionField,
} from '../../src/contract/action-spec';
import {
  ACTION_NAMES,
  actionSpec,
  inputSynopsis,
  type ActionName,
  type UpdateAction,
} from '../../src/contract/action-types';

/** A table cell: one line, with the table's own separator escaped. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function argument([key, field]: [string, ActionField]): string {
  const need = field.required ? 'required' : 'optional';
  const only = field.runOnly ? ', signal and update only' : '';
  return `\`${key}\` (${need}${only}): ${fieldLimits(field)}. ${field.about}`;
}

function row(name: ActionName): string[] {
  const spec = actionSpec(name);
  const { route, cli, fields, via } = spec;
  const args = Object.entries(fields).map(argument);
  if (via === 'update') args.push(argument(['by', BY_FIELD]));
  const flags = Object.entries(fields)
    .filter(([, field]) => !field.runOnly)
    .map(([key, field]) =>
      field.positional ? key.toUpperCase() : field.required ? `--${key} …` : `[--${key} …]`,
    );
  const on = spec.subject === 'target' ? ' of `tandem-target-TARGET`' : '';
  const input =
    via === 'update'
      ? `update and signal \`${name}\`${on}: \`${inputSynopsis(name as UpdateAction)}\``
      : "Temporal's cancel request (`reason` kept on it)";
  const subject = SUBJECTS[spec.subject];
  return [
    `\`${name}\``,
    spec.help + '.',
    spec.when.words,
    args.join('<br>'),
    `\`${route.method} ${actionPath(spec)}\` (scope \`${route.scope}\`) → ${route.status}: ${route.answered}`,
    `\`tandem ${subject.cli}${cli.verb} ${subject.argument}${flags.map((flag) => ` ${flag}`).join('')}\``,
    input,
  ];
}

/** The page's Markdown (before formatting). */
export function actionsPage(): string {
  const header = [
    'action',
    'what it does',
    'when it applies',
    'arguments and limits',
    'HTTP route',
    'CLI verb',
    'signal / update input',
  ];
  const lines = [header, header.map(() => '---'), ...ACTION_NAMES.map(row)].map(
    (cells) => `| ${cells.map(cell).join(' | ')} |`,
  );
  return [
    '# Operator actions',
    '',
    '<!-- Written by `npm run docs` from src/contract/actions.ts: edit the table, not this page. -->',
    '',
    'What an operator can ask of a delivery, or of a target across the whole fleet, and every ' +
      'way to ask it: the HTTP gateway, the `tandem` CLI, and the Temporal UI\'s "Send a Signal" ' +
      '(or any SDK: each action but cancel is an update and a signal of the same name and input; ' +
      "a target's go to its controller workflow, `tandem-target-TARGET` on the default task " +
      'queue, see [operating targets](operating-targets.md)). Who asked is the caller Temporal ' +
      'records; a written `by` is kept as a claim.',
    '',
    ...lines,
    '',
  ].join('\n');
}
