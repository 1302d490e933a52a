import { Client, isGrpcServiceError, type Connection } from '@temporalio/client';
import { TandemClient, type DeliveryRun } from '../client';
import type { TandemConfig } from '../config/schema';
import { DELIVERY_WORKFLOW, type DeliveryState, type DeliveryStatus } from '../contracts';
import { TandemStatus } from '../search-attributes';
import { ProblemError } from './problems';

/** gRPC status codes that mean "Temporal (or a worker behind it) did not answer". */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** Whether `error` (or an error it wraps) says Temporal could not be reached in time. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e) && [UNAVAILABLE, DEADLINE_EXCEEDED].includes(Number(e.code))) {
      return true;
    }
  }
  return false;
}

/** How long the gateway waits on Temporal for each kind of call, in milliseconds. */
export interface Deadlines {
  /** Starting a delivery (the server alone answers). */
  start: number;
  /** A status query, which a worker answers. */
  query: number;
  /** An operator action (an update), which a worker runs. */
  action: number;
  /** Listing and counting from the visibility store. */
  visibility: number;
  /** `/healthz`. */
  health: number;
}

export const DEFAULT_DEADLINES: Deadlines = {
  start: 10_000,
  query: 5_000,
  action: 10_000,
  visibility: 10_000,
  health: 2_000,
};

/**
 * The gateway's side of Temporal: a {@link TandemClient} for what the contract defines, plus
 * what only a server-side component needs (deadlines, health, describe, counts).
 */
export class TemporalLink {
  readonly client: TandemClient;
  private readonly raw: Client;

  private constructor(
    readonly connection: Connection,
    readonly config: TandemConfig,
    client: TandemClient,
    readonly deadlines: Deadlines,
  ) {
    this.client = client;
    this.raw = new Client({ connection, namespace: config.temporal.namespace });
  }

  static async create(
    connection: Connection,
    config: TandemConfig,
    deadlines: Partial<Deadlines> = {},
  ): Promise<TemporalLink> {
    const client = await TandemClient.connect(config, connection);
    return new TemporalLink(connection, config, client, { ...DEFAULT_DEADLINES, ...deadlines });
  }

  /** Runs `call` with every Temporal RPC in it bound by a deadline of `ms`. */
  within<T>(ms: number, call: () => Promise<T>): Promise<T> {
    return this.connection.withDeadline(Date.now() + ms, call);
  }

  /**
   * The delivery's state from its status query, answered by a worker. A query that finds no
   * worker in time becomes a 503 problem that says what to start.
   */
  async status(id: string, deadline = this.deadlines.query): Promise<DeliveryState> {
    try {
      return await this.within(deadline, () => this.client.status(id));
    } catch (error) {
      if (!isTemporalUnavailable(error)) throw error;
      throw new ProblemError(
        'temporal-unavailable',
        `No answer to the status query of delivery "${id}" within ${deadline}ms: ` +
          `Temporal at ${this.config.temporal.address} is unreachable, or no worker polls task queue ` +
          `"${this.config.temporal.taskQueue}" (start one with \`tandem worker\`).`,
        { headers: { 'retry-after': '5' } },
        { cause: error },
      );
    }
  }

  /**
   * What the server alone knows of a delivery (no worker needed): its status search attribute,
   * its start time, and whether its run is still open. Throws {@link DeliveryNotFoundError}.
   */
  describe(id: string): Promise<DeliveryRun> {
    return this.within(this.deadlines.query, () => this.client.describe(id));
  }

  /** How many deliveries of this config's task queue are in `status` now. */
  async count(status: DeliveryStatus): Promise<number> {
    const query =
      `WorkflowType = "${DELIVERY_WORKFLOW}" AND TaskQueue = "${this.config.temporal.taskQueue}" ` +
      `AND ${TandemStatus.name} = "${status}"`;
    const { count } = await this.within(this.deadlines.visibility, () =>
      this.raw.workflow.count(query),
    );
    return count;
  }

  /** Whether Temporal answers, within the health deadline. */
  async health(): Promise<{ reachable: boolean; error?: string }> {
    try {
      await this.within(this.deadlines.health, () =>
        this.connection.workflowService.getSystemInfo({}),
      );
      return { reachable: true };
    } catch (error) {
      return { reachable: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
