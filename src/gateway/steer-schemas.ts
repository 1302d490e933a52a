/** The bodies of the routes that steer a running delivery, and the action they answer with. */
import { z } from 'zod';
import { parseDuration } from '../duration';

const noteField = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(500, { error: 'must be at most 500 characters' })
  .optional()
  .meta({
    description:
      "Why; kept in the run's history and status with the API key's name (`key:<name>`).",
  });

const legField = (description: string) =>
  z.string().min(1, { error: 'must not be empty' }).optional().meta({ description });

export const pauseRequestSchema = z
  .strictObject({
    leg: legField('Pause only this leg; every leg with work left when absent.'),
    note: noteField,
  })
  .meta({ description: 'Which leg to pause, and why (optional body).' });

export const resumeRequestSchema = z
  .strictObject({
    leg: legField('Resume only this leg; every paused leg when absent.'),
    note: noteField,
  })
  .meta({ description: 'Which leg to resume (optional body).' });

export const retryNowRequestSchema = z
  .strictObject({
    leg: legField('Only this leg; every leg waiting out a backoff when absent.'),
    note: noteField,
  })
  .meta({ description: 'Which leg to attempt at once (optional body).' });

export const extendRequestSchema = z
  .strictObject({
    leg: z.string().min(1, { error: 'must not be empty' }).meta({ description: 'The leg.' }),
    duration: z
      .string()
      .refine((text) => parseDuration(text) !== undefined, {
        error: 'must be a duration such as 30m, 1h or 90s',
      })
      .meta({ description: 'How much more time, at most 7d.', examples: ['30m'] }),
    note: noteField,
  })
  .meta({ description: "Which leg's deadline to extend, and by how much." });

export const actionRecordSchema = z
  .object({
    action: z.string(),
    at: z.string().meta({ format: 'date-time' }),
    by: z.string().meta({ description: "Who asked: here the API key's name (`key:<name>`)." }),
    note: z.string().optional(),
    via: z.enum(['update', 'signal']),
    legs: z.array(z.string()).optional().meta({ description: 'The legs it changed.' }),
    duration: z.string().optional(),
    ignored: z.string().optional().meta({ description: 'Why a signal was ignored.' }),
  })
  .meta({ description: 'An operator action, as the run keeps it in its status and history.' });
