import { expect } from 'vitest';
import type { DeliveryState } from '../../src/contract/contracts';
import type { Problem } from '../../src/gateway/schemas';
import type { GatewayReply } from './gateway';

/** A delivery as the gateway answers a start: its state, its workflow id and whether it started. */
export type Accepted = DeliveryState & { workflowId: string; started: boolean };

/** Asserts an RFC 9457 answer of `status` and `kind`, and returns its body. */
export function expectProblem(
  answer: GatewayReply<unknown>,
  status: number,
  kind: string,
): Problem {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  const problem = answer.body as Problem;
  expect(problem).toMatchObject({ type: `urn:tandem:problem:${kind}`, status });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}
