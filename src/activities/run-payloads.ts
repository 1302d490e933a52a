import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WorkflowService } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { DeliveryInput } from '../contract/contracts';
import { FailureType, type AttemptFailureDetails } from '../contract/failures';

/** Runs whose payload one worker process keeps, at most. */
const DEFAULT_MAX_RUNS = 256;
/** Bytes of (encoded) payloads one worker process keeps, at most. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** The one RPC {@link RunPayloads} needs: the worker's connection provides it. */
export type HistoryService = Pick<WorkflowService, 'getWorkflowExecutionHistory'>;

/** Bounds of a {@link RunPayloads} cache. */
export interface RunPayloadsOptions {
  maxRuns?: number;
  maxBytes?: number;
  /** The workers' payload codecs (the codec of an encrypting config), applied before decoding. */
  codecs?: readonly PayloadCodec[];
}

function unavailable(message: string, nonRetryable: boolean, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.PayloadUnavailable,
    message,
    nonRetryable,
    details: [{ outcome: 'not_sent' } satisfies AttemptFailureDetails],
    ...(cause && { cause }),
  });
}

interface Entry {
  payload: Promise<unknown>;
  bytes: number;
}

/**
 * Where an attempt finds its delivery's payload: the run's own start event
 * (`WorkflowExecutionStarted`, whose input is the {@link DeliveryInput}), read over the worker's
 * connection and decoded with the workers' codecs and the default payload converter, then
 * kept in a bounded cache keyed by run id. The worker that runs a run's first workflow task
 * {@link keep}s the payload it was started with, so the attempts that task dispatches to this
 * process (all of them when one process runs every worker) need no read: a round trip off
 * every delivery's path.
 *
 * Why this design: attempt and compensation inputs carry no payload, so a run's history grows by
 * O(1) in the payload's size per attempt, however many attempts a flapping target costs; the
 * payload already is in history, so no external store (and no bucket or cleanup) is
 * needed; and history is durable, so a restarted worker, or another one, reads it just the same
 * (its cache starts empty and fills on the first attempt of each run).
 */
export class RunPayloads {
  /** Insertion order is recency order: a hit is moved to the end, eviction takes the front. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxRuns: number;
  private readonly maxBytes: number;
  private readonly codecs: readonly PayloadCodec[];

  constructor(
    private readonly service: HistoryService,
    {
      maxRuns = DEFAULT_MAX_RUNS,
      maxBytes = DEFAULT_MAX_BYTES,
      codecs = [],
    }: RunPayloadsOptions = {},
  ) {
    this.maxRuns = maxRuns;
    this.maxBytes = maxBytes;
    this.codecs = codecs;
  }

  /** The payload of the run whose activity is running now. */
  current(): Promise<unknown> {
    const { info } = Context.current();
    const run = info.workflowExecution;
    if (!run) throw unavailable('An attempt must be scheduled by a delivery run.', true);
    return this.of(info.namespace, run.workflowId, run.runId);
  }

  /** The payload of one run: read once, then from the cache while it is kept. */
  of(namespace: string, workflowId: string, runId: string): Promise<unknown> {
    const cached = this.entries.get(runId);
    if (cached) {
      this.entries.delete(runId);
      this.entries.set(runId, cached);
      return cached.payload;
    }
    const entry: Entry = { payload: Promise.resolve(undefined), bytes: 0 };
    // Attempts of the same run that arrive together (parallel legs) share one read.
    entry.payload = this.read(namespace, workflowId, runId).then(
      ({ payload, bytes }) => {
        if (this.entries.get(runId) === entry) {
          entry.bytes = bytes;
          this.bytes += bytes;
          this.evict();
        }
        return payload;
      },
      (error: unknown) => {
        // A failed read is not kept: the next attempt reads again.
        if (this.entries.get(runId) === entry) this.entries.delete(runId);
        throw error;
      },
    );
    this.entries.set(runId, entry);
    this.evict();
    return entry.payload;
  }

  /**
   * Keeps the payload the run's workflow code was started with, unless it is kept already: the
   * same value a read of its start event would decode (the workflow gets its input through the
   * same converter and codecs), copied out of the workflow's sandbox.
   */
  keep(runId: string, payload: unknown): void {
    if (this.entries.has(runId)) return;
    const value: unknown = structuredClone(payload);
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    this.entries.set(runId, { payload: Promise.resolve(value), bytes });
    this.bytes += bytes;
    this.evict();
  }

  /** Drops the least recently used runs until both bounds hold (the newest run always stays). */
  private evict(): void {
    for (const [runId, entry] of this.entries) {
      if (this.entries.size <= this.maxRuns && this.bytes <= this.maxBytes) return;
      if (this.entries.size === 1) return;
      this.entries.delete(runId);
      this.bytes -= entry.bytes;
    }
  }

  private async read(namespace: string, workflowId: string, runId: string) {
    let started: Payload | undefined;
    try {
      const { history } = await this.service.getWorkflowExecutionHistory({
        namespace,
        execution: { workflowId, runId },
        // The start event is always the first: one event is all this needs.
        maximumPageSize: 1,
      });
      started =
        history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] ??
        undefined;
    } catch (error) {
      throw unavailable(
        `Could not read the payload of ${workflowId} from Temporal: ${(error as Error).message}`,
        false,
        error as Error,
      );
    }
    if (!started) {
      throw unavailable(`${workflowId} has no delivery input in its start event.`, true);
    }
    const bytes = started.data?.length ?? 0;
    // Decoded in the opposite order of encoding, as the SDK does.
    for (const codec of [...this.codecs].reverse()) [started] = await codec.decode([started!]);
    const input = defaultPayloadConverter.fromPayload<DeliveryInput>(started!);
    return { payload: input.payload, bytes };
  }
}
