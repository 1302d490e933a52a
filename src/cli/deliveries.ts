import { userInfo } from 'node:os';
import { TandemClient, type DeliverySummary } from '../client/client';
import { loadConfig } from '../contract/config/load';
import type { TandemConfig } from '../contract/config/schema';
import { connectCli } from './connect';
import { IN_PROGRESS_STATUSES, OPEN_STATUSES, type DeliveryStatus } from '../contract/contracts';
import { DeliveryNotCompletedError } from '../contract/errors';
import { planDelivery } from '../client/plan';
import { formatList, formatState } from './format';
import { readPayload } from './payload';

/** Where a verb finds its config: the file, and the environment its `${VAR}` secrets are in. */
export interface ConfigSource {
  path: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Who asks, as the run keeps it: the OS user running `tandem`. */
export function operatorIdentity(): string {
  try {
    return userInfo().username;
  } catch {
    // No user entry (some containers run as a bare uid): say which.
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Where a verb writes what it found: stdout, one line at a time. */
export type Print = (line: string) => void;

/** A delivery as `tandem list` shows it: a run stopped by hand is `terminated`. */
type ListedDelivery = Omit<DeliverySummary, 'status'> & { status: DeliveryStatus | 'terminated' };

/**
 * Loads the config, connects, runs `use` with a client, and closes the connection. Every rule
 * and every error is the client's; a refused connection is {@link TemporalUnavailableError}.
 */
export async function withClient<T>(
  source: ConfigSource,
  use: (client: TandemClient) => Promise<T>,
  config?: TandemConfig,
): Promise<T> {
  const loaded = config ?? (await loadConfig(source.path));
  const connection = await connectCli(loaded.temporal, source.env);
  try {
    const client = await TandemClient.connect(loaded, connection, { env: source.env });
    return await use(client);
  } finally {
    await connection.close();
  }
}

/** Prints `value` as indented JSON: what every `--json` prints. */
export function printJson(print: Print, value: unknown): void {
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
  source: ConfigSource,
  options: DeliverOptions,
  print: Print,
): Promise<void> {
  const config = await loadConfig(source.path);
  const payload = await readPayload(options.payload);
  const request = { id: options.id, targets: options.targets, payload };
  planDelivery(config, request);
  await withClient(
    source,
    async (client) => {
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
      // Until it is no longer in progress: ended, or parked for an operator.
      const state = await client.waitFor(
        options.id,
        (s) => !IN_PROGRESS_STATUSES.includes(s.status),
        {
          timeoutMs: options.timeoutMs ?? Infinity,
          pollMs: 500,
        },
      );
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

/** `tandem status ID`: the delivery and each leg, as a table or as JSON. */
export async function showStatus(
  source: ConfigSource,
  id: string,
  options: { json?: boolean },
  print: Print,
): Promise<void> {
  const state = await withClient(source, (client) => client.status(id));
  if (options.json) printJson(print, state);
  else formatState(state).forEach((line) => print(line));
}

/** `tandem list`: deliveries from Temporal's visibility store, newest first. */
export async function listDeliveries(
  source: ConfigSource,
  options: { status?: DeliveryStatus; limit: number; json?: boolean },
  print: Print,
): Promise<void> {
  const listed = await withClient(source, (client) =>
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
