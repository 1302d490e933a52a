import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import type { DeliveryRequest } from '../../src/contract/contracts';
import { InvalidDeliveryError, PayloadTooLargeError } from '../../src/contract/errors';
import { MAX_ISSUES_LISTED, MAX_JSON_DEPTH } from '../../src/contract/limits';
import { planDelivery } from '../../src/client/plan';
import { caught } from '../support/wait';

const config = parseConfig({
  targets: { inventory: { request: { url: 'http://localhost:4001/reservations' } } },
});

/** Plans a valid request with `overrides`: fields of any type, as a JavaScript caller may pass. */
const plan = (overrides: Record<string, unknown>) => {
  const request: Record<string, unknown> = {
    id: 'order-1042',
    targets: ['inventory'],
    payload: {},
    ...overrides,
  };
  return planDelivery(config, request as unknown as DeliveryRequest);
};

/** A value nested `depth` arrays deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('the payload check of planDelivery', () => {
  it('refuses a payload deeper than the stack from a TypeScript caller with a typed error', () => {
    const error = caught(InvalidDeliveryError, () => plan({ payload: nested(1_000_000) }));

    expect(error.issues).toEqual([
      { path: 'payload', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  });

  it('accepts a payload nested exactly to the limit', () => {
    expect(() => plan({ payload: nested(MAX_JSON_DEPTH) })).not.toThrow();
    expect(() => plan({ payload: nested(MAX_JSON_DEPTH + 1) })).toThrow(InvalidDeliveryError);
  });

  it('refuses a payload that refers to itself, or has no JSON form, with a typed error', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;

    expect(caught(InvalidDeliveryError, () => plan({ payload: cycle })).issues).toEqual([
      { path: 'payload', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
    expect(caught(InvalidDeliveryError, () => plan({ payload: { n: 10n } })).issues).toEqual([
      { path: 'payload', detail: 'must be a JSON value' },
    ]);
  });

  it('answers an oversized payload with its size before looking for bad numbers in it', () => {
    const small = { ...config, limits: { payload: 100 } };
    const payload = { total: Infinity, note: 'x'.repeat(200) };

    expect(() =>
      planDelivery(small, { id: 'order-1042', targets: ['inventory'], payload }),
    ).toThrow(PayloadTooLargeError);
  });

  it('names the first non-finite number in the order the payload is written', () => {
    const payload = { lines: [{ qty: NaN }, { qty: -Infinity }] };

    expect(caught(InvalidDeliveryError, () => plan({ payload })).issues).toEqual([
      {
        path: 'payload.lines.0.qty',
        detail: 'must be a finite number (it overflows a 64-bit float)',
      },
    ]);
  });
});

describe('refusals of many bad fields', () => {
  it(`list the first ${MAX_ISSUES_LISTED} of 100,000 unknown keys and count the rest`, () => {
    const unknown = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 0]));

    const error = caught(InvalidDeliveryError, () => plan(unknown));

    expect(error.issues).toHaveLength(MAX_ISSUES_LISTED);
    expect(error.issues[0]).toEqual({ path: 'k0', detail: 'is not a known field' });
    expect(error.issuesOmitted).toBe(100_000 - MAX_ISSUES_LISTED);
    expect(error.message).toMatch(
      /^Invalid delivery: k0: is not a known field; .*; …and 99980 more$/,
    );
    expect(error.message.length).toBeLessThan(2048);
  });
});
