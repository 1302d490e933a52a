/** The `temporal` section of the config: where Temporal is, and how to reach it securely. */
import { z } from 'zod';

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
 * The Worker Deployment every Tandem worker joins. The server keeps the name in version ids
 * (`name.buildId`) and refuses `.` and `:` in it, and names starting with `__`: the rule here is
 * narrower and says so before any worker starts.
 */
const deploymentSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be a string' })
      .max(100, 'must be at most 100 characters')
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
        'must be letters, digits, "-" and "_", starting with a letter or digit',
      )
      .prefault('tandem'),
  })
  .prefault({ name: 'tandem' });

/**
 * Where Temporal is and how to reach it. `apiKey` (Temporal Cloud) is best written as
 * `${TEMPORAL_API_KEY}`: it is then read from the environment when connecting.
 */
export const temporalSchema = z
  .strictObject({
    address: z.string().min(1, 'must not be empty').prefault('localhost:7233'),
    namespace: z.string().min(1, 'must not be empty').prefault('default'),
    taskQueue: z.string().min(1, 'must not be empty').prefault('tandem'),
    /** The Worker Deployment this config's workers run in: one version per workflow build. */
    deployment: deploymentSchema,
    tls: temporalTlsSchema.optional(),
    apiKey: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  })
  .prefault({ address: 'localhost:7233', namespace: 'default', taskQueue: 'tandem' });
