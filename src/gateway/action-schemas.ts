/** The bodies of the operator actions' routes, built from the action table, and their answer. */
import { z } from 'zod';
import type { ActionField, ActionSpec } from '../contract/action-spec';
import { ACTION_NAMES, actionSpec, type ActionName } from '../contract/action-types';
import { TARGET_NAME } from '../contract/config/schema';
import { formatDuration } from '../contract/duration';
import { MAX_DEADLINE_EXTENSION_MS, MAX_NOTE_CHARS } from '../contract/limits';
import { ACTION_FIELD_RULES } from '../contract/action-spec';

/** Text that is not blank (checked after trimming), as a pattern the document can state. */
const NOT_BLANK = /\S/;

/** A leg, by its target's name. */
const legName = z
  .string()
  .min(1, { error: 'must not be empty' })
  .regex(TARGET_NAME, { error: 'must be a target name (lower-case letters, digits, _ and -)' });

/** A pattern of the whole numbers 1 to `max` (no leading zeros), as a regex source. */
function oneTo(max: number): string {
  const digits = String(max);
  const alternatives = digits.length > 1 ? [`[1-9]\\d{0,${digits.length - 2}}`] : [];
  // As many digits as `max`: its first i digits, then a smaller one, then any.
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[i]);
    const lowest = i === 0 ? 1 : 0;
    const rest = digits.length - i - 1;
    if (digit > lowest) {
      alternatives.push(
        `${digits.slice(0, i)}[${lowest}-${digit - 1}]${rest > 0 ? `\\d{${rest}}` : ''}`,
      );
    }
  }
  return `(?:${[...alternatives, digits].join('|')})`;
}

const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A deadline extension, a whole number of one unit from 1ms to {@link MAX_DEADLINE_EXTENSION_MS}
 * (`30m`, `2h`, `7d`): one pattern that is both what the gateway checks and what the document
 * states, so no extension the document allows is refused by the run.
 */
const EXTENSION = new RegExp(
  `^(?:${Object.entries(UNITS_MS)
    .map(([unit, ms]) => oneTo(Math.floor(MAX_DEADLINE_EXTENSION_MS / ms)) + unit)
    .join('|')})$`,
);

/**
 * An operator's text (a note, a cancel reason): trimmed, not blank, at most `MAX_NOTE_CHARS`,
 * as the run checks it. `blank` is what a blank one is told.
 */
function noteText(blank: string = 'must not be empty') {
  return z
    .string()
    .trim()
    .max(MAX_NOTE_CHARS, { error: `must be at most ${MAX_NOTE_CHARS} characters` })
    .regex(NOT_BLANK, { error: blank });
}

/** A rate limit (`5/s`, `90/m`), `none` or `default`, checked by the rule the run applies. */
const rateText = z
  .string()
  .max(32, { error: 'must be at most 32 characters' })
  // The shape, stated in the document; the bounds are the run's rule, checked next.
  .regex(/^(?:none|default|\d+(?:\.\d+)?\/[sm])$/, {
    error: 'must be a rate like 5/s or 90/m, "none" or "default"',
  })
  .superRefine((value, ctx) => {
    const problem = ACTION_FIELD_RULES.rate(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A field of an action's body, as the action table declares it. */
function bodyField({ kind, required, about, example, missing }: ActionField): z.ZodType {
  const base =
    kind === 'leg'
      ? legName
      : kind === 'rate'
        ? rateText
        : kind === 'duration'
          ? z.string().regex(EXTENSION, {
              error: `must be a whole number of ms, s, m, h or d, from 1ms to ${formatDuration(MAX_DEADLINE_EXTENSION_MS)}, such as 30m or 2h`,
            })
          : noteText(missing);
  return (required ? base : base.optional()).meta({
    description: about,
    ...(example !== undefined && { examples: [example] }),
  });
}

/** An action's body: the fields the gateway offers (not `by`: the caller is the API key's name). */
function bodySchema({ fields, route }: ActionSpec) {
  const offered = Object.entries(fields).filter(([, field]) => !field.runOnly);
  return z
    .strictObject(Object.fromEntries(offered.map(([key, field]) => [key, bodyField(field)])))
    .meta({ description: route.body });
}

/** Each action's body schema, built once: the routes parse with it, the document names it. */
export const actionBodies = Object.fromEntries(
  ACTION_NAMES.map((name) => [name, bodySchema(actionSpec(name))]),
) as Record<ActionName, ReturnType<typeof bodySchema>>;

/** Whether an action's body must be sent: it has a required field. */
export const bodyRequired = (name: ActionName): boolean =>
  Object.values(actionSpec(name).fields).some((field) => field.required && !field.runOnly);

export const actionRecordSchema = z
  .object({
    action: z.string(),
    at: z.string().meta({ format: 'date-time' }),
    by: z.string().meta({
      description:
        'Who asked: the caller Temporal recorded for the request (through the gateway, the API ' +
        "key's name, `key:<name>`); `unknown` where the run's history could not be read.",
    }),
    claimedBy: z
      .string()
      .optional()
      .meta({ description: "What the input's `by` said: a claim, not checked." }),
    updateId: z.string().optional().meta({ description: "The update's id in the run's history." }),
    signal: z
      .number()
      .optional()
      .meta({ description: 'The signal’s place among the operator signals the run received.' }),
    note: z.string().optional(),
    via: z.enum(['update', 'signal']),
    legs: z.array(z.string()).optional().meta({ description: 'The legs it changed.' }),
    duration: z.string().optional(),
    batch: z
      .string()
      .optional()
      .meta({ description: 'The bulk action that sent it (`POST /v1/deliveries/batch`).' }),
  })
  .meta({ description: 'An operator action, as the run keeps it in its status and history.' });
