/**
 * The gateway's messages, once each: these zod schemas parse every request (body, path, query)
 * and are turned into the JSON Schemas of `/openapi.json`, so the document cannot drift from
 * what is enforced. The delivery request itself is `src/request.ts`'s, shared with the client.
 */
import { z } from 'zod';
import { DELIVERY_STATUSES, LEG_STATUSES } from '../contract/contracts';
import { MAX_ISSUES_LISTED, MAX_PAGE_SIZE } from '../contract/limits';
import { deliveryIdSchema } from '../contract/request';
import { actionRecordSchema } from './action-schemas';

/** The longest page token this gateway gives out. */
export const MAX_PAGE_TOKEN_LENGTH = 4096;

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
    .max(MAX_PAGE_TOKEN_LENGTH, { error: 'is not a page token this gateway gave out' })
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a page token this gateway gave out' })
    .optional()
    .meta({
      description:
        'The `nextPageToken` of the previous page, as it was given (base64url), for the same ' +
        '`status` filter; any other token is refused with 400.',
    }),
});

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
    paused: z
      .object({
        by: z.string().meta({ description: 'Who paused it: the caller Temporal recorded.' }),
        claimedBy: z.string().optional(),
        updateId: z.string().optional(),
        signal: z.number().optional(),
        note: z.string().optional(),
        at: timestamp,
      })
      .optional()
      .meta({ description: 'Set while an operator holds the leg: no new attempt starts.' }),
    deadlineAt: timestamp
      .optional()
      .meta({ description: "When the current phase's deadline falls (absent while paused)." }),
    deadlineLeftMs: z
      .number()
      .optional()
      .meta({ description: 'While paused: the deadline is suspended with this much left.' }),
    retryAt: timestamp
      .optional()
      .meta({ description: 'While waiting out a backoff: when the next attempt is due.' }),
  })
  .meta({ description: 'The part of a delivery that goes to one target.' });

/** A delivery's trace id, on its full view and on its list summary alike. */
const traceIdField = z
  .string()
  .regex(/^[0-9a-f]{32}$/)
  .optional()
  .meta({
    description:
      'The W3C trace id the delivery was started in: its correlation id in traces, logs and ' +
      "the run's memo. Absent when tracing was off when it started.",
  });

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
    legs: z.array(legSchema).meta({ description: 'Each leg, as the run last recorded it.' }),
    actions: z.array(actionRecordSchema).optional().meta({
      description: 'The newest operator actions, oldest first (refused signals are not kept).',
    }),
    traceId: traceIdField,
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
  traceId: traceIdField,
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
      .meta({
        description: `The bad fields, each with where it is: at most ${MAX_ISSUES_LISTED}.`,
      }),
    errorsOmitted: z
      .number()
      .int()
      .optional()
      .meta({
        description: `How many bad fields there were beyond the ${MAX_ISSUES_LISTED} listed.`,
      }),
  })
  .meta({ description: 'An RFC 9457 problem: nothing was started or changed.' });

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  temporal: z
    .object({
      address: z.string(),
      namespace: z.string(),
      reachable: z.boolean(),
      error: z.string().optional(),
    })
    .optional()
    .meta({ description: 'Only for a caller with a `read` key (or of a gateway without keys).' }),
});

/** The body of `GET /v1/deliveries/{id}`. */
export type DeliveryView = z.output<typeof deliverySchema>;
/** One field the request got wrong. */
export type FieldError = z.output<typeof fieldErrorSchema>;
/** An RFC 9457 problem body. */
export type Problem = z.output<typeof problemSchema>;
