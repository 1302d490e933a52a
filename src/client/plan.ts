import type { RetryConfig, TandemConfig } from '../contract/config/schema';
import type { DeliveryInput, DeliveryRequest, RetryPlan } from '../contract/contracts';
import { InvalidDeliveryError } from '../contract/errors';
import { checkPayload, joined, parseDeliveryRequest, unknownTargets } from '../contract/request';
import { needsResponse } from '../contract/template';
import { targetQueueOf } from '../contract/task-queues';

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
 * each leg's policy. Throws before anything starts: {@link InvalidDeliveryError} naming the bad
 * fields, `UnknownTargetError`, or `PayloadTooLargeError` (`limits.payload`). The payload
 * is checked last and once (see `checkPayload`), so a bad id costs no walk of a large payload.
 */
export function planDelivery(config: TandemConfig, value: DeliveryRequest): DeliveryInput {
  const parsed = parseDeliveryRequest(config, value);
  if (!parsed.ok) throw new InvalidDeliveryError(parsed.issues.map(joined), parsed.omitted);
  const request = parsed.value;

  const unknown = unknownTargets(config, request.targets);
  if (unknown) throw unknown;
  checkPayload(request.payload, config.limits.payload);

  return {
    id: request.id,
    targets: request.targets,
    payload: request.payload,
    legs: request.targets.map((target) => {
      const settings = config.targets[target]!;
      const undo = settings.compensate;
      return {
        target,
        taskQueue: targetQueueOf(config, target),
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
