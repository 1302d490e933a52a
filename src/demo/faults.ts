import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { DemoApi, DemoOperation } from './apis';

const faultSchema = z
  .strictObject({
    status: z.number().int().min(200).max(599).optional(),
    times: z.number().int().positive().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    retryAfter: z.string().min(1).optional(),
    hang: z.boolean().optional(),
    body: z.unknown().optional(),
  })
  .refine((f) => f.status !== undefined || (f.retryAfter === undefined && f.body === undefined), {
    message: 'retryAfter and body are only sent with a status',
  });

/**
 * A fault injected into one operation of one demo API. Two independent questions:
 *
 * - Is the request processed? With `status`, no: it is answered with that status (plus
 *   `retryAfter` as the `Retry-After` header and `body`, default `{ error, status }`) and nothing
 *   is created or deleted. Without `status`, it is processed normally.
 * - When is it answered? After `latencyMs`, or never with `hang`. A processed request acts
 *   first, then waits, then answers: this models "the request was processed but the answer was
 *   lost" when the client times out. A faulted request waits, then answers with the fault.
 *
 * `times` applies the fault to the next N requests to that operation (every request counts,
 * with or without an `Idempotency-Key`), after which the operation behaves normally again;
 * without it the fault stays until cleared. Faults come before deduplication: a repeated
 * `Idempotency-Key` meeting a fault with a status gets the fault, as from a failing proxy in
 * front of the API.
 */
export type Fault = z.infer<typeof faultSchema>;

/** A fault in force, as `GET /_faults` lists it. */
export interface ActiveFault {
  readonly api: DemoApi;
  readonly operation: DemoOperation;
  readonly fault: Fault;
  /** Requests it still applies to; `undefined` until cleared. */
  remaining: number | undefined;
}

/** The faults in force, one per API and operation at most. */
export interface FaultTable {
  /** Validates `fault` (which may come from JSON) and puts it in force; returns why not, if not. */
  set(api: DemoApi, operation: DemoOperation, fault: unknown): ActiveFault | string;
  /** The fault for the next request to `operation`, counting that request towards `times`. */
  take(api: DemoApi, operation: DemoOperation): Fault | undefined;
  clear(): void;
  list(): ActiveFault[];
}

/** An empty {@link FaultTable}. */
export function createFaultTable(): FaultTable {
  const faults = new Map<string, ActiveFault>();
  const keyOf = (api: DemoApi, operation: DemoOperation) => `${api}.${operation}`;
  return {
    set(api, operation, fault) {
      const result = faultSchema.safeParse(fault);
      if (!result.success) {
        return `invalid fault for ${api} ${operation}: ${z.prettifyError(result.error)}`;
      }
      const active = { api, operation, fault: result.data, remaining: result.data.times };
      faults.set(keyOf(api, operation), active);
      return active;
    },
    // Every request to the operation counts towards `times`, so "the next N" is what the client sees.
    take(api, operation) {
      const key = keyOf(api, operation);
      const active = faults.get(key);
      if (!active) return undefined;
      if (active.remaining !== undefined) {
        active.remaining -= 1;
        if (active.remaining === 0) faults.delete(key);
      }
      return active.fault;
    },
    clear: () => faults.clear(),
    list: () => [...faults.values()],
  };
}

/** Resolves when the answer is due, or once it can no longer be delivered (client gone, stop). */
export function answerTime(
  fault: Fault | undefined,
  res: ServerResponse,
  stopping: AbortSignal,
): Promise<void> {
  if (!fault?.hang && !fault?.latencyMs) return Promise.resolve();
  if (res.destroyed || stopping.aborted) return Promise.resolve();
  const dueAt = Date.now() + (fault.latencyMs ?? 0);
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const due = (): void => {
      clearTimeout(timer);
      res.off('close', due);
      stopping.removeEventListener('abort', due);
      resolve();
    };
    // Timers count from the event loop's cached clock and can fire a millisecond or two early
    // by the wall clock; re-arming keeps the promise that `answeredAt - at >= latencyMs`.
    const waitUntilDue = (): void => {
      const left = dueAt - Date.now();
      if (left > 0) timer = setTimeout(waitUntilDue, left);
      else due();
    };
    res.once('close', due);
    stopping.addEventListener('abort', due);
    if (!fault.hang) waitUntilDue();
  });
}
