/**
 * The gateway's messages, once each: these zod schemas parse every request (body, path, query)
 * and are turned into the JSON Schemas of `/openapi.json`, so the document cannot drift from
 * what is enforced.
 */
import { z } from 'zod';
import { DELIVERY_STATUSES, type LegStatus } from '../contracts';

/** Same rule as the client's (`planDelivery`), which stays the authority; a test keeps them equal. */
export const DELIVERY_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$';
const DELIVERY_ID = new RegExp(DELIVERY_ID_PATTERN);

/** Deepest nesting of a payload: deeper ones would overflow a stack on their way to Temporal. */
export const MAX_PAYLOAD_DEPTH = 64;

/** Largest page of {@link listQuerySchema}. */
export const MAX_PAGE_SIZE = 200;

export const LEG_STATUSES = [
  'pending',
  'in_flight',
  'succeeded',
  'failed',
  'compensating',
  'compensated',
  'compensation_failed',
  'cancelled',
] as const satisfies readonly LegStatus[];
// Fails to compile when the contract gains a leg status this list does not have.
const everyLegStatus: Exclude<LegStatus, (typeof LEG_STATUSES)[number]> extends never
  ? true
  : never = true;
void everyLegStatus;

/** How deeply a JSON value nests, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [next, depth] = stack.pop()!;
    if (next === null || typeof next !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_PAYLOAD_DEPTH) return deepest;
    for (const child of Object.values(next)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export const deliveryIdSchema = z
  .string()
  .regex(DELIVERY_ID, {
    error:
      'must be 1-200 characters of letters, digits and . _ : @ -, starting with a letter or digit',
  })
  .meta({
    description:
      "The caller's business key; the same id always means the same delivery (never a second send).",
    examples: ['order-1042'],
  });

export const deliveryRequestSchema = z
  .strictObject({
    id: deliveryIdSchema,
    targets: z
      .array(z.string().min(1, { error: 'must not be empty' }))
      .min(1, { error: 'must name at least one target' })
      .superRefine((targets, ctx) => {
        targets.forEach((target, index) => {
          if (targets.indexOf(target) !== index) {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `names "${target}" twice`,
            });
          }
        });
      })
      .meta({
        description: 'Names of targets declared in the config, each at most once.',
        examples: [['inventory', 'shipping']],
      }),
    payload: z
      .unknown()
      .superRefine((payload, ctx) => {
        if (payload === undefined) ctx.addIssue({ code: 'custom', message: 'is required' });
        else if (depthOf(payload) > MAX_PAYLOAD_DEPTH) {
          ctx.addIssue({
            code: 'custom',
            message: `nests deeper than ${MAX_PAYLOAD_DEPTH} levels`,
          });
        }
      })
      .meta({
        description: 'Any JSON value; each target receives it as its request body.',
        examples: [{ orderId: 'order-1042', sku: 'A-1', qty: 2 }],
      }),
  })
  .meta({ description: 'What to deliver, and to which targets.' });

export const deliveryParamsSchema = z.strictObject({ id: deliveryIdSchema });

export const listQuerySchema = z.strictObject({
  status: z
    .enum(DELIVERY_STATUSES)
    .optional()
    .meta({ description: 'Only deliveries in this status.' }),
  limit: z.coerce
    .number({ error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .int({ error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .min(1, { error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .max(MAX_PAGE_SIZE, { error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .default(50)
    .meta({ description: 'Most deliveries in one page.' }),
  pageToken: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(1000, { error: 'is not a page token this gateway gave out' })
    .optional()
    .meta({ description: 'The `nextPageToken` of the previous page, as it was given.' }),
});

export const cancelRequestSchema = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(500, { error: 'must be at most 500 characters' })
      .optional()
      .meta({ description: "Kept in the run's history, on the cancel request." }),
  })
  .meta({ description: 'Why the delivery is cancelled (optional body).' });

export const retryRequestSchema = z
  .strictObject({
    leg: z
      .string()
      .min(1, { error: 'must not be empty' })
      .optional()
      .meta({ description: 'Retry only this leg; every leg that needs attention when absent.' }),
  })
  .meta({ description: 'Which legs to retry (optional body).' });

export const resolveRequestSchema = z
  .strictObject({
    note: z
      .string()
      .trim()
      .min(1, { error: 'must say what was done by hand' })
      .max(2000, { error: 'must be at most 2000 characters' })
      .meta({ examples: ['released reservation res_7 by hand'] }),
  })
  .meta({ description: 'How the delivery was settled by hand.' });

const timestamp = z.string().meta({ format: 'date-time' });

const phaseFields = {
  attempts: z.number().int(),
  lastError: z.string().optional(),
  lastHttpStatus: z.number().int().optional(),
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
};

export const legSchema = z
  .object({
    target: z.string(),
    status: z.enum(LEG_STATUSES),
    outcomeUnknown: z
      .boolean()
      .meta({ description: 'A request was sent and its answer never came: it may have acted.' }),
    ...phaseFields,
    compensation: z
      .object(phaseFields)
      .optional()
      .meta({ description: 'Attempts and outcome of undoing this leg.' }),
  })
  .meta({ description: 'The part of a delivery that goes to one target.' });

export const deliverySchema = z
  .object({
    id: z.string(),
    workflowId: z
      .string()
      .meta({ description: 'The Temporal workflow id, for the Temporal UI and CLI.' }),
    status: z.enum(DELIVERY_STATUSES),
    reason: z.string().optional().meta({ description: 'Why it is not completed, in one line.' }),
    note: z.string().optional().meta({ description: "The operator's note when resolved." }),
    startedAt: timestamp,
    finishedAt: timestamp.optional(),
    legs: z.array(legSchema).meta({
      description:
        'Each leg. Empty only when a repeated start finds the delivery and no worker answers in time.',
    }),
  })
  .meta({ description: 'A delivery and each of its legs.' });

export const acceptedSchema = deliverySchema
  .extend({
    started: z.boolean().meta({
      description:
        'False when the delivery already existed with this request: nothing new was sent.',
    }),
  })
  .meta({ description: 'The delivery this request started, or the one it had already started.' });

export const summarySchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  targets: z.array(z.string()),
  startedAt: timestamp,
  closedAt: timestamp.optional(),
});

export const deliveryListSchema = z
  .object({
    deliveries: z.array(summarySchema),
    nextPageToken: z
      .string()
      .optional()
      .meta({ description: 'Pass as `pageToken` for the next page; absent on the last page.' }),
  })
  .meta({ description: 'Deliveries, newest first.' });

export const fieldErrorSchema = z.object({
  in: z.enum(['body', 'query', 'path', 'header']),
  path: z.string().meta({
    description: 'The field, dotted (`targets.1`); empty for the whole body.',
  }),
  pointer: z
    .string()
    .optional()
    .meta({ description: 'JSON Pointer (RFC 6901) into the body, for body fields.' }),
  detail: z.string(),
});

export const problemSchema = z
  .looseObject({
    type: z.string().meta({ description: 'Identifies the kind of problem.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(fieldErrorSchema)
      .optional()
      .meta({ description: 'Every bad field, each with where it is.' }),
  })
  .meta({ description: 'An RFC 9457 problem: nothing was started or changed.' });

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  temporal: z.object({
    address: z.string(),
    namespace: z.string(),
    reachable: z.boolean(),
    error: z.string().optional(),
  }),
});

/** The body of `GET /v1/deliveries/{id}`. */
export type DeliveryView = z.output<typeof deliverySchema>;
/** One field the request got wrong. */
export type FieldError = z.output<typeof fieldErrorSchema>;
/** An RFC 9457 problem body. */
export type Problem = z.output<typeof problemSchema>;
