import { z } from 'zod';
import { codecSchema } from './codec-schema';
import type { BreakerSettings } from '../breaker';
import { formatDuration, parseDuration } from '../duration';
import {
  DEFAULT_PAYLOAD_LIMIT_BYTES,
  MAX_BREAKER_WINDOW_MS,
  MAX_PAYLOAD_LIMIT_BYTES,
  MAX_SIGNING_SECRETS,
} from '../limits';
import { parseEgressEntry } from './egress-entry';
import { templatesInOrigin, unknownTemplateFields } from '../template';
import { duration } from './duration-field';
import { parseRate, RATE_FORMAT } from '../rate';
import { byteSize, gatewaySchema } from './gateway-schema';
import { temporalSchema } from './temporal-schema';

const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], {
  error: 'must be one of GET, POST, PUT, PATCH, DELETE',
});

function isHttpUrl(url: string): boolean {
  // `${VAR}` and `{{…}}` parts are filled in later; check the rest parses as a URL.
  // A leading `${VAR}` stands for a whole base URL, and `:${VAR}` before the path for a port.
  const probeText = url
    .replace(/^\$\{[^}]+\}/, 'http://x')
    .replace(/:\$\{[^}]+\}(?=[/?#]|$)/, ':1')
    .replace(/\$\{[^}]+\}|\{\{[^}]+\}\}/g, 'x');
  try {
    const probe = new URL(probeText);
    return probe.protocol === 'http:' || probe.protocol === 'https:';
  } catch {
    return false;
  }
}

const httpUrl = z.string({ error: 'must be an http(s) URL' }).superRefine((url, ctx) => {
  if (templatesInOrigin(url)) {
    ctx.addIssue({
      code: 'custom',
      message:
        "templates ({{…}}) may not build a URL's scheme, host or port, so no payload or answer " +
        "can choose where Tandem sends; use ${VAR} from the worker's environment for those",
    });
  } else if (!isHttpUrl(url)) {
    ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
  }
});

const headers = z.record(z.string(), z.string({ error: 'must be a string' })).prefault({});

const statusCode = z
  .number({ error: 'must be an HTTP status' })
  .int('must be an HTTP status')
  .min(100, 'must be an HTTP status')
  .max(599, 'must be an HTTP status');

function retrySchema(defaults: {
  initialInterval: string;
  maximumInterval: string;
  maximumAttempts: number;
  deadline: string;
}) {
  return (
    z
      .strictObject({
        initialInterval: duration.prefault(defaults.initialInterval),
        backoffCoefficient: z
          .number({ error: 'must be a number' })
          .min(1, 'must be >= 1')
          .prefault(2),
        maximumInterval: duration.optional(),
        maximumAttempts: z
          .number({ error: 'must be a whole number' })
          .int('must be a whole number')
          .min(0, 'must be >= 0 (0 = unlimited within the deadline)')
          .prefault(defaults.maximumAttempts),
        deadline: duration.prefault(defaults.deadline),
        jitter: z.enum(['none', 'full'], { error: 'must be none or full' }).prefault('none'),
      })
      .prefault({})
      .superRefine((retry, ctx) => {
        if (retry.maximumInterval !== undefined && retry.maximumInterval < retry.initialInterval) {
          ctx.addIssue({
            code: 'custom',
            path: ['maximumInterval'],
            message: 'must be >= initialInterval',
          });
        }
      })
      // Left out, the cap is the default or the initial interval, whichever is longer, so a
      // long initialInterval alone is never an error about a field the user did not write.
      .transform((retry) => ({
        ...retry,
        maximumInterval:
          retry.maximumInterval ??
          Math.max(parseDuration(defaults.maximumInterval)!, retry.initialInterval),
      }))
  );
}

const templated = <T extends z.ZodType>(schema: T) =>
  schema.superRefine((value, ctx) => {
    for (const field of unknownTemplateFields(value)) {
      ctx.addIssue({
        code: 'custom',
        message:
          `template field "${field}" is unknown; use delivery.id, idempotencyKey, payload.<path>, ` +
          'response.status, response.headers.<name> or response.body.<path>',
      });
    }
  });

const secretReference = z
  .string({ error: "must be a ${VAR} reference to the worker's environment" })
  .superRefine((text, ctx) => {
    if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(text)) return;
    ctx.addIssue({
      code: 'custom',
      message: text.startsWith('whsec_')
        ? "must be a ${VAR} reference, not the secret itself: put whsec_… in the worker's environment and write ${VAR} here"
        : "must be a ${VAR} reference to the worker's environment (its value: whsec_ and base64)",
    });
  });

/**
 * Standard Webhooks signing of a target's requests: `secret`, or `secrets` while rotating
 * (every request is signed with each). Read as a list either way.
 */
const signingSchema = z
  .strictObject({
    secret: secretReference.optional(),
    secrets: z
      .array(secretReference, { error: 'must be a list of ${VAR} references' })
      .min(1, 'must list at least one secret')
      .max(MAX_SIGNING_SECRETS, `must list at most ${MAX_SIGNING_SECRETS} secrets`)
      .refine((list) => new Set(list).size === list.length, 'must not list a secret twice')
      .optional(),
  })
  .superRefine((signing, ctx) => {
    if ((signing.secret === undefined) === (signing.secrets === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must have either secret or secrets (a list, while rotating), not both or neither',
      });
    }
  })
  .transform(({ secret, secrets }) => ({ secrets: secrets ?? (secret ? [secret] : []) }));

/** A target's rate limit (`20/s`, `90/m`), parsed to requests per second. */
const rateLimit = z.string({ error: `must be ${RATE_FORMAT}` }).transform((text, ctx) => {
  const perSecond = parseRate(text);
  if (perSecond === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be ${RATE_FORMAT}` });
    return z.NEVER;
  }
  return perSecond;
});

/** A share like `50%`, above 0 and at most 100%, parsed to a fraction (0.5). */
const percentage = z
  .string({ error: 'must be a percentage like 50%, above 0% and at most 100%' })
  .transform((text, ctx) => {
    const match = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
    const rate = match ? Number(match[1]) / 100 : NaN;
    if (!(rate > 0 && rate <= 1)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a percentage like 50%, above 0% and at most 100%',
      });
      return z.NEVER;
    }
    return rate;
  });

const wholeAtLeastOne = (most: number) =>
  z
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be >= 1')
    .max(most, `must be at most ${most}`);

/**
 * A target's circuit breaker (see `src/contract/breaker.ts`), on by default: a target failing half
 * its attempts over a minute, with at least 20 attempts, is sick; 30 s open is short enough not to
 * hurt a target that recovers. `off` turns it off.
 */
const breakerSchema = z
  .union(
    [
      z.literal('off'),
      z.strictObject({
        failureRate: percentage.prefault('50%'),
        minAttempts: wholeAtLeastOne(1_000_000).prefault(20),
        window: duration
          .refine((ms) => ms >= 1_000 && ms <= MAX_BREAKER_WINDOW_MS, {
            message: `must be between 1s and ${formatDuration(MAX_BREAKER_WINDOW_MS)}`,
          })
          .prefault('1m'),
        openFor: duration.prefault('30s'),
        probes: wholeAtLeastOne(1_000).prefault(3),
      }),
    ],
    { error: 'must be off, or settings like { failureRate: 50%, minAttempts: 20 }' },
  )
  .prefault({})
  .transform((breaker): BreakerSettings | undefined =>
    breaker === 'off'
      ? undefined
      : {
          failureRate: breaker.failureRate,
          minAttempts: breaker.minAttempts,
          windowMs: breaker.window,
          openForMs: breaker.openFor,
          probes: breaker.probes,
        },
  );

const targetSchema = z
  .strictObject({
    request: z.strictObject({
      method: method.prefault('POST'),
      url: httpUrl,
      headers,
      timeout: duration.prefault('10s'),
    }),
    retry: retrySchema({
      initialInterval: '1s',
      maximumInterval: '1m',
      maximumAttempts: 8,
      deadline: '10m',
    }),
    successStatuses: z.array(statusCode).nonempty('must list at least one status').optional(),
    /**
     * `true` (default): the target's attempts run on a task queue of their own, with slots of their
     * own, so a target that hangs cannot take the slots another target's legs need. `false`: they
     * run on the workflow's task queue, where the server hands an attempt straight to the worker
     * that scheduled it (eager dispatch, one trip through matching fewer), sharing that worker's
     * slots with every other target that does the same.
     */
    bulkhead: z.boolean({ error: 'must be true or false' }).prefault(true),
    /**
     * Attempts per second to this target across every worker, enforced by the server on the
     * target's own task queue; an operator may override it at run time (`tandem target limit`).
     */
    rateLimit: rateLimit.optional(),
    /** The target's circuit breaker, shared by every run and worker; `off` for none. */
    breaker: breakerSchema,
    signing: signingSchema.optional(),
    compensate: z
      .strictObject({
        method: method.prefault('DELETE'),
        url: templated(httpUrl),
        headers: templated(headers),
        body: templated(z.unknown()).optional(),
        timeout: duration.prefault('10s'),
        retry: retrySchema({
          initialInterval: '1s',
          maximumInterval: '5m',
          maximumAttempts: 10,
          deadline: '1h',
        }),
      })
      .optional(),
  })
  .superRefine((target, ctx) => {
    // Without a bulkhead the attempts share the workflow's queue: a limit there caps everything.
    if (target.rateLimit !== undefined && !target.bulkhead) {
      ctx.addIssue({
        code: 'custom',
        path: ['rateLimit'],
        message:
          "needs the target's own task queue, and bulkhead: false puts its attempts on the " +
          "workflow's queue, where the server would limit every target at once: remove " +
          'rateLimit or set bulkhead: true',
      });
    }
  });

/** Limits that every way in enforces (see `src/limits.ts` for the fixed ones). */
export const limitsSchema = z.strictObject({
  /** Largest delivery payload, as serialized JSON; bounded by Temporal's blob limit. */
  payload: byteSize
    .refine((bytes) => bytes <= MAX_PAYLOAD_LIMIT_BYTES, {
      message: `must be at most ${MAX_PAYLOAD_LIMIT_BYTES} bytes (1mb): a payload travels in one Temporal event, whose limit is 2 MiB`,
    })
    .prefault(DEFAULT_PAYLOAD_LIMIT_BYTES),
});

/** Most runs `worker.cachedRuns` may keep: far more than any worker's memory holds. */
const MAX_CACHED_RUNS = 1_000_000;

/** Attempts one target's worker runs at once when `worker.slots.perTarget` does not say. */
export const DEFAULT_SLOTS_PER_TARGET = 100;

/** Most slots one worker may be given: far beyond what one process runs well. */
const MAX_SLOTS = 10_000;

/** The SDK raises fewer workflow task slots to 2 while runs are cached. */
const MIN_WORKFLOW_TASK_SLOTS = 2;

/** A whole number of slots, from `min` to {@link MAX_SLOTS}. */
function slotCount(min: number) {
  const message = `must be a whole number of slots from ${min} to ${MAX_SLOTS}`;
  return z.number({ error: message }).int(message).min(min, message).max(MAX_SLOTS, message);
}

/** The tuner's target for CPU and memory alike when the config does not say. */
const DEFAULT_TUNER_TARGET = 0.8;

/** A share of the process's CPU or memory the tuner aims to stay under. */
const usageFraction = z
  .number({ error: 'must be a fraction above 0 and at most 1, such as 0.8' })
  .gt(0, 'must be a fraction above 0 and at most 1, such as 0.8')
  .lte(1, 'must be a fraction above 0 and at most 1, such as 0.8');

/** Target names become task-queue and header parts, so they are kept plain. */
export const TARGET_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** The schema of `tandem.config.yaml`; parsing it yields a {@link TandemConfig}. */
export const configSchema = z.strictObject({
  temporal: temporalSchema,
  targets: z
    .record(z.string(), targetSchema, { error: 'must map target names to their settings' })
    .refine((targets) => Object.keys(targets).length > 0, 'must declare a target'),
  limits: limitsSchema.prefault({}),
  /** Where workers may connect, beyond the hosts the targets' URLs name (see `egressPolicyFor`). */
  egress: z
    .strictObject({
      allow: z.array(
        z
          .string({ error: 'must be a host name, an IP address or a network' })
          .refine(
            (entry) => parseEgressEntry(entry) !== undefined,
            'must be a host name (api.example.com), an IP address (10.1.2.3) or a network in CIDR form (10.0.0.0/8)',
          ),
        { error: 'must be a list of host names, IP addresses and networks' },
      ),
    })
    .optional(),
  /** Optional: how each worker process runs. */
  worker: z
    .strictObject({
      /**
       * Runs a worker process keeps in memory between their workflow tasks (Temporal's sticky
       * cache). A run waiting for an operator stays in it until evicted; an evicted run is
       * replayed from its history at its next task. Absent: the SDK's default, sized from the
       * process's heap limit.
       */
      cachedRuns: z
        .number({ error: 'must be a whole number of runs (0 keeps none)' })
        .int('must be a whole number of runs (0 keeps none)')
        .min(0, 'must be 0 or more (0 keeps none)')
        .max(MAX_CACHED_RUNS, `must be at most ${MAX_CACHED_RUNS}`)
        .optional(),
      /** Fixed slots: what each worker of the process runs at once. Not with `tuner`. */
      slots: z
        .strictObject({
          /** Attempts one target's worker runs at once. Absent: {@link DEFAULT_SLOTS_PER_TARGET}. */
          perTarget: slotCount(1).optional(),
          /** Workflow tasks the workflow worker runs at once. Absent: the SDK's default (40). */
          workflowTasks: slotCount(MIN_WORKFLOW_TASK_SLOTS).optional(),
        })
        .optional(),
      /**
       * Slots sized by the SDK's resource-based tuner: every worker of the process takes another
       * task only while the process's CPU and memory stay under these fractions. Not with `slots`.
       */
      tuner: z
        .strictObject({
          targetCpu: usageFraction.prefault(DEFAULT_TUNER_TARGET),
          targetMemory: usageFraction.prefault(DEFAULT_TUNER_TARGET),
        })
        .optional(),
    })
    .superRefine((worker, ctx) => {
      // The SDK takes either fixed slot counts or a tuner; the config says which, once.
      if (worker.slots !== undefined && worker.tuner !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['tuner'],
          message:
            'cannot be set with worker.slots: the tuner sizes the slots itself: remove one of them',
        });
      }
    })
    .optional(),
  /** Optional: read through {@link gatewaySettings}, which fills in the defaults. */
  gateway: gatewaySchema.optional(),
  /** Optional: payloads encrypted at rest; see {@link codecSchema}. */
  codec: codecSchema.optional(),
});

/** A validated config; durations are in milliseconds. */
export type TandemConfig = z.output<typeof configSchema>;
/** The validated `temporal` section. */
export type TemporalSettings = TandemConfig['temporal'];
/** One target's validated settings. */
export type TargetConfig = TandemConfig['targets'][string];
/** A target's validated signing settings: the `${VAR}` references of its active secrets. */
export type SigningConfig = NonNullable<TargetConfig['signing']>;
/** A validated retry policy; durations are in milliseconds. */
export type RetryConfig = TargetConfig['retry'];
/** The validated limits; sizes are in bytes. */
export type LimitsConfig = z.output<typeof limitsSchema>;
/** The validated `codec` section. */
export type CodecConfig = z.output<typeof codecSchema>;
/** The gateway's validated settings; `bodyLimit` is in bytes. */
export type GatewayConfig = z.output<typeof gatewaySchema>;

/** The config's gateway settings, with the defaults when the file has no `gateway:` section. */
export function gatewaySettings(config: TandemConfig): GatewayConfig {
  return config.gateway ?? gatewaySchema.parse({});
}

/** Time given to in-flight attempts, beyond the longest request timeout, on shutdown. */
const SHUTDOWN_MARGIN_MS = 5_000;

/**
 * How long a worker lets in-flight attempts finish once told to stop: the longest request or
 * compensation timeout, plus a margin. A platform's kill grace (Kubernetes'
 * `terminationGracePeriodSeconds`) must be longer, or attempts are cut off mid-call.
 */
export function workerShutdownGraceMs(config: TandemConfig): number {
  const longestTimeout = Math.max(
    ...Object.values(config.targets).flatMap((t) => [
      t.request.timeout,
      t.compensate?.timeout ?? 0,
    ]),
  );
  return longestTimeout + SHUTDOWN_MARGIN_MS;
}
