/**
 * The shape of one operator action as the action table (`actions.ts`) declares it, and the rules
 * of its argument fields. Pure: the run, the client, the CLI, the gateway and the docs all read
 * it, and it is in the workflow bundle.
 */
import type { DeliveryState, LegState } from './contracts';
import { formatDuration, parseDuration } from './duration';
import { MAX_ACTOR_CHARS, MAX_DEADLINE_EXTENSION_MS, MAX_NOTE_CHARS } from './limits';
import { parseRate, RATE_FORMAT } from './rate';

/**
 * What a field holds: a leg (by its target's name), an operator's text of at most
 * `MAX_NOTE_CHARS`, a deadline extension from 1ms to `MAX_DEADLINE_EXTENSION_MS`, who says
 * they ask (`by`, at most `MAX_ACTOR_CHARS`), the bulk action that sent it (a batch id), or a
 * target's rate limit (`5/s`, `none`, `default`).
 */
export type FieldKind = 'leg' | 'note' | 'duration' | 'by' | 'batch' | 'rate';

/**
 * What an action is asked of: one delivery (by its id), or one target across the whole fleet
 * (by its name, through the target's controller workflow).
 */
export type ActionSubject = 'delivery' | 'target';

/** Where a subject's actions are routed, as the gateway's paths and the CLI's verbs name it. */
export const SUBJECTS = {
  delivery: { path: '/v1/deliveries/{id}', param: 'id', cli: '', argument: 'ID' },
  target: { path: '/v1/targets/{target}', param: 'target', cli: 'target ', argument: 'TARGET' },
} as const satisfies Record<ActionSubject, object>;

/** One argument field of an action: its JSON key, CLI flag (`--<name>`) and body property. */
export interface ActionField {
  readonly kind: FieldKind;
  readonly required?: true;
  /** What it means for this action: the OpenAPI description, the flag's help, the docs. */
  readonly about: string;
  /** What the UI form's input shows to fill in (a leg form fills in the leg). */
  readonly placeholder?: string;
  /** A value the OpenAPI document shows. */
  readonly example?: string;
  /** What an absent or blank required one is told (default: `is required`). */
  readonly missing?: string;
  /** Taken in the run's input only: neither the gateway nor the CLI offers it. */
  readonly runOnly?: true;
  /** The CLI takes it as an argument after the subject's (`tandem target limit shipping 5/s`). */
  readonly positional?: true;
}

/**
 * When the UI's "Send a Signal" form offers the action: for the delivery as a whole, or for each
 * leg it fits; `does` says what it would do, in a few words.
 */
export type ActionForm =
  | {
      readonly scope: 'delivery';
      readonly applies: (state: DeliveryState) => boolean;
      readonly does: string;
    }
  | {
      readonly scope: 'leg';
      readonly applies: (leg: LegState) => boolean;
      readonly does: (leg: LegState) => string;
    };

/**
 * What the run's description must show before the client asks the run anything (the run checks
 * again, as the authority): a delivery in progress, a parked one, or any open one.
 */
export type RunRequirement = 'in_progress' | 'parked' | 'open';

/**
 * The action's HTTP route: `POST /v1/deliveries/{id}/<segment>` (or `/v1/targets/{target}/…`),
 * for an `operate` key.
 */
export interface ActionRoute {
  readonly method: 'POST';
  readonly segment: string;
  readonly scope: 'operate';
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  /** The name of its body's schema among the document's components. */
  readonly component: string;
  /** What its body is, in a line. */
  readonly body: string;
  /** The status of its answer when done, */
  readonly status: 200 | 202;
  /** with the action as the run keeps it, the delivery after it, or the target after it; */
  readonly answer: 'action' | 'delivery' | 'target';
  /** that answer, in a line. */
  readonly answered: string;
  /** What its 409 means. */
  readonly conflict: string;
}

/**
 * The action's `tandem` verb (under `tandem target` for a target's): its flags are the fields the
 * run does not keep to itself.
 */
export interface ActionVerb {
  readonly verb: string;
  readonly summary: string;
  readonly description?: string;
  readonly examples?: readonly string[];
  /** What the verb prints when done; absent: the action as the run kept it. */
  readonly said?: (id: string, args: Readonly<Record<string, string | undefined>>) => string;
  /** Whether the delivery has ended once done (no "Follow it" line). */
  readonly ends?: true;
}

/**
 * The action over every delivery a query selects (`tandem retry --status needs_attention`,
 * `POST /v1/deliveries/batch`), run by the Temporal server as one batch operation: each selected
 * run gets the action's signal, whose input names the batch and who started it, or Temporal's
 * cancel request (what a single cancel sends, so the run stops, undoes and ends cancelled).
 */
export interface ActionBulk {
  readonly via: 'signal' | 'cancellation';
  /** Its CLI example. */
  readonly example: string;
}

/** What every operator action declares, whatever its subject. */
interface CommonSpec {
  /**
   * How it reaches the run: an update and a signal of the action's name and input, or
   * Temporal's own cancel request (its reason is kept on the request).
   */
  readonly via: 'update' | 'cancel';
  /** Its handler's description in the Temporal UI (and the docs' "what it does"). */
  readonly help: string;
  /** Its argument fields, beside the `by` every update takes. */
  readonly fields: Readonly<Record<string, ActionField>>;
  readonly route: ActionRoute;
  readonly cli: ActionVerb;
}

/** An action on one delivery: its run decides, with what the client checks first. */
export interface DeliveryActionSpec extends CommonSpec {
  readonly subject: 'delivery';
  readonly when: {
    readonly words: string;
    readonly run: RunRequirement;
    readonly form?: ActionForm;
  };
  /** Whether, and how, it also acts in bulk; absent: one delivery at a time only. */
  readonly bulk?: ActionBulk;
}

/**
 * A bulk action's id, which is its Temporal batch job's id: `tandem-batch-` and a UUID (any
 * letters, digits and dashes are taken, so an id is never more than an id).
 */
export const BATCH_ID = /^tandem-batch-[A-Za-z0-9-]{1,64}$/;

/**
 * An action on one target across the fleet: an update and a signal of the target's controller
 * workflow (started on demand), which applies it to the target's task queue and to every run
 * with a leg to it.
 */
export interface TargetActionSpec extends CommonSpec {
  readonly subject: 'target';
  readonly via: 'update';
  readonly when: { readonly words: string };
}

/** One operator action, declared once; every way in is built from it. */
export type ActionSpec = DeliveryActionSpec | TargetActionSpec;

/** The action's HTTP path, under its subject's. */
export function actionPath({ subject, route }: ActionSpec): string {
  return `${SUBJECTS[subject].path}/${route.segment}`;
}

/** Words that mean "no rate limit" and "the configured one", for `limit`. */
export const RATE_WORDS = { none: 'none', default: 'default' } as const;

/** The rule of a text field: not blank, and at most `max` characters once trimmed. */
function textOfAtMost(max: number): (value: string) => string | undefined {
  return (value) => {
    const text = value.trim();
    if (text === '') return 'must not be empty';
    return text.length > max ? `must be at most ${max} characters` : undefined;
  };
}

/**
 * The rules of the text fields, as the run checks an update's or a signal's input (a leg is
 * checked against the delivery's legs); the gateway's schemas state the same limits in the
 * OpenAPI document. Each says what is wrong with a value, or nothing when it is fine.
 */
export const ACTION_FIELD_RULES = {
  note: textOfAtMost(MAX_NOTE_CHARS),
  by: textOfAtMost(MAX_ACTOR_CHARS),
  batch: (value: string): string | undefined =>
    BATCH_ID.test(value) ? undefined : 'must be a batch id, tandem-batch-…',
  rate: (value: string): string | undefined =>
    value === RATE_WORDS.none || value === RATE_WORDS.default || parseRate(value) !== undefined
      ? undefined
      : `must be ${RATE_FORMAT}, "none" (no limit) or "default" (the configured one)`,
  duration: (value: string): string | undefined => {
    const ms = value.length > 32 ? undefined : parseDuration(value);
    return ms === undefined || ms <= 0 || ms > MAX_DEADLINE_EXTENSION_MS
      ? `must be a duration from 1ms to ${formatDuration(MAX_DEADLINE_EXTENSION_MS)}, such as "10m"`
      : undefined;
  },
} as const;

/** A field's limits, in words (for the docs). */
export function fieldLimits(field: ActionField): string {
  switch (field.kind) {
    case 'leg':
      return "one of the delivery's targets";
    case 'note':
      return `at most ${MAX_NOTE_CHARS} characters, not blank`;
    case 'duration':
      return `1ms to ${formatDuration(MAX_DEADLINE_EXTENSION_MS)}, such as "10m"`;
    case 'by':
      return `at most ${MAX_ACTOR_CHARS} characters, not blank`;
    case 'batch':
      return '`tandem-batch-` and an id';
    case 'rate':
      return `${RATE_FORMAT}; "none" or "default"`;
  }
}

/** The `by` every update takes beside its own fields (the ways in write the caller there). */
export const BY_FIELD: ActionField = {
  kind: 'by',
  about: 'Who says they ask: kept as a claim; who asked is the caller Temporal records.',
  placeholder: 'your name',
};

/** The `batch` a bulk action's signal carries: which batch sent it (set by Tandem, a claim). */
export const BATCH_FIELD: ActionField = {
  kind: 'batch',
  about:
    'The bulk action that sent it (its Temporal batch job id), set by the bulk action; kept ' +
    'with the action, a claim like `by`.',
  runOnly: true,
};
