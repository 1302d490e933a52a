import { z } from 'zod';
import type { DeliverySummary } from '../client';
import type { DeliveryStatus } from '../contracts';

/** Deepest page a token may point to; deeper lists should be narrowed with `status`. */
export const MAX_LIST_OFFSET = 10_000;

const cursorSchema = z.strictObject({
  /** Where the previous page ended, counted from the newest delivery. */
  offset: z.number().int().min(1).max(MAX_LIST_OFFSET),
  /** The last delivery of the previous page: the next page starts right after it. */
  after: z.string().min(1),
  /** The status filter the token was given for. */
  status: z.string().optional(),
});

/** Where a page starts. */
export type PageCursor = z.output<typeof cursorSchema>;

/** A page token: opaque to clients (base64url JSON), checked when it comes back. */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor of a token this gateway gave out for `status`, or why it cannot be used. */
export function decodePageToken(
  token: string,
  status: DeliveryStatus | undefined,
): { ok: true; cursor: PageCursor } | { ok: false; detail: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, detail: 'is not a page token this gateway gave out' };
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success) return { ok: false, detail: 'is not a page token this gateway gave out' };
  if (parsed.data.status !== status) {
    return { ok: false, detail: 'belongs to a list with another status filter' };
  }
  return { ok: true, cursor: parsed.data };
}

/**
 * One page of a newest-first list, given the deliveries fetched from its start. The list
 * moves as deliveries start, so a page begins after the last delivery of the previous one
 * when it is still in view, and at the previous offset otherwise.
 */
export function pageOf(
  fetched: readonly DeliverySummary[],
  limit: number,
  cursor: PageCursor | undefined,
  status: DeliveryStatus | undefined,
): { deliveries: DeliverySummary[]; nextPageToken?: string } {
  let start = 0;
  if (cursor) {
    const last = fetched.findIndex((d) => d.workflowId === cursor.after);
    start = last === -1 ? cursor.offset : last + 1;
  }
  const deliveries = fetched.slice(start, start + limit);
  const end = start + deliveries.length;
  const last = deliveries.at(-1);
  if (fetched.length <= end || last === undefined || end > MAX_LIST_OFFSET) return { deliveries };
  return {
    deliveries,
    nextPageToken: encodePageToken({
      offset: end,
      after: last.workflowId,
      ...(status !== undefined && { status }),
    }),
  };
}

/** How many deliveries to fetch to serve the page after `cursor`, with room for new ones. */
export function fetchSize(limit: number, cursor: PageCursor | undefined): number {
  return (cursor?.offset ?? 0) + 2 * limit + 1;
}
