import { z } from 'zod';
import { codecSchema } from './codec-schema';
import { parseDuration } from '../duration';
import {
  DEFAULT_PAYLOAD_LIMIT_BYTES,
  MAX_PAYLOAD_LIMIT_BYTES,
  TEMPORAL_BLOB_LIMIT_BYTES,
  MAX_SIGNING_SECRETS,
} from '../limits';
import { parseEgressEntry } from '../http/egress';
import { templatesInOrigin, unknownTemplateFields } from '../template';
import { duration } from './duration-field';

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

const targetSchema = z.strictObject({
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
});

const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;
const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)$/i;

const byteSize = z
  .union([z.string(), z.number()], {
    error: 'must be a size like 512kb or 1mb, or a number of bytes',
  })
  .transform((value, ctx) => {
    const match = typeof value === 'string' ? BYTE_SIZE.exec(value.trim()) : undefined;
    const bytes =
      typeof value === 'number'
        ? value
        : match
          ? Math.floor(
              Number(match[1]) * BYTE_UNITS[match[2]!.toLowerCase() as keyof typeof BYTE_UNITS],
            )
          : Number.NaN;
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a positive size like 512kb or 1mb, or a number of bytes',
      });
      return z.NEVER;
    }
    return bytes;
  });

/**
 * The HTTP gateway's settings (`tandem gateway`, and the gateway inside `tandem dev`). API keys
 * are better given in `TANDEM_API_KEYS` than written here; both are accepted.
 */
export const gatewaySchema = z.strictObject({
  host: z
    .string({ error: 'must be a host name or IP address' })
    .min(1, 'must not be empty')
    .prefault('127.0.0.1'),
  port: z
    .number({ error: 'must be a port number (0-65535)' })
    .int('must be a port number (0-65535)')
    .min(0, 'must be a port number (0-65535)')
    .max(65535, 'must be a port number (0-65535)')
    .prefault(8080),
  /** Largest request body accepted; a larger one is refused with 413 before it is parsed. */
  bodyLimit: byteSize
    .refine((bytes) => bytes <= TEMPORAL_BLOB_LIMIT_BYTES, {
      message: `must be at most ${TEMPORAL_BLOB_LIMIT_BYTES} bytes: Temporal refuses a larger blob, so a larger body could never start a delivery`,
    })
    .prefault('1mb'),
  /**
   * `{ name, key: ${VAR}, scopes }`; a plain string (the form from before keys had scopes) is a
   * key of every scope.
   */
  apiKeys: z
    .array(
      z.union(
        [
          z.string({ error: 'must be a string' }).min(16, 'must be at least 16 characters'),
          z.strictObject({
            name: z
              .string({ error: 'must be a name' })
              .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
            key: z.string({ error: 'must be ${VAR} or a key' }).min(1, 'must not be empty'),
            scopes: z
              .array(
                z.enum(['deliver', 'read', 'operate'], {
                  error: 'must be deliver, read or operate',
                }),
              )
              .nonempty('must list at least one of deliver, read, operate'),
          }),
        ],
        { error: 'must be a key, or { name, key, scopes }' },
      ),
      { error: 'must be a list of keys' },
    )
    .optional(),
  /** Requests one API key may make per window; past it, 429 with Retry-After. */
  rateLimit: z
    .strictObject({
      requests: z.int({ error: 'must be a whole number' }).min(1, 'must be >= 1').prefault(1000),
      per: duration.prefault('10s'),
    })
    .prefault({}),
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

/** Target names become task-queue and header parts, so they are kept plain. */
export const TARGET_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

const filePath = z.string({ error: 'must be a file path' }).min(1, 'must be a file path');

/**
 * TLS to the Temporal frontend: `true` for TLS with the system's CAs (Temporal Cloud with an API
 * key), or the files for a private CA and mTLS (client certificate and key, both or neither).
 */
const temporalTlsSchema = z.union(
  [
    z.boolean(),
    z
      .strictObject({
        ca: filePath.optional(),
        cert: filePath.optional(),
        key: filePath.optional(),
        serverName: z.string().min(1, 'must not be empty').optional(),
      })
      .superRefine((tls, ctx) => {
        if ((tls.cert === undefined) !== (tls.key === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: [tls.cert === undefined ? 'cert' : 'key'],
            message: 'mTLS needs both cert and key',
          });
        }
      }),
  ],
  { error: 'must be true, false, or { ca, cert, key, serverName }' },
);

/**
 * Where Temporal is and how to reach it. `apiKey` (Temporal Cloud) is best written as
 * `${TEMPORAL_API_KEY}`: it is then read from the environment when connecting.
 */
export const temporalSchema = z
  .strictObject({
    address: z.string().min(1, 'must not be empty').prefault('localhost:7233'),
    namespace: z.string().min(1, 'must not be empty').prefault('default'),
    taskQueue: z.string().min(1, 'must not be empty').prefault('tandem'),
    tls: temporalTlsSchema.optional(),
    apiKey: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  })
  .prefault({ address: 'localhost:7233', namespace: 'default', taskQueue: 'tandem' });

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
