import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import type { DeliveryRequest } from '../../src/contract/contracts';
import {
  InvalidDeliveryError,
  PayloadTooLargeError,
  UnknownTargetError,
} from '../../src/contract/errors';
import { MAX_TARGETS_PER_DELIVERY } from '../../src/contract/limits';
import { planDelivery } from '../../src/client/plan';
import { caught } from '../support/wait';

const config = parseConfig({
  temporal: { taskQueue: 'orders' },
  targets: {
    inventory: {
      request: { url: 'http://localhost:4001/reservations', timeout: '5s' },
      retry: {
        initialInterval: '500ms',
        backoffCoefficient: 3,
        maximumInterval: '20s',
        maximumAttempts: 5,
        deadline: '2m',
        jitter: 'full',
      },
      compensate: {
        url: 'http://localhost:4001/reservations/{{response.body.id}}',
        timeout: '3s',
        retry: { initialInterval: '2s', maximumAttempts: 0, deadline: '1h' },
      },
    },
    shipping: {
      request: { url: 'http://localhost:4002/shipments' },
      compensate: { url: 'http://localhost:4002/shipments/by-order/{{delivery.id}}' },
    },
    billing: {
      request: { url: 'http://localhost:4003/invoices' },
      compensate: {
        url: 'http://localhost:4003/invoices/{{payload.invoice}}',
        headers: { 'If-Match': '{{response.headers.ETag}}' },
      },
    },
    crm: { request: { url: 'http://localhost:4004/events' } },
  },
});

function request(overrides: Partial<Record<keyof DeliveryRequest, unknown>>): DeliveryRequest {
  return {
    id: 'order-1042',
    targets: ['inventory'],
    payload: { sku: 'A-1' },
    ...overrides,
  } as DeliveryRequest;
}

const invalidDelivery = (run: () => unknown): InvalidDeliveryError =>
  caught(InvalidDeliveryError, run);

describe('planDelivery', () => {
  it('builds one leg per target, in the order asked, with its task queue and policy in ms', () => {
    const payload = { sku: 'A-1', qty: 2 };

    const input = planDelivery(config, {
      id: 'order-1042',
      targets: ['inventory', 'crm'],
      payload,
    });

    expect(input).toEqual({
      id: 'order-1042',
      targets: ['inventory', 'crm'],
      payload,
      legs: [
        {
          target: 'inventory',
          taskQueue: 'orders.inventory',
          timeoutMs: 5_000,
          retry: {
            initialIntervalMs: 500,
            backoffCoefficient: 3,
            maximumIntervalMs: 20_000,
            maximumAttempts: 5,
            deadlineMs: 120_000,
            jitter: 'full',
          },
          compensation: {
            timeoutMs: 3_000,
            retry: {
              initialIntervalMs: 2_000,
              backoffCoefficient: 2,
              maximumIntervalMs: 300_000,
              maximumAttempts: 0,
              deadlineMs: 3_600_000,
              jitter: 'none',
            },
            needsResponse: true,
          },
        },
        {
          target: 'crm',
          taskQueue: 'orders.crm',
          timeoutMs: 10_000,
          retry: {
            initialIntervalMs: 1_000,
            backoffCoefficient: 2,
            maximumIntervalMs: 60_000,
            maximumAttempts: 8,
            deadlineMs: 600_000,
            jitter: 'none',
          },
        },
      ],
    });
  });

  it('marks a compensation as needing the response only when a template reads response.*', () => {
    const input = planDelivery(
      config,
      request({ targets: ['shipping', 'billing', 'inventory'], payload: { invoice: 'inv-1' } }),
    );

    expect(input.legs.map((leg) => [leg.target, leg.compensation?.needsResponse])).toEqual([
      ['shipping', false],
      ['billing', true],
      ['inventory', true],
    ]);
  });

  it('leaves out the compensation of a target that declares none', () => {
    const [leg] = planDelivery(config, request({ targets: ['crm'] })).legs;

    expect(leg).not.toHaveProperty('compensation');
  });

  it('accepts any JSON payload, including null and falsy values', () => {
    for (const payload of [null, 0, '', false, []]) {
      expect(planDelivery(config, request({ payload })).payload).toBe(payload);
    }
  });

  it('names every bad field at once: id, empty targets and missing payload', () => {
    const error = invalidDelivery(() =>
      planDelivery(config, request({ id: '-bad id', targets: [], payload: undefined })),
    );

    expect(error.code).toBe('TANDEM_INVALID_DELIVERY');
    expect(error.issues).toEqual([
      {
        path: 'id',
        detail:
          'must be 1-200 characters of letters, digits and . _ : @ -, starting with a letter or digit',
      },
      { path: 'targets', detail: 'must name at least one target' },
      { path: 'payload', detail: 'is required' },
    ]);
    for (const { path, detail } of error.issues)
      expect(error.message).toContain(`${path}: ${detail}`);
  });

  it.each([
    ['an empty id', ''],
    ['an id with a slash', 'order/1'],
    ['an id of 201 characters', 'a'.repeat(201)],
    ['an id that is not a string', 1042],
  ])('refuses %s', (_what, id) => {
    const { issues } = invalidDelivery(() => planDelivery(config, request({ id })));
    expect(issues.map((i) => i.path)).toEqual(['id']);
    expect(issues[0]?.detail).toMatch(/^must be (1-200 characters|a string)/);
  });

  it.each(['o', 'order-1042', 'Order_7.v2:retry@eu', 'a'.repeat(200)])(
    'accepts the id %j',
    (id) => {
      expect(planDelivery(config, request({ id })).id).toBe(id);
    },
  );

  it('refuses a target named twice, naming the second place', () => {
    const error = invalidDelivery(() =>
      planDelivery(config, request({ targets: ['inventory', 'shipping', 'inventory'] })),
    );

    expect(error.issues).toEqual([{ path: 'targets.2', detail: 'names "inventory" twice' }]);
  });

  it('refuses targets that are not a list', () => {
    const error = invalidDelivery(() => planDelivery(config, request({ targets: 'inventory' })));

    expect(error.issues).toEqual([{ path: 'targets', detail: 'must be a list, not a string' }]);
  });

  it(`refuses more than ${MAX_TARGETS_PER_DELIVERY} targets at once, however many are named`, () => {
    const targets = Array.from({ length: 100_000 }, (_, i) => `t${i}`);

    const before = performance.now();
    const error = invalidDelivery(() => planDelivery(config, request({ targets })));

    expect(error.issues).toEqual([
      { path: 'targets', detail: `must name at most ${MAX_TARGETS_PER_DELIVERY} targets` },
    ]);
    expect(performance.now() - before).toBeLessThan(1000);
  });

  it('refuses a payload number that JSON text overflowed (1e999), naming its field', () => {
    const payload = JSON.parse('{"order":{"lines":[{"qty":1},{"qty":1e999}]}}') as unknown;

    const error = invalidDelivery(() => planDelivery(config, request({ payload })));

    expect(error.issues).toEqual([
      {
        path: 'payload.order.lines.1.qty',
        detail: 'must be a finite number (it overflows a 64-bit float)',
      },
    ]);
  });

  it('refuses a payload over limits.payload, naming the limit, and accepts one at it', () => {
    const small = { ...config, limits: { payload: 100 } };
    const at = 'x'.repeat(98);

    expect(planDelivery(small, request({ payload: at })).payload).toBe(at);
    const error = caught(PayloadTooLargeError, () =>
      planDelivery(small, request({ payload: `${at}y` })),
    );
    expect(error).toMatchObject({ bytes: 101, limitBytes: 100 });
    expect(error.message).toMatch(
      /101 bytes as JSON, over the limit of 100 bytes \(limits\.payload\)/,
    );
  });

  it('refuses unknown targets, naming them and the targets the config declares', () => {
    const unknown = caught(UnknownTargetError, () =>
      planDelivery(config, request({ targets: ['inventory', 'ledger', 'mail'] })),
    );
    expect(unknown.code).toBe('TANDEM_UNKNOWN_TARGET');
    expect(unknown.unknown).toEqual(['ledger', 'mail']);
    expect(unknown.known).toEqual(['inventory', 'shipping', 'billing', 'crm']);
    expect(unknown.message).toBe(
      'Unknown targets "ledger", "mail"; the config declares "inventory", "shipping", "billing", "crm".',
    );
    expect(unknown.issues.map((i) => i.path)).toEqual(['targets.1', 'targets.2']);
  });

  it('does not take an inherited property name for a declared target', () => {
    expect(() => planDelivery(config, request({ targets: ['constructor'] }))).toThrow(
      UnknownTargetError,
    );
  });
});
