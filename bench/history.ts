/**
 * What a delivery leaves in Temporal's history: events, encoded bytes (what the server stores
 * and every replay reads) and workflow tasks (each a round trip between server and worker).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** Means over the sampled runs. */
export interface HistoryCost {
  events: number;
  bytes: number;
  workflowTasks: number;
}

const COMPLETED_TASK = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;

/** Reads the histories of `workflowIds` and averages their costs. */
export async function historyCost(client: Client, workflowIds: readonly string[]) {
  const costs = await Promise.all(
    workflowIds.map(async (workflowId) => {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const events = history.events ?? [];
      return {
        events: events.length,
        bytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
        workflowTasks: events.filter((e) => e.eventType === COMPLETED_TASK).length,
      };
    }),
  );
  const mean = (key: keyof HistoryCost) => costs.reduce((sum, c) => sum + c[key], 0) / costs.length;
  return { events: mean('events'), bytes: mean('bytes'), workflowTasks: mean('workflowTasks') };
}
