/**
 * Which deliveries a bulk action acts on, as one visibility query: the one home of that rule,
 * which the client applies for the CLI and the gateway alike.
 */
import { deliveryActionSpec, type DeliveryActionName } from './action-types';
import type { RunRequirement } from './action-spec';
import { InvalidBatchSelectionError } from './action-errors';
import { TARGET_NAME } from './config/schema';
import {
  DELIVERY_WORKFLOW,
  IN_PROGRESS_STATUSES,
  OPEN_STATUSES,
  type DeliveryStatus,
} from './contracts';
import { parseDuration } from './duration';
import type { Issue } from './errors';
import { TandemStatus, TandemTargets } from './search-attributes';

/** What an operator selects; at least one of `status`, `target`, `since`, or `all`. */
export interface BatchSelection {
  /** Only deliveries in this status (one the action applies to). */
  status?: string;
  /** Only deliveries with a leg to this target. */
  target?: string;
  /** Only deliveries started within this long before now (`2h`). */
  since?: string;
  /** Every delivery the action applies to: required when nothing else narrows the query. */
  all?: boolean;
}

/** The statuses a delivery may be in for an action of each requirement to apply. */
const STATUSES: Record<RunRequirement, readonly DeliveryStatus[]> = {
  in_progress: IN_PROGRESS_STATUSES,
  parked: ['needs_attention'],
  open: OPEN_STATUSES,
};

/** The statuses `action` applies to: a bulk action never selects a delivery outside them. */
export function bulkStatuses(action: DeliveryActionName): readonly DeliveryStatus[] {
  return STATUSES[deliveryActionSpec(action).when.run];
}

/**
 * A value as a visibility query's string literal. Values are checked before they get here (a
 * target name, a status, a time); this refuses anything that could end the literal all the
 * same, so no value can add query text.
 */
export function queryLiteral(value: string): string {
  // Printable ASCII but the quotes and the backslash that could close or escape the literal.
  if (!/^[\x20-\x7e]*$/.test(value) || /["'\\`]/.test(value)) {
    throw new TypeError(`${JSON.stringify(value)} cannot be a visibility query value`);
  }
  return `"${value}"`;
}

/**
 * The visibility query of the open deliveries on `taskQueue` that `selection` selects for
 * `action`, or a refusal naming each bad field. `now` anchors `since`.
 */
export function selectionQuery(
  action: DeliveryActionName,
  selection: BatchSelection,
  { taskQueue, now }: { taskQueue: string; now: Date },
): string {
  const statuses = bulkStatuses(action);
  const issues: Issue[] = [];
  const { status, target, since, all } = selection;
  if (status === undefined && target === undefined && since === undefined && all !== true) {
    issues.push({
      path: 'all',
      detail: `nothing narrows the selection: name a status, a target or a since, or say all to ${action} every delivery it applies to`,
    });
  }
  if (status !== undefined && !statuses.includes(status as DeliveryStatus)) {
    issues.push({ path: 'status', detail: `${action} applies to ${statuses.join(', ')} only` });
  }
  if (target !== undefined && !TARGET_NAME.test(target)) {
    issues.push({
      path: 'target',
      detail: 'must be a target name (lower-case letters, digits, _ and -)',
    });
  }
  const sinceMs = since === undefined ? undefined : parseDuration(since);
  if (since !== undefined && (sinceMs === undefined || sinceMs <= 0)) {
    issues.push({ path: 'since', detail: 'must be a duration such as 30m, 2h or 7d' });
  }
  if (issues.length > 0) throw new InvalidBatchSelectionError(action, issues);

  const chosen = status === undefined ? statuses : [status];
  const clauses = [
    `WorkflowType = ${queryLiteral(DELIVERY_WORKFLOW)}`,
    `TaskQueue = ${queryLiteral(taskQueue)}`,
    // A run ended by hand keeps its last TandemStatus: only an open run can still take an action.
    'ExecutionStatus = "Running"',
    `${TandemStatus.name} IN (${chosen.map(queryLiteral).join(', ')})`,
    ...(target === undefined ? [] : [`${TandemTargets.name} = ${queryLiteral(target)}`]),
    ...(sinceMs === undefined
      ? []
      : [`StartTime >= ${queryLiteral(new Date(now.getTime() - sinceMs).toISOString())}`]),
  ];
  return clauses.join(' AND ');
}
