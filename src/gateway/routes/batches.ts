import { z } from 'zod';
import { BATCH_ID, ACTION_FIELD_RULES } from '../../contract/action-spec';
import { ACTION_NAMES } from '../../contract/action-types';
import { TARGET_NAME } from '../../contract/config/schema';
import { DELIVERY_STATUSES } from '../../contract/contracts';
import { MAX_NOTE_CHARS } from '../../contract/limits';
import { isBulkAction, type BulkAction } from '../../client/batch-actions';
import { route, type Route } from '../route';
import { bodyRefusals, problem, refusals } from './answers';
import type { RouteDeps } from './deps';

const BULK_ACTIONS = ACTION_NAMES.filter(isBulkAction) as [BulkAction, ...BulkAction[]];

/** An operator's text, as the run checks it (`ACTION_FIELD_RULES.note`). */
const text = z
  .string()
  .refine((value) => ACTION_FIELD_RULES.note(value) === undefined, {
    error: `must be at most ${MAX_NOTE_CHARS} characters, not blank`,
  })
  .optional();

const bulkBodySchema = z
  .strictObject({
    action: z.enum(BULK_ACTIONS).meta({ description: 'The action to take on each delivery.' }),
    status: z
      .enum(DELIVERY_STATUSES)
      .optional()
      .meta({
        description:
          'Only deliveries in this status, one the action applies to (retry and resolve: ' +
          '`needs_attention`; cancel: `running`, `paused`).',
      }),
    target: z
      .string()
      .regex(TARGET_NAME, { error: 'must be a target name (lower-case letters, digits, _ and -)' })
      .optional()
      .meta({ description: 'Only deliveries with a leg to this target.' }),
    since: z
      .string()
      .max(32, { error: 'must be a duration such as 30m, 2h or 7d' })
      .optional()
      .meta({ description: 'Only deliveries started within this long (`2h`).', examples: ['2h'] }),
    all: z.boolean().optional().meta({
      description: 'Every delivery the action applies to: required when nothing else narrows it.',
    }),
    dryRun: z
      .boolean()
      .optional()
      .meta({ description: 'Count the deliveries it would act on, and start nothing.' }),
    note: text.meta({ description: "A retry's or resolve's note (a resolve needs one)." }),
    reason: text.meta({ description: "A cancel's reason (the same as `note`)." }),
  })
  .meta({ description: 'Which deliveries to act on, and how.' });

const countSchema = z
  .object({
    action: z.enum(BULK_ACTIONS),
    query: z.string().meta({ description: 'The visibility query that selects the deliveries.' }),
    count: z.number().int().meta({ description: 'How many deliveries it selects now.' }),
  })
  .meta({ description: 'What a bulk action would act on now.' });

const startedSchema = countSchema
  .extend({ batchId: z.string().meta({ description: "The bulk action's id." }) })
  .meta({ description: 'A bulk action the Temporal server runs.' });

const batchSchema = z
  .object({
    id: z.string(),
    operation: z.enum(['signal', 'cancel', 'other']),
    state: z.enum(['running', 'completed', 'failed', 'unknown']),
    total: z.number().int().meta({ description: 'Deliveries the query selected.' }),
    done: z.number().int().meta({ description: 'Deliveries signalled or asked to cancel.' }),
    failed: z.number().int().meta({ description: 'Deliveries it could not reach.' }),
    startedAt: z.string().optional().meta({ format: 'date-time' }),
    closedAt: z.string().optional().meta({ format: 'date-time' }),
    by: z.string().meta({ description: 'Who started it, as the Temporal server recorded it.' }),
    reason: z.string(),
    query: z.string().optional(),
  })
  .meta({ description: 'A bulk action, as the Temporal server keeps it.' });

const batchParamsSchema = z.strictObject({
  id: z.string().regex(BATCH_ID, { error: 'must be a bulk action id, tandem-batch-…' }),
});

/** Where a bulk action can be read. */
const batchPath = (id: string) => `/v1/batches/${encodeURIComponent(id)}`;

/** Starting a bulk action over a query of deliveries, and reading one. */
export function batchRoutes({ client }: RouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/deliveries/batch',
      operationId: 'startBulkAction',
      summary: 'Retry, resolve or cancel every delivery a query selects',
      description:
        'Runs the action on every open delivery the selection finds, as one Temporal batch ' +
        'operation: it goes on whatever happens to this request. Retry and resolve reach each ' +
        'delivery as their signal, which names the bulk action and the API key, kept with the ' +
        "delivery's actions; cancel is Temporal's cancel request. A selection of nothing but " +
        '`action` needs `all: true`. With `dryRun`, answers 200 with the count and starts nothing.',
      tag: 'batches',
      scope: 'operate',
      body: bulkBodySchema,
      bodyRequired: true,
      responses: {
        200: { description: 'Dry run: what it would act on.', schema: countSchema },
        202: {
          description: 'Started; follow it at `Location`.',
          schema: startedSchema,
          headers: {
            Location: {
              description: 'Where the bulk action can be read.',
              schema: { type: 'string' },
            },
          },
        },
        ...refusals,
        409: problem('Temporal would not start it now: another bulk action is running.'),
        ...bodyRefusals,
      },
      async handle({ body, caller }) {
        const { action, dryRun, note, reason, all, ...selection } = body;
        const said = note ?? reason;
        const request = {
          selection: { ...selection, ...(all !== undefined && { all }) },
          ...(said !== undefined && { note: said }),
        };
        if (dryRun) return { status: 200, body: await client.countBulk(action, request) };
        const started = await client.startBulk(action, request, caller);
        return {
          status: 202,
          headers: { location: batchPath(started.batchId) },
          body: started,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/batches/{id}',
      operationId: 'getBulkAction',
      summary: "Read a bulk action's state and counts",
      tag: 'batches',
      scope: 'read',
      params: batchParamsSchema,
      responses: {
        200: { description: 'The bulk action now.', schema: batchSchema },
        ...refusals,
        404: problem('No bulk action has this id.'),
      },
      async handle({ params: { id } }) {
        return { status: 200, body: await client.batch(id) };
      },
    }),
  ];
}
