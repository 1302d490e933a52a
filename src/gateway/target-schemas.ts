/** The messages of the gateway's target routes: a target in the path, its state, the list. */
import { z } from 'zod';
import { TARGET_NAME } from '../contract/config/schema';
import { BREAKER_STATES } from '../contract/breaker';
import { LEG_HOLDS, type LegHold } from '../contract/holds';
import { TARGET_STATUSES } from '../contract/target-control';

/**
 * A target in the path, shaped as the config's names are; a well-shaped one the config does not
 * declare is answered 404, naming those it does.
 */
export const targetParamsSchema = z.strictObject({
  target: z
    .string()
    .regex(TARGET_NAME, { error: 'must be a target name (lower-case letters, digits, _ and -)' })
    .meta({ description: "The target's name, as the config declares it." }),
});

const change = {
  by: z.string().meta({ description: 'Who asked, as their client wrote it.' }),
  note: z.string().optional(),
  since: z.string().meta({ format: 'date-time' }),
};

/** What each count of held legs counts. */
const HELD: Record<LegHold, string> = {
  waiting: 'waiting out a backoff after a failed attempt',
  paused: 'paused by an operator (the leg, or the whole delivery)',
  held: 'held by the target: paused across the fleet, or its circuit breaker open',
};

const rate = z
  .number()
  .nullable()
  .meta({ description: 'Attempts per second across every worker; `null`: no limit.' });

/** A target's state, as its controller keeps it, with the running deliveries counted. */
export const targetSchema = z
  .object({
    target: z.string(),
    status: z.enum(TARGET_STATUSES).meta({
      description:
        '`paused` by an operator, or the breaker’s state (`closed` when it lets all through).',
    }),
    paused: z.object(change).optional().meta({ description: 'Who paused it, since when, why.' }),
    breaker: z.enum(BREAKER_STATES).meta({
      description:
        'The circuit breaker: `closed` lets all through, `open` none, `half_open` a few probes.',
    }),
    breakerChange: z
      .object({ since: z.string().meta({ format: 'date-time' }), why: z.string() })
      .optional()
      .meta({ description: 'When the breaker entered its state, and why.' }),
    configuredRate: z
      .number()
      .optional()
      .meta({ description: "The config's `rateLimit`, per second; absent: none." }),
    override: z
      .object({ ...change, rate })
      .optional()
      .meta({ description: 'An operator’s rate limit, standing over the config’s.' }),
    effectiveRate: rate.meta({
      description:
        "The rate of the target's task queue now: 0 while paused or the breaker is open, the " +
        'probe rate while half open; `null`: no limit.',
    }),
    applied: z.boolean().meta({
      description:
        'The server and the running deliveries have this state (a pause holds from then).',
    }),
    sharedQueue: z.literal(true).optional().meta({
      description: 'The target has no task queue of its own (`bulkhead: false`): no rate limit.',
    }),
    epoch: z.number().meta({ description: 'Counts the changes of the target’s hold.' }),
    runningDeliveries: z.number().optional().meta({
      description: 'Running deliveries with a leg to the target (visibility, a moment behind).',
    }),
    legs: z
      .strictObject(
        Object.fromEntries(
          LEG_HOLDS.map((hold) => [hold, z.number().meta({ description: `Legs ${HELD[hold]}.` })]),
        ) as Record<LegHold, z.ZodNumber>,
      )
      .optional()
      .meta({
        description:
          "Those deliveries' legs to the target held from attempting, by why (visibility too).",
      }),
  })
  .meta({ description: 'A target across the fleet, as its controller workflow keeps it.' });

/** Every configured target. */
export const targetListSchema = z
  .object({ targets: z.array(targetSchema) })
  .meta({ description: 'Every target the config declares, in its order.' });
