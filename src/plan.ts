import type { RetryConfig, TandemConfig } from './config/schema';
import {
  targetTaskQueue,
  type DeliveryInput,
  type DeliveryRequest,
  type RetryPlan,
} from './contracts';
import { InvalidDeliveryError, UnknownTargetError } from './errors';
import { needsResponse } from './template';

const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

function retryPlan(retry: RetryConfig): RetryPlan {
  return {
    initialIntervalMs: retry.initialInterval,
    backoffCoefficient: retry.backoffCoefficient,
    maximumIntervalMs: retry.maximumInterval,
    maximumAttempts: retry.maximumAttempts,
    deadlineMs: retry.deadline,
    jitter: retry.jitter,
  };
}

/**
 * Checks a delivery request against the config and turns it into the workflow's input, with
 * each leg's policy. Throws before anything starts: {@link InvalidDeliveryError} naming every bad
 * field, or {@link UnknownTargetError}.
 */
export function planDelivery(config: TandemConfig, request: DeliveryRequest): DeliveryInput {
  const issues: string[] = [];
  if (typeof request.id !== 'string' || !DELIVERY_ID.test(request.id)) {
    issues.push(
      'id: must be 1-200 characters of letters, digits and . _ : @ -, starting with a letter or digit',
    );
  }
  if (!Array.isArray(request.targets) || request.targets.length === 0) {
    issues.push('targets: must name at least one target');
  } else if (new Set(request.targets).size !== request.targets.length) {
    issues.push('targets: must not name a target twice');
  }
  if (request.payload === undefined) issues.push('payload: is required');
  if (issues.length > 0) throw new InvalidDeliveryError(issues);

  const known = Object.keys(config.targets);
  const unknown = request.targets.filter((t) => !Object.hasOwn(config.targets, t));
  if (unknown.length > 0) throw new UnknownTargetError(unknown, known);

  return {
    id: request.id,
    targets: request.targets,
    payload: request.payload,
    legs: request.targets.map((target) => {
      const settings = config.targets[target]!;
      const undo = settings.compensate;
      return {
        target,
        taskQueue: settings.bulkhead
          ? targetTaskQueue(config.temporal.taskQueue, target)
          : config.temporal.taskQueue,
        timeoutMs: settings.request.timeout,
        retry: retryPlan(settings.retry),
        ...(undo && {
          compensation: {
            timeoutMs: undo.timeout,
            retry: retryPlan(undo.retry),
            needsResponse: needsResponse([undo.url, undo.headers, undo.body]),
          },
        }),
      };
    }),
  };
}
