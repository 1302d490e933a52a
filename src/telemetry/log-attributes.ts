import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { AttemptInput } from '../contract/contracts';
import { activeTraceFields, LOG_FIELDS } from './log';

/** The delivery, target and attempt an activity's input names, when it is an attempt's input. */
function attemptFieldsOf(input: unknown): Record<string, string | number> {
  if (typeof input !== 'object' || input === null) return {};
  const { deliveryId, target, attempt } = input as Partial<Record<keyof AttemptInput, unknown>>;
  return {
    ...(typeof deliveryId === 'string' && { [LOG_FIELDS.deliveryId]: deliveryId }),
    ...(typeof target === 'string' && { [LOG_FIELDS.target]: target }),
    ...(typeof attempt === 'number' && { [LOG_FIELDS.attempt]: attempt }),
  };
}

/**
 * Adds the delivery id, target and Tandem's attempt number to every line an attempt logs (its
 * own, and the SDK's about it, such as "Activity failed"), and the active span's ids. The
 * Runtime hands lines to the process's logger later, out of the activity's context, so the
 * span is read here, when the line is made. Temporal's own attempt count is not Tandem's: the
 * workflow schedules each attempt as an activity of its own.
 */
export const attemptLogAttributes: ActivityInterceptorsFactory = () => {
  let fields: Record<string, string | number> = {};
  return {
    inbound: {
      execute(input, next) {
        fields = attemptFieldsOf(input.args[0]);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (input, next) => next({ ...input, ...fields, ...activeTraceFields() }),
    },
  };
};

/** The activity interceptors that put a delivery's fields on its log lines. */
export function attemptLogInterceptors(): ActivityInterceptorsFactory[] {
  return [attemptLogAttributes];
}
