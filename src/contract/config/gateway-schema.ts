/** The gateway section of the config, and the byte sizes it and the limits are written in. */
import { z } from 'zod';
import { TEMPORAL_BLOB_LIMIT_BYTES } from '../limits';
import { duration } from './duration-field';

const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;
const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)$/i;

/** A size like `512kb` or `1mb`, or a number of bytes. */
export const byteSize = z
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
  /**
   * Names a gateway without API keys answers to besides loopback ones (`localhost`, `127.x.x.x`,
   * `[::1]`), such as a name in /etc/hosts; a request for any other `Host` gets 421, so a web page
   * cannot reach the gateway through a name it controls (DNS rebinding).
   */
  hosts: z
    .array(
      z
        .string({ error: 'must be a host name' })
        .regex(/^(?=.{1,253}$)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/, {
          error: 'must be a host name or IPv4 address such as tandem.internal, with no port',
        })
        .transform((name) => name.toLowerCase()),
      { error: 'must be a list of host names' },
    )
    .optional(),
  /**
   * How often `/metrics` may count deliveries by status in Temporal's visibility store; scrapes in
   * between are answered with the last counts.
   */
  metricsRefresh: duration.prefault('15s'),
  /** Requests one API key may make per window; past it, 429 with Retry-After. */
  rateLimit: z
    .strictObject({
      requests: z.int({ error: 'must be a whole number' }).min(1, 'must be >= 1').prefault(1000),
      per: duration.prefault('10s'),
    })
    .prefault({}),
});
