/** The options and answers of `TandemClient`, and the deadlines of its calls. */
import type { DeliveryStatus } from '../contract/contracts';
import type { DeliverySummary } from './runs';

/** How long each kind of call may take, in milliseconds, before it fails with a Tandem error. */
export interface Deadlines {
  /** Starting a delivery (the server alone answers). */
  start: number;
  /** Reading one delivery. */
  read: number;
  /** An operator action (an update), which a worker runs. */
  action: number;
  /** Listing and counting from the visibility store. */
  visibility: number;
  /** Whether the server answers at all. */
  health: number;
}

/** The deadlines a client uses unless told otherwise. */
export const DEFAULT_DEADLINES: Deadlines = {
  start: 10_000,
  read: 15_000,
  action: 15_000,
  visibility: 10_000,
  health: 2_000,
};

/** What {@link TandemClient.start} did. */
export interface Started {
  id: string;
  workflowId: string;
  /** False when the delivery already existed: nothing new was sent. */
  started: boolean;
  /** The delivery's trace id (its correlation id); absent when tracing was off at its start. */
  traceId?: string;
}

/** Options of {@link TandemClient.list}. */
export interface ListOptions {
  status?: DeliveryStatus;
  /** Most deliveries returned; default 100. */
  limit?: number;
}

/** One page of {@link TandemClient.listPage}. */
export interface DeliveryPage {
  deliveries: DeliverySummary[];
  /** Where the next page starts; absent on the last page. */
  nextPageToken?: Uint8Array;
}

/** Options of {@link TandemClient.waitFor}. */
export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

/** Options of `TandemClient.connect`. */
export interface ConnectOptions {
  /** With a worker's `NativeConnection`: ask for Eager Workflow Start. */
  eagerStart?: boolean;
  /** Fills in a `${VAR}` API key of the config. */
  env?: Readonly<Record<string, string | undefined>>;
  deadlines?: Partial<Deadlines>;
}
