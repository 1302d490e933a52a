/**
 * `docs/actions.md`: the operator actions, one row each, written from the action table so the
 * page cannot drift from what the run, the gateway and the CLI do.
 */
import {
  actionPath,
  BATCH_FIELD,
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
  const bulk = spec.subject === 'delivery' ? spec.bulk : undefined;
  const args = Object.entries(fields).map(argument);
  if (via === 'update') args.push(argument(['by', BY_FIELD]));
  if (bulk?.via === 'signal') args.push(argument(['batch', BATCH_FIELD]));
  const offered = Object.entries(fields).filter(([, field]) => !field.runOnly);
  const flagsOf = (shown: [string, ActionField][]) =>
    shown
      .map(([key, field]) =>
        field.positional
          ? ` ${key.toUpperCase()}`
          : field.required
            ? ` --${key} …`
            : ` [--${key} …]`,
      )
      .join('');
  const flags = flagsOf(offered);
  // A bulk action takes every leg of each delivery: no --leg.
  const bulkFlags = flagsOf(offered.filter(([, field]) => field.kind !== 'leg'));
  const on = spec.subject === 'target' ? ' of `tandem-target-TARGET`' : '';
  const input =
    via === 'update'
      ? `update and signal \`${name}\`${on}: \`${inputSynopsis(name as UpdateAction)}\``
      : "Temporal's cancel request (`reason` kept on it)";
  // In bulk: the same action over a query, as one Temporal batch (docs/bulk-actions.md).
  const inBulk = (text: string) => (bulk === undefined ? '' : `<br>in bulk: ${text}`);
  const selection = '--status S [--target T] [--since D] [--all] [--dry-run] [--no-wait]';
  const subject = SUBJECTS[spec.subject];
  return [
    `\`${name}\``,
    spec.help + '.',
    spec.when.words,
    args.join('<br>'),
    `\`${route.method} ${actionPath(spec)}\` (scope \`${route.scope}\`) → ${route.status}: ${route.answered}` +
      inBulk(`\`POST /v1/deliveries/batch\` \`{"action": "${name}", …}\``),
    `\`tandem ${subject.cli}${cli.verb} ${subject.argument}${flags}\`` +
      inBulk(`\`tandem ${cli.verb} ${selection}${bulkFlags}\``),
    input +
      inBulk(
        bulk?.via === 'signal'
          ? `its signal, with \`batch\` and \`by\` set`
          : "Temporal's cancel request, sent by the batch (its reason and who started it are the batch's)",
      ),
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
      'records; a written `by` is kept as a claim. Retry, resolve and cancel also act in bulk, on ' +
      'every delivery a query selects: see [bulk actions](bulk-actions.md).',
    '',
    ...lines,
    '',
  ].join('\n');
}
