/**
 * What a delivery request must be, once: the zod schema that the client (through
 * `planDelivery`), the CLI and the gateway parse with, and that the OpenAPI document is built
 * from. Issues come out in one shape, `{ path, detail }`, whoever asked.
 */
import { z } from 'zod';
import type { TandemConfig } from './config/schema';
import type { DeliveryRequest } from './contracts';
import {
  InvalidDeliveryError,
  PayloadTooLargeError,
  UnknownTargetError,
  type Issue,
} from './errors';
import { walkJson } from './json-shape';
import {
  MAX_DELIVERY_ID_LENGTH,
  MAX_ISSUES_LISTED,
  MAX_JSON_DEPTH,
  MAX_TARGETS_PER_DELIVERY,
} from './limits';

/** The delivery id rule: letters, digits and `. _ : @ -`, starting with a letter or digit. */
export const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

const ID_RULE = `must be 1-${MAX_DELIVERY_ID_LENGTH} characters of letters, digits and . _ : @ -, starting with a letter or digit`;

/** A delivery's id, as every way in accepts it. */
export const deliveryIdSchema = z
  .string()
  .max(MAX_DELIVERY_ID_LENGTH, { error: ID_RULE })
  .regex(DELIVERY_ID, { error: ID_RULE })
  .meta({
    description:
      "The caller's business key; the same id always means the same delivery (never a second send).",
    examples: ['order-1042'],
  });

const payloadSchema = z.unknown().superRefine((payload, ctx) => {
  if (payload === undefined) ctx.addIssue({ code: 'custom', message: 'is required' });
});

/** `value` as JSON text; undefined when it has none (a function, a BigInt, a toJSON that throws). */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Checks a delivery's payload, once, in the order that keeps each step cheap and safe for any
 * value a caller can pass: nesting past {@link MAX_JSON_DEPTH} first (walked without recursion,
 * so that serializing cannot overflow the stack), then its size as JSON against `limitBytes`
 * (`limits.payload`), then numbers JSON cannot carry (`1e999` parses as Infinity, which would
 * be delivered as `null`), found by the same walk. Throws {@link InvalidDeliveryError} or
 * {@link PayloadTooLargeError}.
 */
export function checkPayload(payload: unknown, limitBytes: number): void {
  const shape = walkJson(payload, MAX_JSON_DEPTH);
  if (shape.tooDeep) {
    throw new InvalidDeliveryError([
      { path: 'payload', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  const text = jsonText(payload);
  if (text === undefined) {
    throw new InvalidDeliveryError([{ path: 'payload', detail: 'must be a JSON value' }]);
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > limitBytes) throw new PayloadTooLargeError(bytes, limitBytes);
  if (shape.notFinite) {
    throw new InvalidDeliveryError([
      {
        path: ['payload', ...shape.notFinite].join('.'),
        detail: 'must be a finite number (it overflows a 64-bit float)',
      },
    ]);
  }
}

/**
 * The request schema for a config (see {@link requestSchemaFor}): target names are the config's (an enum in the OpenAPI
 * document; an unknown one is answered by {@link unknownTargets}, not by this schema).
 */
export function deliveryRequestSchema(
  config: TandemConfig,
  payloadLimitBytes = config.limits.payload,
) {
  const known = Object.keys(config.targets);
  return z
    .strictObject({
      id: deliveryIdSchema,
      targets: z
        .array(z.string().min(1, { error: 'must not be empty' }).meta({ enum: known }))
        .min(1, { error: 'must name at least one target' })
        .max(MAX_TARGETS_PER_DELIVERY, {
          error: `must name at most ${MAX_TARGETS_PER_DELIVERY} targets`,
        })
        .superRefine((targets, ctx) => {
          const seen = new Set<string>();
          targets.forEach((target, index) => {
            if (seen.has(target)) {
              ctx.addIssue({ code: 'custom', path: [index], message: `names "${target}" twice` });
            }
            seen.add(target);
          });
        })
        .meta({
          description: `Names of targets declared in the config, each at most once, at most ${MAX_TARGETS_PER_DELIVERY}.`,
          uniqueItems: true,
          examples: [known.slice(0, 2)],
        }),
      payload: payloadSchema.meta({
        description:
          'Any JSON value; each target receives it as its request body. At most ' +
          `${payloadLimitBytes} bytes as serialized JSON (limits.payload; 413 beyond), nested at ` +
          `most ${MAX_JSON_DEPTH} levels, numbers finite.`,
        examples: [{ orderId: 'order-1042', sku: 'A-1', qty: 2 }],
      }),
    })
    .meta({ description: 'What to deliver, and to which targets.' });
}

/**
 * The answer to a request naming targets the config does not declare: an
 * {@link UnknownTargetError} naming each by its place, or undefined when every target is known.
 */
export function unknownTargets(
  config: TandemConfig,
  targets: readonly string[],
): UnknownTargetError | undefined {
  const unknown = targets.filter((target) => !Object.hasOwn(config.targets, target));
  if (unknown.length === 0) return undefined;
  const known = Object.keys(config.targets);
  const declares = known.map((t) => `"${t}"`).join(', ') || 'none';
  const issues = targets.flatMap((target, index) =>
    Object.hasOwn(config.targets, target)
      ? []
      : [
          {
            path: `targets.${index}`,
            detail: `is not a target of the config, which declares ${declares}`,
          },
        ],
  );
  return new UnknownTargetError([...new Set(unknown)], known, issues);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && Number.isNaN(value)) return 'not a number';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a JSON object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** Messages for the issues the schemas leave to zod, in the words the config errors use. */
const readable: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${kindOf(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
  }
  return undefined;
};

/** One issue with its path as parts (for JSON Pointers), before it is joined into an {@link Issue}. */
export interface PathIssue {
  path: PropertyKey[];
  detail: string;
}

/** Issues of a refused value: the first {@link MAX_ISSUES_LISTED}, and how many more there were. */
export interface Refused {
  ok: false;
  issues: PathIssue[];
  omitted: number;
}

/**
 * Parses `value` with `schema`: the typed value, or its bad fields; an unknown key is an issue
 * of its own, named by its path. At most {@link MAX_ISSUES_LISTED} issues are built, the rest
 * only counted.
 */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
): { ok: true; value: z.output<T> } | Refused {
  const result = schema.safeParse(value, { error: readable });
  if (result.success) return { ok: true, value: result.data };
  const issues: PathIssue[] = [];
  let omitted = 0;
  const add = (path: PropertyKey[], detail: string) => {
    if (issues.length < MAX_ISSUES_LISTED) issues.push({ path, detail });
    else omitted++;
  };
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') add(issue.path, issue.message);
    else for (const key of issue.keys) add([...issue.path, key], 'is not a known field');
  }
  return { ok: false, issues, omitted };
}

/** An issue with its path joined: `targets.1`. */
export function joined(issue: PathIssue): Issue {
  return { path: issue.path.map(String).join('.'), detail: issue.detail };
}

/**
 * Parses a delivery request for a config (see {@link deliveryRequestSchema}): its id, targets
 * and fields, with the payload only required; {@link checkPayload} checks the payload itself.
 */
export function parseDeliveryRequest(
  config: TandemConfig,
  value: unknown,
): { ok: true; value: DeliveryRequest } | Refused {
  const parsed = parseWith(requestSchemaFor(config), value);
  return parsed.ok ? { ok: true, value: parsed.value } : parsed;
}

const schemas = new WeakMap<TandemConfig, ReturnType<typeof deliveryRequestSchema>>();

/** The one request schema of a config, built once: the client and the gateway parse with it. */
export function requestSchemaFor(config: TandemConfig): ReturnType<typeof deliveryRequestSchema> {
  let schema = schemas.get(config);
  if (!schema) schemas.set(config, (schema = deliveryRequestSchema(config)));
  return schema;
}
