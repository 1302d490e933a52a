/**
 * What a delivery leaves in Temporal's history: events, encoded bytes (what the server stores
 * and every replay reads), workflow tasks (each a round trip between server and worker) and
 * activity tasks.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Means over the sampled runs. */
export interface HistoryCost {
  sampled: number;
  events: number;
  bytes: number;
  workflowTasks: number;
  activityTasks: number;
}

const { EventType } = temporal.api.enums.v1;

/** Reads the histories of `workflowIds` and averages their costs. */
export async function historyCost(
  client: Client,
  workflowIds: readonly string[],
): Promise<HistoryCost> {
  const costs = await Promise.all(
    workflowIds.map(async (workflowId) => {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const events = history.events ?? [];
      const count = (type: temporal.api.enums.v1.EventType) =>
        events.filter((e) => e.eventType === type).length;
      return {
        events: events.length,
        bytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
        workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        activityTasks: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      };
    }),
  );
  const mean = (pick: (c: (typeof costs)[number]) => number) =>
    costs.length === 0 ? NaN : costs.reduce((sum, c) => sum + pick(c), 0) / costs.length;
  return {
    sampled: costs.length,
    events: mean((c) => c.events),
    bytes: mean((c) => c.bytes),
    workflowTasks: mean((c) => c.workflowTasks),
    activityTasks: mean((c) => c.activityTasks),
  };
}
