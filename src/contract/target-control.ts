/**
 * Operating a target across the whole fleet: its controller workflow (one per target, its
 * history the target's audit log), the state it keeps, and the signal it sends the deliveries
 * with a leg to the target. Safe to import from workflow code: types and message definitions.
 */
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { TARGET_ACTIONS, type TargetAction, type TargetArgs } from './action-types';
import {
  BREAKER_STATES,
  PROBE_RATE_PER_SECOND,
  type AttemptOutcomes,
  type BreakerState,
  type BreakerMemory,
  type BreakerSettings,
} from './breaker';
import { DELIVERY_WORKFLOW } from './contracts';
import { TandemTargets } from './search-attributes';

/** Name of the workflow type that controls one target. */
export const TARGET_CONTROLLER_WORKFLOW = 'targetController';

/**
 * The workflow id of a target's controller: `tandem-target-shipping` on the default task queue.
 * The task queue is part of it, so two Tandem systems on one namespace control their own targets.
 */
export function controllerIdFor(taskQueue: string, target: string): string {
  return `${taskQueue}-target-${target}`;
}

/**
 * The memo field where a controller keeps its {@link TargetControlState}, upserted at every
 * change, so `tandem targets` and `GET /v1/targets` read it with no worker.
 */
export const TARGET_STATE_MEMO = 'tandemTarget';

/** What `tandem targets` shows of a target: its breaker's state, or `paused` by an operator. */
export const TARGET_STATUSES = [...BREAKER_STATES, 'paused'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

/** Who changed a target and when; `by` as the client wrote it (the history keeps the caller). */
export interface TargetChange {
  by: string;
  note?: string;
  /** When it took effect (ISO 8601). */
  since: string;
}

/** A target's state, as its controller keeps it (memo, details, update answers). */
export interface TargetControlState {
  target: string;
  status: TargetStatus;
  /** Set while an operator has paused the target. */
  paused?: TargetChange;
  breaker: BreakerState;
  /** When the breaker entered its state and why; absent: closed since the controller began. */
  breakerChange?: { since: string; why: string };
  /** The config's `rateLimit`, in attempts per second; absent: none. */
  configuredRate?: number;
  /** An operator's rate limit (`tandem target limit`), standing over the config's; `null`: none. */
  override?: TargetChange & { rate: number | null };
  /**
   * The rate the target's task queue should have now: 0 while paused or the breaker is open, the
   * probe rate while it is half open; `null`: no limit.
   */
  effectiveRate: number | null;
  /**
   * Whether the server and the running deliveries have the state: the task queue's rate is set
   * and the deliveries have been told (a pause is "applied" from then on).
   */
  applied: boolean;
  /** The target's attempts share the workflow's task queue: the server cannot limit them alone. */
  sharedQueue?: true;
  /** Counts every change, so a delivery can drop a notice older than one it has seen. */
  epoch: number;
}

/**
 * Why a target holds its legs: paused by an operator (the leg's deadline is suspended, as for a
 * pause of the leg), or its breaker open (the business deadline keeps running).
 */
export type TargetHeld = 'paused' | 'breaker_open';

/** What a controller tells the deliveries with a leg to its target (`targetState` signal). */
export interface TargetNotice {
  target: string;
  /** The controller's epoch when sent: a delivery ignores a notice older than its newest. */
  epoch: number;
  /** Why the target holds its legs; absent: they may attempt. */
  held?: TargetHeld;
  by?: string;
  note?: string;
  since?: string;
}

/** The signal a controller sends every running delivery with a leg to its target. */
export const targetStateSignal = defineSignal<[TargetNotice]>('targetState');

/** What a worker tells a controller at start: the target's settings in its config. */
export interface TargetSettings {
  /** The config's `rateLimit`, in attempts per second; absent: none. */
  rateLimit?: number;
  /** The target has no task queue of its own (`bulkhead: false`). */
  sharedQueue?: true;
  /** The config's circuit breaker; absent: `breaker: off`. */
  breaker?: BreakerSettings;
}

/** Sent by each worker at start (signal-with-start): the config's settings of the target. */
export const configureSignal = defineSignal<[TargetSettings]>('configure');

/**
 * Sent by workers (signal-with-start), at most once a second each and only with something to
 * tell: the outcomes of the deliver attempts to the target since their last report, which the
 * breaker judges.
 */
export const attemptOutcomesSignal = defineSignal<[AttemptOutcomes]>('attemptOutcomes');

/** A controller's input; `carried` is its state across continue-as-new. */
export interface ControllerInput {
  target: string;
  /** The workflows' task queue: the target's own is `<taskQueue>.<target>`. */
  taskQueue: string;
  settings: TargetSettings;
  carried?: CarriedControl;
}

/** What a controller carries into its next run. */
export interface CarriedControl {
  paused?: TargetChange;
  override?: TargetChange & { rate: number | null };
  breaker: BreakerState;
  /** The breaker's window, and when and why it entered its state. */
  breakerMemory?: BreakerMemory;
  epoch: number;
  /** The rate last set on the queue; `null`: none; absent: never set. */
  queueRate?: number | null;
  /** The epoch the deliveries were last told. */
  toldEpoch?: number;
  /** When the last sweep of running deliveries started (ISO 8601). */
  sweptAt?: string;
  /** When the deliveries were told of the newest change (ISO 8601). */
  toldAt?: string;
  sweeps: number;
}

type Updates = { [A in TargetAction]: UpdateDefinition<TargetControlState, [TargetArgs[A]], A> };
type Signals = { [A in TargetAction]: SignalDefinition<[TargetArgs[A]], A> };

/** Each target action as an update of the controller: the CLI and the gateway send these. */
export const targetUpdates = Object.fromEntries(
  TARGET_ACTIONS.map((name) => [name, defineUpdate(name)]),
) as Updates;

/** Each target action as a signal of the same name and input: the Temporal UI's way. */
export const targetSignals = Object.fromEntries(
  TARGET_ACTIONS.map((name) => [name, defineSignal(name)]),
) as Signals;

/**
 * The rate a target's queue should have for a state: 0 while paused or the breaker is open, at
 * most the probe rate while it is half open; `null`: no limit.
 */
export function effectiveRate(state: {
  paused?: unknown;
  breaker: BreakerState;
  override?: { rate: number | null };
  configuredRate?: number;
}): number | null {
  if (state.paused !== undefined || state.breaker === 'open') return 0;
  const limit = state.override !== undefined ? state.override.rate : (state.configuredRate ?? null);
  if (state.breaker !== 'half_open') return limit;
  return Math.min(limit ?? PROBE_RATE_PER_SECOND, PROBE_RATE_PER_SECOND);
}

/**
 * The visibility query of the running deliveries on `taskQueue` with a leg to `target` (started
 * at or after `startedSince`, when given): whom a controller tells, and whom `tandem targets` counts.
 */
export function runsWithTarget(taskQueue: string, target: string, startedSince?: string): string {
  return [
    `WorkflowType = "${DELIVERY_WORKFLOW}"`,
    `TaskQueue = "${taskQueue}"`,
    `${TandemTargets.name} = "${target}"`,
    'ExecutionStatus = "Running"',
    ...(startedSince === undefined ? [] : [`StartTime >= "${startedSince}"`]),
  ].join(' AND ');
}

/**
 * How a target's controller is started, by a worker (with signal-with-start) or an operator's
 * action (with update-with-start): the one run of its id is used if it exists.
 */
export function controllerStart(taskQueue: string, target: string, settings: TargetSettings) {
  return {
    workflowId: controllerIdFor(taskQueue, target),
    taskQueue,
    args: [{ target, taskQueue, settings }] as [ControllerInput],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Controls target ${target} across the fleet: pause, rate limit, breaker`,
    staticDetails:
      'Its history is the audit log of the target: every pause, resume and rate limit, with who ' +
      'asked, and the log of its circuit breaker (the attemptOutcomes the workers report, each ' +
      'transition in the current details and the log). Signal `pauseTarget`, `resumeTarget` or `limitTarget` here (see the current details).',
  } as const;
}
