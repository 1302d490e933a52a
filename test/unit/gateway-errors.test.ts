import { describe, expect, it } from 'vitest';
import {
  DeliveryNotFoundError,
  TemporalUnavailableError,
  WorkerUnavailableError,
} from '../../src/contract/errors';
import { problemOf } from '../../src/gateway/refusals';
import { GrpcStatus, tandemErrorOf, type CallContext } from '../../src/client/temporal-errors';

/** An error shaped as gRPC's, as the SDK throws it (wrapped) or lets it through (bare). */
function grpcError(code: number, wrapped: boolean): Error {
  const bare = Object.assign(new Error(`${code} ${String(code)}`), {
    code,
    details: `details of ${code}`,
    metadata: {},
  });
  return wrapped ? new Error('Failed to call Temporal', { cause: bare }) : bare;
}

const call = (needsWorker: boolean): CallContext => ({
  address: '127.0.0.1:7233',
  taskQueue: 'tandem',
  deliveryId: 'order-1',
  deadlineMs: 5_000,
  needsWorker,
});

const failing = Object.entries(GrpcStatus).filter(([name]) => name !== 'OK');

describe('what each Temporal failure means', () => {
  it.each(failing)(
    'turns gRPC %s into a Tandem error the gateway answers with 404 or 503 and Retry-After',
    (name, code) => {
      for (const wrapped of [false, true]) {
        for (const needsWorker of [false, true]) {
          const error = tandemErrorOf(grpcError(code, wrapped), call(needsWorker));
          const problem = problemOf(error, { bodyLimit: 1024 });

          if (name === 'NOT_FOUND') {
            expect(error).toBeInstanceOf(DeliveryNotFoundError);
            expect(problem.status).toBe(404);
            continue;
          }
          const timedOut = name === 'DEADLINE_EXCEEDED' || name === 'CANCELLED';
          expect(error).toBeInstanceOf(
            timedOut && needsWorker ? WorkerUnavailableError : TemporalUnavailableError,
          );
          expect(problem.status).toBe(503);
          expect(problem.extras.headers?.['retry-after']).toBe('5');
        }
      }
    },
  );

  it('leaves an error that is not Temporal’s as it is: a bug, answered 500', () => {
    const bug = new TypeError('x is undefined');

    expect(tandemErrorOf(bug, call(false))).toBe(bug);
    expect(problemOf(bug, { bodyLimit: 1024 }).status).toBe(500);
  });
});
