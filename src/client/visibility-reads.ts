import type { RawWorkflowExecutionInfo } from '@temporalio/client';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import type { DeliveryStatus } from '../contract/contracts';
import { holdValue, type LegHold } from '../contract/holds';
import { TandemHolds } from '../contract/search-attributes';
import { isRunTrace, TRACE_MEMO, type RunTrace } from '../contract/tracing';
import { InvalidPageTokenError } from '../contract/errors';
import { MAX_PAGE_SIZE } from '../contract/limits';
import type { DeliveryPage, ListOptions } from './client-options';
import { listQuery, summaryOf, type DeliverySummary } from './runs';
import { TemporalCalls } from './temporal-calls';
import { GrpcStatus, grpcStatusOf } from './temporal-errors';

/**
 * The reads `TandemClient` answers from Temporal's visibility store rather than from one run:
 * listing and counting deliveries. Kept apart from the calls on one delivery because the store
 * lags a moment behind the runs and has its own deadline (`deadlines.visibility`).
 */
export abstract class VisibilityReads extends TemporalCalls {
  /**
   * One page of deliveries, newest first, from Temporal's visibility store (which lags a moment
   * behind the runs): at most `pageSize` (capped at `MAX_PAGE_SIZE`), one visibility call each.
   */
  async listPage(options: {
    status?: DeliveryStatus;
    pageSize: number;
    pageToken?: Uint8Array;
  }): Promise<DeliveryPage> {
    const response = await this.call({ ms: this.deadlines.visibility }, () =>
      this.connection.workflowService.listWorkflowExecutions({
        namespace: this.config.temporal.namespace,
        query: listQuery(options.status),
        pageSize: Math.max(1, Math.min(options.pageSize, MAX_PAGE_SIZE)),
        nextPageToken: options.pageToken ?? null,
      }),
    ).catch((error: unknown) => {
      const refused = grpcStatusOf(error)?.code === GrpcStatus.INVALID_ARGUMENT;
      throw options.pageToken && refused ? new InvalidPageTokenError({ cause: error }) : error;
    });
    const next = response.nextPageToken;
    const deliveries = await Promise.all(
      response.executions.map(async (info) => summaryOf(info, await this.listedTrace(info))),
    );
    return {
      deliveries,
      ...(next && next.length > 0 && { nextPageToken: next }),
    };
  }

  /**
   * The trace a listed run keeps in its memo. Visibility answers carry the memo as stored, so
   * it is decoded as `describe` decodes it (through the codec, when the config has one); only
   * this field, not the run's state beside it.
   */
  private async listedTrace(info: RawWorkflowExecutionInfo): Promise<RunTrace | undefined> {
    const kept = await decodeOptionalSinglePayload(
      this.client.options.loadedDataConverter,
      info.memo?.fields?.[TRACE_MEMO],
      {
        type: 'workflow',
        namespace: this.config.temporal.namespace,
        workflowId: info.execution?.workflowId ?? '',
      },
    );
    return isRunTrace(kept) ? kept : undefined;
  }

  /** Lists deliveries, newest first, optionally those in one status; see {@link listPage}. */
  async list({ status, limit = 100 }: ListOptions = {}): Promise<DeliverySummary[]> {
    const found: DeliverySummary[] = [];
    let pageToken: Uint8Array | undefined;
    do {
      const page = await this.listPage({
        ...(status && { status }),
        pageSize: limit - found.length,
        ...(pageToken && { pageToken }),
      });
      found.push(...page.deliveries);
      pageToken = page.nextPageToken;
    } while (pageToken && found.length < limit);
    return found.slice(0, limit);
  }

  /** How many deliveries of this config's task queue are in `status` now. */
  async count(status: DeliveryStatus): Promise<number> {
    return this.countOnQueue(listQuery(status));
  }

  /**
   * How many legs to `target` are held for `hold` now, in running deliveries of this task queue
   * (a target's name is a config key, which cannot hold a quote).
   */
  async countHeld(target: string, hold: LegHold): Promise<number> {
    return this.countOnQueue(
      `${TandemHolds.name} = "${holdValue(target, hold)}" AND ExecutionStatus = "Running"`,
    );
  }

  /** How many runs of this config's task queue `query` matches now. */
  private async countOnQueue(query: string): Promise<number> {
    const onQueue = `${query} AND TaskQueue = "${this.config.temporal.taskQueue}"`;
    const { count } = await this.call({ ms: this.deadlines.visibility }, () =>
      this.client.workflow.count(onQueue),
    );
    return count;
  }
}
