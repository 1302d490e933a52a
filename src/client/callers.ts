/**
 * Who asked for each operator action, as Temporal recorded the caller. A run cannot see who
 * sent an update or a signal (its handlers get the input only), and a `by` written in the input
 * is a claim anyone can make; the identity of the client that sent the request is on its event
 * in the run's history. Reads fill `by` in from there.
 */
import type { ConnectionLike } from '@temporalio/client';
import type { DeliveryState, PauseState } from '../contract/contracts';
import { OPERATOR_ACTIONS } from '../contract/operator-actions';
import { UNKNOWN_CALLER, type ActionRecord, type RequestRef } from '../contract/action-record';

/** The identities of a run's operator requests: updates by id, signals in the order received. */
export interface Callers {
  readonly updates: ReadonlyMap<string, string>;
  readonly signals: readonly string[];
}

const OPERATOR_SIGNAL_NAMES: ReadonlySet<string> = new Set(OPERATOR_ACTIONS);

/**
 * Who asked when the request's client gave Temporal no identity (the Web UI without an auth
 * provider sends none).
 */
export const NO_IDENTITY = '(no identity)';

/** Whether any action or pause in `state` waits for its caller to be read from history. */
export function awaitsCallers(state: DeliveryState): boolean {
  const open = (entry: RequestRef & { by: string }) =>
    entry.by === UNKNOWN_CALLER && (entry.updateId !== undefined || entry.signal !== undefined);
  return (
    (state.actions ?? []).some(open) ||
    state.legs.some((leg) => leg.paused !== undefined && open(leg.paused))
  );
}

/** Reads the callers of a run's operator requests from its history, page by page. */
export async function readCallers(
  connection: ConnectionLike,
  namespace: string,
  execution: { workflowId: string; runId: string },
): Promise<Callers> {
  const updates = new Map<string, string>();
  const signals: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connection.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution,
      ...(nextPageToken && { nextPageToken }),
    });
    for (const event of page.history?.events ?? []) {
      const signaled = event.workflowExecutionSignaledEventAttributes;
      if (signaled && OPERATOR_SIGNAL_NAMES.has(signaled.signalName ?? '')) {
        signals.push(signaled.identity || NO_IDENTITY);
      }
      const meta = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta;
      if (meta?.updateId) updates.set(meta.updateId, meta.identity || NO_IDENTITY);
    }
    nextPageToken =
      page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { updates, signals };
}

function withCaller<T extends RequestRef & { by: string }>(entry: T, callers: Callers): T {
  if (entry.by !== UNKNOWN_CALLER) return entry;
  const by =
    entry.updateId !== undefined
      ? callers.updates.get(entry.updateId)
      : entry.signal !== undefined
        ? callers.signals[entry.signal - 1]
        : undefined;
  return by === undefined ? entry : { ...entry, by };
}

/** The state with each action's and pause's `by` taken from `callers`. */
export function withCallers(state: DeliveryState, callers: Callers): DeliveryState {
  return {
    ...state,
    legs: state.legs.map((leg) =>
      leg.paused === undefined
        ? leg
        : { ...leg, paused: withCaller<PauseState>(leg.paused, callers) },
    ),
    ...(state.actions && {
      actions: state.actions.map((action) => withCaller<ActionRecord>(action, callers)),
    }),
  };
}
