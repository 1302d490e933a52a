import { z } from 'zod';
import type { DeliveryStatus } from '../contract/contracts';
import { scanNesting } from '../contract/json-shape';

const cursorSchema = z.strictObject({
  /** Temporal's own token for the next page of the visibility list, base64. */
  next: z.string().min(1).max(2900),
  /** The status filter the token was given for. */
  status: z.string().optional(),
});

/**
 * A page token: opaque to clients (base64url JSON around Temporal's own page token), checked
 * when it comes back. Each page is one visibility call of at most one page size, wherever the
 * token points.
 */
export function encodePageToken(next: Uint8Array, status: DeliveryStatus | undefined): string {
  const cursor = {
    next: Buffer.from(next).toString('base64'),
    ...(status !== undefined && { status }),
  };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Temporal's page token inside a token this gateway gave out for `status`, or why it cannot be used. */
export function decodePageToken(
  token: string,
  status: DeliveryStatus | undefined,
): { ok: true; next: Uint8Array } | { ok: false; detail: string } {
  const notOurs = { ok: false, detail: 'is not a page token this gateway gave out' } as const;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  // A cursor is one flat object: anything nested is refused unread.
  if (scanNesting(text, 1)) return notOurs;
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    return notOurs;
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success) return notOurs;
  if (parsed.data.status !== status) {
    return { ok: false, detail: 'belongs to a list with another status filter' };
  }
  return { ok: true, next: Buffer.from(parsed.data.next, 'base64') };
}
