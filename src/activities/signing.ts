import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { SigningConfig } from '../contract/config/schema';
import { TANDEM_HEADERS } from '../contract/contracts';
import { FailureType, type AttemptFailureDetails } from '../contract/failures';
import type { SecretResolver } from '../contract/template';

const PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The key sizes the Standard Webhooks spec asks for. */
const KEY_BYTES = { min: 24, max: 64 } as const;

/** The key a `whsec_…` secret stands for; a failure names the `${VAR}`, never the value. */
function keyOf(reference: string, secret: SecretResolver): Buffer {
  const value = secret(reference.slice(2, -1));
  const encoded = value.startsWith(PREFIX) ? value.slice(PREFIX.length) : undefined;
  const key =
    encoded !== undefined && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (key && key.length >= KEY_BYTES.min && key.length <= KEY_BYTES.max) return key;
  throw ApplicationFailure.create({
    type: FailureType.WorkerConfig,
    message:
      `The worker's ${reference}, a signing secret, is not ${PREFIX} followed by the base64 of ` +
      `${KEY_BYTES.min} to ${KEY_BYTES.max} bytes; set it so and restart the worker.`,
    nonRetryable: true,
    details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
  });
}

/**
 * The Standard Webhooks headers of one request: `webhook-id` (stable over retries),
 * `webhook-timestamp` (this attempt's, in seconds) and `webhook-signature`, one `v1,<base64
 * HMAC-SHA256 of id.timestamp.body>` per active secret, space-separated. Empty when the target
 * does not sign. Secrets are resolved here, inside the activity, and only their HMACs leave it.
 */
export function signatureHeaders(
  signing: SigningConfig | undefined,
  id: string,
  body: string,
  secret: SecretResolver,
  nowMs: number = Date.now(),
): Record<string, string> {
  if (!signing) return {};
  const timestamp = String(Math.floor(nowMs / 1000));
  const signed = `${id}.${timestamp}.${body}`;
  const signatures = signing.secrets.map(
    (reference) =>
      `v1,${createHmac('sha256', keyOf(reference, secret)).update(signed).digest('base64')}`,
  );
  return {
    [TANDEM_HEADERS.webhookId]: id,
    [TANDEM_HEADERS.webhookTimestamp]: timestamp,
    [TANDEM_HEADERS.webhookSignature]: signatures.join(' '),
  };
}
