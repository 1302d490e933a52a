import type { Connection } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { TandemClient, type DeliverySummary } from '../client';
import { loadConfig } from '../config/load';
import type { TandemConfig } from '../config/schema';
import {
  IN_PROGRESS_STATUSES,
  OPEN_STATUSES,
  type DeliveryState,
  type DeliveryStatus,
} from '../contracts';
import { formatDuration } from '../duration';
import { connectClient } from '../connection';
import { ConfigError, DeliveryActionRefusedError } from '../errors';
import { planDelivery } from '../plan';
import { TemporalUnreachableError } from './connect';
import { DeliveryNotCompletedError, TimedOutError, UnknownLegError } from './exit-codes';
import { formatList, formatState } from './format';
import { readPayload } from './payload';

/** Where a verb writes what it found: stdout, one line at a time. */
export type Print = (line: string) => void;

/** How long a query or update may wait for a worker to answer before the CLI says so. */
const WORKER_ANSWER_TIMEOUT_MS = 15_000;
/** gRPC's status code UNAVAILABLE (the server is down or unreachable). */
const GRPC_UNAVAILABLE = 14;
/** How long connecting to Temporal may take before it counts as unreachable. */
const CONNECT_TIMEOUT = '5s';

/** A delivery as `tandem list` shows it: a run stopped by hand is `terminated`. */
type ListedDelivery = Omit<DeliverySummary, 'status'> & { status: DeliveryStatus | 'terminated' };

/** One connection to Temporal for the length of one verb. */
interface Session {
  config: TandemConfig;
  connection: Connection;
  client: TandemClient;
  /** The delivery's status, answered by a worker within {@link WORKER_ANSWER_TIMEOUT_MS}. */
  status: (id: string) => Promise<DeliveryState>;
  /**
   * Runs a call a worker must answer (a query or an update), failing with
   * {@link TimedOutError} when none does in time.
   */
  answered: <R>(id: string, ask: () => Promise<R>) => Promise<R>;
}

/**
 * Loads the config, connects, runs `use`, and closes the connection. A refused connection, or
 * one that drops during the call, becomes {@link TemporalUnreachableError}.
 */
async function withSession<T>(
  configPath: string,
  use: (session: Session) => Promise<T>,
  config?: TandemConfig,
): Promise<T> {
  const loaded = config ?? (await loadConfig(configPath));
  const { address } = loaded.temporal;
  let connection: Connection;
  try {
    connection = await connectClient(loaded.temporal, {}, { connectTimeout: CONNECT_TIMEOUT });
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new TemporalUnreachableError(address, { cause });
  }
  try {
    const client = await TandemClient.connect(loaded, connection);
    const answered = async <R>(id: string, ask: () => Promise<R>): Promise<R> => {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), WORKER_ANSWER_TIMEOUT_MS);
      try {
        return await connection.withAbortSignal(timeout.signal, ask);
      } catch (error) {
        if (!timeout.signal.aborted) throw error;
        throw new TimedOutError(
          `no worker answered for delivery "${id}" within ${formatDuration(WORKER_ANSWER_TIMEOUT_MS)}: ` +
            `is a worker (tandem worker) running for task queue "${loaded.temporal.taskQueue}" on ${address}?`,
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
      }
    };
    const status = (id: string) => answered(id, () => client.status(id));
    return await use({ config: loaded, connection, client, status, answered });
  } catch (error) {
    if (isUnavailable(error)) throw new TemporalUnreachableError(address, { cause: error });
    throw error;
  } finally {
    await connection.close();
  }
}

/** gRPC UNAVAILABLE, bare or wrapped by the SDK in a ServiceError. */
function isUnavailable(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return [error, cause].some((e) => isGrpcServiceError(e) && Number(e.code) === GRPC_UNAVAILABLE);
}

function printJson(print: Print, value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Options of `tandem deliver`. */
export interface DeliverOptions {
  id: string;
  targets: string[];
  payload: string;
  wait?: boolean;
  /** With `wait`: give up waiting (the delivery goes on) after this many milliseconds. */
  timeoutMs?: number;
  json?: boolean;
}

/**
 * `tandem deliver`: checks the payload and targets before connecting (nothing starts on a bad
 * request), starts the delivery (idempotently), and with `wait` follows it until it ends or
 * parks, failing with {@link DeliveryNotCompletedError} unless it completed.
 */
export async function deliver(
  configPath: string,
  options: DeliverOptions,
  print: Print,
): Promise<void> {
  const config = await loadConfig(configPath);
  const payload = await readPayload(options.payload);
  const request = { id: options.id, targets: options.targets, payload };
  planDelivery(config, request);
  await withSession(
    configPath,
    async ({ client, status }) => {
      const started = await client.start(request);
      if (!options.wait) {
        if (options.json) return printJson(print, started);
        print(
          started.started
            ? `Started delivery ${started.id} to ${request.targets.join(' + ')} (workflow ${started.workflowId}).`
            : `Delivery ${started.id} already exists with this request: nothing new was sent (workflow ${started.workflowId}).`,
        );
        print(`Follow it: tandem status ${started.id}`);
        return;
      }
      const state = await settle(options.id, status, options.timeoutMs);
      if (options.json) printJson(print, state);
      else formatState(state).forEach((line) => print(line));
      if (state.status !== 'completed') {
        throw new DeliveryNotCompletedError(
          state.id,
          state.status,
          `delivery ${state.id} ${state.status === 'needs_attention' ? 'needs attention' : `ended ${state.status}`}` +
            `${state.reason === undefined ? '' : `: ${state.reason}`}`,
        );
      }
    },
    config,
  );
}

/** Polls the status until the delivery is no longer in progress (ended, or parked for an operator). */
async function settle(
  id: string,
  status: (id: string) => Promise<DeliveryState>,
  timeoutMs: number | undefined,
): Promise<DeliveryState> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const state = await status(id);
    if (!IN_PROGRESS_STATUSES.includes(state.status)) return state;
    if (Date.now() >= deadline) {
      throw new TimedOutError(
        `delivery ${id} is still running after ${formatDuration(timeoutMs ?? 0)}; it goes on: follow it with tandem status ${id}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** `tandem status ID`: the delivery and each leg, as a table or as JSON. */
export async function showStatus(
  configPath: string,
  id: string,
  options: { json?: boolean },
  print: Print,
): Promise<void> {
  const state = await withSession(configPath, ({ status }) => status(id));
  if (options.json) printJson(print, state);
  else formatState(state).forEach((line) => print(line));
}

/** `tandem list`: deliveries from Temporal's visibility store, newest first. */
export async function listDeliveries(
  configPath: string,
  options: { status?: DeliveryStatus; limit: number; json?: boolean },
  print: Print,
): Promise<void> {
  const listed = await withSession(configPath, ({ client }) =>
    client.list({ limit: options.limit, ...(options.status && { status: options.status }) }),
  );
  const found = listed.flatMap((delivery): ListedDelivery[] => {
    // A run terminated by hand (or timed out) keeps the status it had: it is neither running
    // nor waiting for anyone, so it is shown as what it is, and not under those two.
    if (delivery.closedAt === undefined || !OPEN_STATUSES.includes(delivery.status)) {
      return [delivery];
    }
    return options.status === undefined ? [{ ...delivery, status: 'terminated' as const }] : [];
  });
  if (options.json) return printJson(print, found);
  if (found.length === 0) {
    print(options.status === undefined ? 'No deliveries.' : `No deliveries are ${options.status}.`);
    return;
  }
  formatList(found).forEach((line) => print(line));
}

/**
 * `tandem cancel ID`: refused unless the delivery is running (a parked one is retried or
 * resolved; a finished one has nothing to stop). Decided from the run's description, so it
 * works while no worker is up; the request then waits in history for one.
 */
export async function cancelDelivery(
  configPath: string,
  id: string,
  options: { reason?: string },
  print: Print,
): Promise<void> {
  await withSession(configPath, async ({ client }) => {
    const { status, open } = await client.describe(id);
    if (!open) {
      throw new DeliveryActionRefusedError(
        id,
        'cancel',
        `Delivery "${id}" has ended (${status}): there is nothing to cancel.`,
      );
    }
    if (status === 'needs_attention') {
      throw new DeliveryActionRefusedError(
        id,
        'cancel',
        `Delivery "${id}" is needs_attention, not running: there is nothing left to stop. ` +
          `Retry it (tandem retry ${id}) or resolve it (tandem resolve ${id} --note TEXT).`,
      );
    }
    await client.cancel(id, options.reason);
  });
  print(
    `Cancel requested for delivery ${id}${options.reason === undefined ? '' : ` (reason: ${options.reason})`}: ` +
      'it starts no new attempt, undoes what succeeded, and ends cancelled.',
  );
  print(`Follow it: tandem status ${id}`);
}

/** `tandem retry ID [--leg NAME]`: a parked delivery tries again. */
export async function retryDelivery(
  configPath: string,
  id: string,
  options: { leg?: string },
  print: Print,
): Promise<void> {
  await withSession(configPath, async ({ client, status, answered }) => {
    if (options.leg !== undefined) {
      const legs = (await status(id)).legs.map((leg) => leg.target);
      if (!legs.includes(options.leg)) throw new UnknownLegError(id, options.leg, legs);
    }
    await answered(id, () => client.retry(id, options.leg));
  });
  print(
    `Retry accepted for delivery ${id} (${options.leg === undefined ? 'every leg that needs attention' : `leg ${options.leg}`}): it is running again.`,
  );
  print(`Follow it: tandem status ${id}`);
}

/** `tandem resolve ID --note TEXT`: an operator closes a parked delivery by hand. */
export async function resolveDelivery(
  configPath: string,
  id: string,
  options: { note: string },
  print: Print,
): Promise<void> {
  await withSession(configPath, ({ client, answered }) =>
    answered(id, () => client.resolve(id, options.note)),
  );
  print(`Resolved delivery ${id}: ${options.note}`);
}
