import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import { ConfigError } from '../../src/contract/errors';
import { caught } from '../support/wait';
import { TEMPORAL_BLOB_LIMIT_BYTES } from '../../src/contract/limits';

const configError = (run: () => unknown): ConfigError => caught(ConfigError, run);

const UNKNOWN_TEMPLATE_HINT =
  'use delivery.id, idempotencyKey, payload.<path>, response.status, response.headers.<name> or response.body.<path>';

const TEMPLATE_IN_ORIGIN =
  "templates ({{…}}) may not build a URL's scheme, host or port, so no payload or answer can choose where Tandem sends; use ${VAR} from the worker's environment for those";

describe('parseConfig', () => {
  it('fills in every default, with durations in milliseconds', () => {
    const config = parseConfig({
      targets: {
        inventory: {
          request: { url: 'http://localhost:4001/reservations' },
          compensate: { url: 'http://localhost:4001/reservations/{{response.body.id}}' },
        },
      },
    });

    expect(config).toEqual({
      temporal: {
        address: 'localhost:7233',
        namespace: 'default',
        taskQueue: 'tandem',
        deployment: { name: 'tandem' },
      },
      limits: { payload: 512 * 1024 },
      targets: {
        inventory: {
          request: {
            method: 'POST',
            url: 'http://localhost:4001/reservations',
            headers: {},
            timeout: 10_000,
          },
          retry: {
            initialInterval: 1_000,
            backoffCoefficient: 2,
            maximumInterval: 60_000,
            maximumAttempts: 8,
            deadline: 600_000,
            jitter: 'none',
          },
          bulkhead: true,
          breaker: {
            failureRate: 0.5,
            minAttempts: 20,
            windowMs: 60_000,
            openForMs: 30_000,
            probes: 3,
          },
          compensate: {
            method: 'DELETE',
            url: 'http://localhost:4001/reservations/{{response.body.id}}',
            headers: {},
            timeout: 10_000,
            retry: {
              initialInterval: 1_000,
              backoffCoefficient: 2,
              maximumInterval: 300_000,
              maximumAttempts: 10,
              deadline: 3_600_000,
              jitter: 'none',
            },
          },
        },
      },
    });
  });

  it('reads the documented example with its durations in milliseconds', () => {
    const config = parseConfig({
      temporal: {
        address: 'temporal:7233',
        namespace: 'orders',
        taskQueue: 'fanout',
        deployment: { name: 'fanout-prod' },
      },
      targets: {
        inventory: {
          request: {
            method: 'PUT',
            url: 'http://localhost:4001/reservations',
            headers: { Authorization: 'Bearer ${INVENTORY_TOKEN}' },
            timeout: '5s',
          },
          retry: {
            initialInterval: '500ms',
            backoffCoefficient: 1.5,
            maximumInterval: '30s',
            maximumAttempts: 0,
            deadline: '10m',
            jitter: 'full',
          },
          successStatuses: [200, 201, 409],
          compensate: {
            url: 'http://localhost:4001/reservations/{{response.body.id}}',
            retry: { initialInterval: '1s', maximumAttempts: 10, deadline: '1h' },
          },
        },
      },
    });

    expect(config.temporal).toEqual({
      address: 'temporal:7233',
      namespace: 'orders',
      taskQueue: 'fanout',
      deployment: { name: 'fanout-prod' },
    });
    const inventory = config.targets.inventory!;
    expect(inventory.request).toEqual({
      method: 'PUT',
      url: 'http://localhost:4001/reservations',
      headers: { Authorization: 'Bearer ${INVENTORY_TOKEN}' },
      timeout: 5_000,
    });
    expect(inventory.retry).toEqual({
      initialInterval: 500,
      backoffCoefficient: 1.5,
      maximumInterval: 30_000,
      maximumAttempts: 0,
      deadline: 600_000,
      jitter: 'full',
    });
    expect(inventory.successStatuses).toEqual([200, 201, 409]);
    expect(inventory.compensate?.retry).toMatchObject({
      initialInterval: 1_000,
      maximumAttempts: 10,
      deadline: 3_600_000,
    });
  });

  it('lists every mistake of a document in one ConfigError, each by its path', () => {
    const error = configError(() =>
      parseConfig(
        {
          temporal: { adress: 'localhost:7233' },
          targets: {
            inventory: {
              request: { url: 'not a url', timeout: '5 seconds', verb: 'POST' },
              retry: { backoffCoefficient: 0.5 },
              successStatuses: [200, 700],
              compensate: { url: 'http://localhost:4001/r/{{secrets.token}}' },
            },
            Shipping: { request: { url: 'http://localhost:4002/shipments' } },
          },
        },
        'tandem.config.yaml',
      ),
    );

    expect(error.code).toBe('TANDEM_CONFIG_INVALID');
    expect(error.source).toBe('tandem.config.yaml');
    expect([...error.issues].sort()).toEqual(
      [
        'temporal.adress: unknown field',
        'targets.inventory.request.url: must be an http(s) URL',
        'targets.inventory.request.timeout: must be a positive duration like 500ms, 5s or 10m',
        'targets.inventory.request.verb: unknown field',
        'targets.inventory.retry.backoffCoefficient: must be >= 1',
        'targets.inventory.successStatuses.1: must be an HTTP status',
        `targets.inventory.compensate.url: template field "secrets.token" is unknown; ${UNKNOWN_TEMPLATE_HINT}`,
        'targets.Shipping: target names are lower-case letters, digits, "-" and "_", starting with a letter',
      ].sort(),
    );
    expect(error.message).toContain('Invalid config tandem.config.yaml: 8 problems');
    for (const issue of error.issues) expect(error.message).toContain(`  - ${issue}`);
  });

  it.each(['tandem.v2', 'orders:prod', '__tandem', '', 'x'.repeat(101)])(
    'refuses the deployment name %j, which Temporal cannot hold in a version id',
    (name) => {
      const error = configError(() =>
        parseConfig({
          temporal: { deployment: { name } },
          targets: { a: { request: { url: 'http://h/x' } } },
        }),
      );
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatch(/^temporal\.deployment\.name: must be /);
    },
  );

  it.each([
    [
      'a method outside the list',
      { request: { url: 'http://h/x', method: 'FETCH' } },
      'targets.a.request.method: must be one of GET, POST, PUT, PATCH, DELETE',
    ],
    [
      'a URL that is not http(s)',
      { request: { url: 'ftp://h/x' } },
      'targets.a.request.url: must be an http(s) URL',
    ],
    ['a missing URL', { request: {} }, 'targets.a.request.url: must be an http(s) URL'],
    [
      'a non-positive duration',
      { request: { url: 'http://h/x' }, retry: { deadline: '0s' } },
      'targets.a.retry.deadline: must be a positive duration like 500ms, 5s or 10m',
    ],
    [
      'a fractional maximumAttempts',
      { request: { url: 'http://h/x' }, retry: { maximumAttempts: 1.5 } },
      'targets.a.retry.maximumAttempts: must be a whole number',
    ],
    [
      'a negative maximumAttempts',
      { request: { url: 'http://h/x' }, retry: { maximumAttempts: -1 } },
      'targets.a.retry.maximumAttempts: must be >= 0 (0 = unlimited within the deadline)',
    ],
    [
      'an unknown jitter',
      { request: { url: 'http://h/x' }, retry: { jitter: 'some' } },
      'targets.a.retry.jitter: must be none or full',
    ],
    [
      'a maximumInterval below initialInterval',
      { request: { url: 'http://h/x' }, retry: { initialInterval: '10s', maximumInterval: '1s' } },
      'targets.a.retry.maximumInterval: must be >= initialInterval',
    ],
    [
      'an empty successStatuses',
      { request: { url: 'http://h/x' }, successStatuses: [] },
      'targets.a.successStatuses: must list at least one status',
    ],
    [
      'a non-string header',
      { request: { url: 'http://h/x', headers: { 'X-Count': 3 } } },
      'targets.a.request.headers.X-Count: must be a string',
    ],
    [
      'an unknown template field in a compensation header',
      {
        request: { url: 'http://h/x' },
        compensate: { url: 'http://h/x', headers: { 'If-Match': '{{response.etag}}' } },
      },
      `targets.a.compensate.headers: template field "response.etag" is unknown; ${UNKNOWN_TEMPLATE_HINT}`,
    ],
    [
      'a whole payload in a compensation body',
      { request: { url: 'http://h/x' }, compensate: { url: 'http://h/x', body: '{{payload}}' } },
      `targets.a.compensate.body: template field "payload" is unknown; ${UNKNOWN_TEMPLATE_HINT}`,
    ],
  ])('refuses %s', (_what, target, issue) => {
    expect(configError(() => parseConfig({ targets: { a: target } })).issues).toEqual([issue]);
  });

  it.each([
    'http://{{payload.host}}/r',
    'http://api.{{payload.zone}}.example/r',
    'http://h:{{payload.port}}/r',
    '{{payload.scheme}}://h/r',
    'http:/{{payload.host}}/r',
    'http://{{response.body.user}}@h/r',
    '{{response.headers.location}}',
  ])(
    'refuses the compensation URL %j, whose template would build the scheme, host or port',
    (url) => {
      const issues = configError(() =>
        parseConfig({ targets: { a: { request: { url: 'http://h/x' }, compensate: { url } } } }),
      ).issues;

      expect(issues).toEqual([`targets.a.compensate.url: ${TEMPLATE_IN_ORIGIN}`]);
    },
  );

  it("refuses a template in the request URL's host too, naming its path", () => {
    expect(
      configError(() =>
        parseConfig({ targets: { a: { request: { url: 'http://{{payload.h}}/x' } } } }),
      ).issues,
    ).toEqual([`targets.a.request.url: ${TEMPLATE_IN_ORIGIN}`]);
  });

  it('lets ${VAR} build the scheme, host and port, and templates fill the path and query', () => {
    const config = parseConfig({
      targets: {
        a: {
          request: { url: '${BASE_URL}/x' },
          compensate: { url: 'https://${HOST}:${PORT}/r/{{response.body.id}}?by={{delivery.id}}' },
        },
      },
    });

    expect(config.targets.a!.compensate!.url).toBe(
      'https://${HOST}:${PORT}/r/{{response.body.id}}?by={{delivery.id}}',
    );
  });

  it('refuses a gateway.bodyLimit above what Temporal accepts in one blob, and takes it at the limit', () => {
    const targets = { a: { request: { url: 'http://h/x' } } };

    expect(
      configError(() =>
        parseConfig({ targets, gateway: { bodyLimit: TEMPORAL_BLOB_LIMIT_BYTES + 1 } }),
      ).issues,
    ).toEqual([
      `gateway.bodyLimit: must be at most ${TEMPORAL_BLOB_LIMIT_BYTES} bytes: Temporal refuses a larger blob, so a larger body could never start a delivery`,
    ]);
    expect(parseConfig({ targets, gateway: { bodyLimit: '2mb' } }).gateway?.bodyLimit).toBe(
      TEMPORAL_BLOB_LIMIT_BYTES,
    );
  });

  it('takes worker.cachedRuns as a whole number of runs, 0 included, and names a bad one', () => {
    const targets = { a: { request: { url: 'http://h/x' } } };

    expect(parseConfig({ targets }).worker).toBeUndefined();
    expect(parseConfig({ targets, worker: { cachedRuns: 0 } }).worker).toEqual({ cachedRuns: 0 });
    for (const cachedRuns of [-1, 1.5, '500']) {
      expect(configError(() => parseConfig({ targets, worker: { cachedRuns } })).issues).toEqual([
        expect.stringMatching(/^worker\.cachedRuns: must be (a whole number|0 or more)/),
      ]);
    }
    expect(configError(() => parseConfig({ targets, worker: { cache: 5 } })).issues).toEqual([
      'worker.cache: unknown field',
    ]);
  });

  it('takes worker.slots as fixed slot counts, each optional, and names a bad one', () => {
    const targets = { a: { request: { url: 'http://h/x' } } };

    expect(
      parseConfig({ targets, worker: { slots: { perTarget: 20, workflowTasks: 10 } } }).worker,
    ).toEqual({ slots: { perTarget: 20, workflowTasks: 10 } });
    expect(parseConfig({ targets, worker: { slots: {} } }).worker).toEqual({ slots: {} });
    for (const perTarget of [0, 2.5, '10', 10_001]) {
      expect(
        configError(() => parseConfig({ targets, worker: { slots: { perTarget } } })).issues,
      ).toEqual(['worker.slots.perTarget: must be a whole number of slots from 1 to 10000']);
    }
    expect(
      configError(() => parseConfig({ targets, worker: { slots: { workflowTasks: 1 } } })).issues,
    ).toEqual(['worker.slots.workflowTasks: must be a whole number of slots from 2 to 10000']);
    expect(
      configError(() => parseConfig({ targets, worker: { slots: { activities: 5 } } })).issues,
    ).toEqual(['worker.slots.activities: unknown field']);
  });

  it('takes worker.tuner as CPU and memory targets, 0.8 each by default, and names a bad one', () => {
    const targets = { a: { request: { url: 'http://h/x' } } };

    expect(
      parseConfig({ targets, worker: { tuner: { targetCpu: 0.7, targetMemory: 0.9 } } }).worker,
    ).toEqual({ tuner: { targetCpu: 0.7, targetMemory: 0.9 } });
    expect(parseConfig({ targets, worker: { tuner: {} } }).worker).toEqual({
      tuner: { targetCpu: 0.8, targetMemory: 0.8 },
    });
    for (const targetCpu of [0, -0.5, 1.5, '0.8']) {
      expect(
        configError(() => parseConfig({ targets, worker: { tuner: { targetCpu } } })).issues,
      ).toEqual(['worker.tuner.targetCpu: must be a fraction above 0 and at most 1, such as 0.8']);
    }
    expect(
      configError(() => parseConfig({ targets, worker: { tuner: { targetMemory: 80 } } })).issues,
    ).toEqual(['worker.tuner.targetMemory: must be a fraction above 0 and at most 1, such as 0.8']);
  });

  it('refuses worker.slots and worker.tuner together: the tuner sizes the slots itself', () => {
    const targets = { a: { request: { url: 'http://h/x' } } };

    expect(
      configError(() =>
        parseConfig({ targets, worker: { slots: { perTarget: 10 }, tuner: { targetCpu: 0.8 } } }),
      ).issues,
    ).toEqual([
      'worker.tuner: cannot be set with worker.slots: the tuner sizes the slots itself: remove one of them',
    ]);
  });

  it('raises the default maximumInterval to a long initialInterval instead of refusing it', () => {
    const config = parseConfig({
      targets: { a: { request: { url: 'http://h/x' }, retry: { initialInterval: '5m' } } },
    });

    expect(config.targets.a!.retry).toMatchObject({
      initialInterval: 300_000,
      maximumInterval: 300_000,
    });
  });

  it('refuses a document without targets, or with none declared', () => {
    expect(configError(() => parseConfig(undefined)).issues).toEqual([
      'targets: must map target names to their settings',
    ]);
    expect(configError(() => parseConfig({ targets: {} })).issues).toEqual([
      'targets: must declare a target',
    ]);
  });

  it('accepts ${VAR} and {{template}} parts in URLs, leaving them as written', () => {
    const config = parseConfig({
      targets: {
        billing: {
          request: { url: 'https://${BILLING_HOST}/invoices' },
          compensate: { url: 'https://${BILLING_HOST}/invoices/{{response.headers.Location}}' },
        },
      },
    });

    expect(config.targets.billing!.request.url).toBe('https://${BILLING_HOST}/invoices');
    expect(config.targets.billing!.compensate!.url).toBe(
      'https://${BILLING_HOST}/invoices/{{response.headers.Location}}',
    );
  });

  it('reads a rateLimit per second or per minute as requests per second, and names a bad one', () => {
    const target = (extra: object) => ({ a: { request: { url: 'http://h/x' }, ...extra } });

    expect(parseConfig({ targets: target({}) }).targets.a!.rateLimit).toBeUndefined();
    expect(parseConfig({ targets: target({ rateLimit: '20/s' }) }).targets.a!.rateLimit).toBe(20);
    expect(parseConfig({ targets: target({ rateLimit: '90/m' }) }).targets.a!.rateLimit).toBe(1.5);
    for (const rateLimit of ['20', '0/s', '-1/s', '20/h', 'fast', 20, '20000/s']) {
      expect(configError(() => parseConfig({ targets: target({ rateLimit }) })).issues).toEqual([
        expect.stringMatching(/^targets\.a\.rateLimit: must be a rate like 20\/s or 90\/m/),
      ]);
    }
  });

  it('refuses a rateLimit on a target without a bulkhead, naming the target and what to do', () => {
    const issues = configError(() =>
      parseConfig({
        targets: {
          shipping: { request: { url: 'http://h/x' }, bulkhead: false, rateLimit: '5/s' },
        },
      }),
    ).issues;

    expect(issues).toEqual([expect.stringMatching(/^targets\.shipping\.rateLimit: needs /)]);
    expect(issues[0]).toContain('remove rateLimit or set bulkhead: true');
  });
});
