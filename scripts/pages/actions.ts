/**
 * `docs/actions.md`: the operator actions, one row each, written from the action table so the
 * page cannot drift from what the run, the gateway and the CLI do.
 */
import { BY_FIELD, fieldLimits, type ActionField } from '../../src/contract/action-spec';
import {
  ACTION_NAMES,
  actionSpec,
  inputSynopsis,
  type ActionName,
  type OperatorAction,
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
    .map(([key, field]) => (field.required ? `--${key} …` : `[--${key} …]`));
  const input =
    via === 'update'
      ? `update and signal \`${name}\`: \`${inputSynopsis(name as OperatorAction)}\``
      : "Temporal's cancel request (`reason` kept on it)";
  return [
    `\`${name}\``,
    spec.help + '.',
    spec.when.words,
    args.join('<br>'),
    `\`${route.method} /v1/deliveries/{id}/${route.segment}\` (scope \`${route.scope}\`) → ${route.status}: ${route.answered}`,
    `\`tandem ${cli.verb} ID${flags.map((flag) => ` ${flag}`).join('')}\``,
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
    'What an operator can ask of a delivery, and every way to ask it: the HTTP gateway, the ' +
      '`tandem` CLI, and the Temporal UI\'s "Send a Signal" (or any SDK: each action but cancel is ' +
      'an update and a signal of the same name and input). Who asked is the caller Temporal ' +
      'records; a written `by` is kept as a claim.',
    '',
    ...lines,
    '',
  ].join('\n');
}
