import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { TargetActionRefusedError, TargetNotFoundError } from '../contract/action-errors';
import type { TargetAction, TargetArgs } from '../contract/action-types';
import type { TandemConfig } from '../contract/config/schema';
import {
  controllerIdFor,
  controllerStart,
  effectiveRate,
  runsWithTarget,
  TARGET_CONTROLLER_WORKFLOW,
  TARGET_STATE_MEMO,
  targetUpdates,
  type TargetControlState,
} from '../contract/target-control';
import { targetSettings } from '../contract/config/target-settings';
import { LEG_HOLDS, type LegHold } from '../contract/holds';
import { BatchActions } from './batch-actions';

/** One target as `tandem targets` and `GET /v1/targets` show it. */
export interface TargetOverview extends TargetControlState {
  /** Running deliveries with a leg to the target (from visibility, a moment behind). */
  runningDeliveries: number;
  /** Their legs to the target held from attempting, by why (from visibility too). */
  legs: Record<LegHold, number>;
}

/** A target's state before its controller has run: nothing paused or set by an operator. */
function initialState(config: TandemConfig, target: string): TargetControlState {
  const settings = targetSettings(config, target);
  const facts = {
    breaker: 'closed' as const,
    ...(settings.rateLimit !== undefined && { configuredRate: settings.rateLimit }),
  };
  return {
    target,
    status: 'closed',
    ...facts,
    effectiveRate: effectiveRate(facts),
    applied: false,
    ...(settings.sharedQueue && { sharedQueue: true }),
    epoch: 0,
  };
}

/**
 * The calls of `TandemClient` on targets across the fleet: each target's controller workflow
 * (started on demand) takes the operator's actions, and keeps its state where `describe` reads it.
 */
export abstract class TargetCalls extends BatchActions {
  /** Throws {@link TargetNotFoundError} unless the config declares `target`. */
  private knownTarget(target: string): void {
    if (!Object.hasOwn(this.config.targets, target)) {
      throw new TargetNotFoundError(target, Object.keys(this.config.targets));
    }
  }

  /**
   * Asks a target's controller to take an operator action of the action table (pause, resume,
   * limit), starting the controller if it is not running, as `by` (default this client's
   * identity). Answers once the server and the running deliveries have it; throws
   * {@link TargetNotFoundError} (nothing started) for a target the config does not declare, and
   * {@link TargetActionRefusedError} when the action does not apply now.
   */
  async actOnTarget<A extends TargetAction>(
    target: string,
    action: A,
    args: TargetArgs[A],
    by?: string,
  ): Promise<TargetControlState> {
    this.knownTarget(target);
    const client = this.clientAs(by);
    const { taskQueue } = this.config.temporal;
    const start = new WithStartWorkflowOperation(
      TARGET_CONTROLLER_WORKFLOW,
      controllerStart(taskQueue, target, targetSettings(this.config, target)),
    );
    try {
      return await this.call({ ms: this.deadlines.action, worker: true }, () =>
        client.workflow.executeUpdateWithStart(
          targetUpdates[action] as typeof targetUpdates.pauseTarget,
          {
            args: [{ ...args, by: client.options.identity }],
            startWorkflowOperation: start,
          },
        ),
      );
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      const reason = error.cause instanceof Error ? error.cause.message : error.message;
      throw new TargetActionRefusedError(target, action, reason, { cause: error });
    }
  }

  /**
   * Every configured target's state, as its controller keeps it (a target whose controller has
   * not run yet shows as configured), with how many running deliveries have a leg to it and
   * how many of those legs wait out a backoff, are paused by an operator, or are held by it.
   */
  async targets(): Promise<TargetOverview[]> {
    return Promise.all(Object.keys(this.config.targets).map((name) => this.target(name)));
  }

  /** One target's state; see {@link targets}. */
  async target(target: string): Promise<TargetOverview> {
    this.knownTarget(target);
    const { taskQueue } = this.config.temporal;
    const [state, running, held] = await Promise.all([
      this.controllerState(target),
      this.call({ ms: this.deadlines.visibility }, () =>
        this.client.workflow.count(runsWithTarget(taskQueue, target)),
      ),
      Promise.all(LEG_HOLDS.map((hold) => this.countHeld(target, hold))),
    ]);
    const legs = Object.fromEntries(LEG_HOLDS.map((hold, i) => [hold, held[i]!]));
    return { ...state, runningDeliveries: running.count, legs: legs as Record<LegHold, number> };
  }

  private async controllerState(target: string): Promise<TargetControlState> {
    const handle = this.client.workflow.getHandle(
      controllerIdFor(this.config.temporal.taskQueue, target),
    );
    try {
      const run = await this.call({ ms: this.deadlines.read }, () => handle.describe());
      const kept = run.memo?.[TARGET_STATE_MEMO] as TargetControlState | undefined;
      return kept ?? initialState(this.config, target);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return initialState(this.config, target);
      throw error;
    }
  }
}
