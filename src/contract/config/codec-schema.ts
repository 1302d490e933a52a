import { z } from 'zod';

/** `${VAR}`: a secret the file names and the process's environment holds. */
const envReference = (what: string) =>
  z
    .string({ error: `must be \${VAR}` })
    .regex(
      /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/,
      `must be \${VAR}: ${what} is read from the environment, never written in the file`,
    );

const ORIGIN_RULE =
  'must be an origin, scheme://host[:port] with no path (like http://localhost:8233); "null" and file: pages are never allowed';

/**
 * Whether `text` is a web origin a browser sends in `Origin`: http(s), a host, perhaps a port, and
 * nothing else. `null` (sandboxed frames, `file:` pages) is refused: any such page sends it, so
 * allowing it would let every one of them call the codec.
 */
function isOrigin(text: string): boolean {
  if (!/^https?:\/\/[^/?#@\s]+\/?$/i.test(text)) return false;
  try {
    return new URL(text).origin !== 'null';
  } catch {
    return false;
  }
}

/**
 * Payload encryption (opt-in). The first key encrypts; every key listed decrypts, so a rotation
 * adds a new key first and keeps the old ones until no run needs them. `ui` lets the Temporal Web
 * UI decode through the gateway's codec route.
 */
export const codecSchema = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        id: z
          .string({ error: 'must be a key id' })
          .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
        key: envReference('a codec key'),
      }),
      { error: 'must be a list of { id, key }' },
    )
    .nonempty('must list at least one key (the first encrypts, all decrypt)')
    .superRefine((keys, ctx) => {
      keys.forEach(({ id }, index) => {
        if (keys.findIndex((other) => other.id === id) !== index) {
          ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `repeats key id "${id}"` });
        }
      });
    }),
  ui: z
    .strictObject({
      /** Origins allowed by CORS: where the Temporal Web UI is served. */
      origins: z
        .array(
          z
            .string({ error: ORIGIN_RULE })
            .refine(isOrigin, { error: ORIGIN_RULE })
            .transform((text) => new URL(text).origin),
          { error: 'must be a list of origins' },
        )
        .nonempty("must list the Web UI's origin"),
      /** The secret path segment of the UI's codec endpoint (`/codec/<token>`). */
      token: envReference('the UI token'),
    })
    .optional(),
});
