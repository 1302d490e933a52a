import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../src/client/client';
import { workflowIdFor, type DeliveryState } from '../../src/contract/contracts';
import { spawnTandem } from '../support/processes';
import { startSystem, type System } from '../support/system';

const both = 'inventory,shipping';

describe('the tandem CLI, run as a user types it', () => {
  let system: System;
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    system = await startSystem((doc) => {
      // A hanging inventory answer is given up after 1 s, so a delivery parks in seconds.
      doc.targets.inventory.request.timeout = '1s';
    });
    configPath = await system.writeConfigFile();
    dir = path.dirname(configPath);
    await writeFile(path.join(dir, 'order.json'), JSON.stringify({ sku: 'A-1', qty: 2 }));
  });
  afterEach(() => system.targets.clearFaults());
  afterAll(async () => {
    await system.stop();
  });

  /** Runs `tandem <args>` against the test's config; resolves when it exits. */
  function tandem(args: string[], env: Record<string, string> = {}) {
    return spawnTandem(args, { TANDEM_CONFIG: configPath, ...env }).exited;
  }

  /** Runs `tandem <args>` with `input` on its standard input, as `echo … | tandem …` does. */
  function tandemWithStdin(args: string[], input: string) {
    return spawnTandem(args, { TANDEM_CONFIG: configPath }, { stdin: input }).exited;
  }

  const payloadFile = () => `@${path.join(dir, 'order.json')}`;

  /** Starts a delivery that parks as needs_attention (inventory's outcome unknown). */
  async function parkedDelivery(): Promise<string> {
    const id = system.newId('parked');
    system.targets.setFault('inventory', 'create', { hang: true, times: 1 });
    system.targets.setFault('shipping', 'create', { status: 422 });
    await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
    await system.client.waitFor(id, ['needs_attention'], { timeoutMs: 30_000 });
    system.targets.clearFaults();
    return id;
  }

  function expectOneLine(stderr: string, pattern: RegExp): void {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(pattern);
  }

  describe('deliver', () => {
    it('starts a delivery, waits for it with --wait --json, and sends nothing on a repeat', async () => {
      const id = system.newId();

      const waited = await tandem([
        'deliver',
        '--id',
        id,
        '--targets',
        both,
        '--payload',
        payloadFile(),
        '--wait',
        '--json',
      ]);

      expect(waited.stderr).toBe('');
      expect(waited.code).toBe(0);
      const state = JSON.parse(waited.stdout) as DeliveryState;
      expect(state).toMatchObject({ id, status: 'completed' });
      expect(state.legs.map((leg) => [leg.target, leg.status])).toEqual([
        ['inventory', 'succeeded'],
        ['shipping', 'succeeded'],
      ]);
      const sent = system.targets.received('inventory', 'create').filter((r) => {
        return r.headers['x-tandem-delivery'] === id;
      });
      expect(sent.map((r) => r.body)).toEqual([{ sku: 'A-1', qty: 2 }]);

      const again = await tandem([
        'deliver',
        '--id',
        id,
        '--targets',
        both,
        '--payload',
        payloadFile(),
      ]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`Delivery ${id} already exists with this request`);
      expect(
        system.targets.received('shipping', 'create').filter((r) => {
          return r.headers['x-tandem-delivery'] === id;
        }),
      ).toHaveLength(1);
    });

    it('takes the payload as JSON text, or from standard input with @-', async () => {
      const [inline, piped] = [system.newId(), system.newId()];
      const [fromText, fromStdin] = await Promise.all([
        tandem(['deliver', '--id', inline, '--targets', 'shipping', '--payload', '{"sku":"B-2"}']),
        tandemWithStdin(
          ['deliver', '--id', piped, '--targets', 'shipping', '--payload', '@-'],
          '{"sku":"C-3"}',
        ),
      ]);

      expect(fromText.code).toBe(0);
      expect(fromText.stdout).toContain(
        `Started delivery ${inline} to shipping (workflow ${workflowIdFor(inline)})`,
      );
      expect(fromStdin.code).toBe(0);
      for (const [id, body] of [
        [inline, { sku: 'B-2' }],
        [piped, { sku: 'C-3' }],
      ] as const) {
        expect((await system.client.result(id)).status).toBe('completed');
        const sent = system.targets.received('shipping', 'create').filter((r) => {
          return r.headers['x-tandem-delivery'] === id;
        });
        expect(sent.map((r) => r.body)).toEqual([body]);
      }
    });

    it('refuses an unknown target with exit 4 and starts nothing', async () => {
      const id = system.newId();
      const { code, stdout, stderr } = await tandem([
        'deliver',
        '--id',
        id,
        '--targets',
        'inventory,billing',
        '--payload',
        payloadFile(),
      ]);

      expect(code).toBe(4);
      expect(stdout).toBe('');
      expectOneLine(
        stderr,
        /^tandem: Unknown target "billing"; the config declares "inventory", "shipping"\.$/,
      );
      await expect(system.client.status(id)).rejects.toThrow(`No delivery "${id}" was found`);
    });

    it('names a missing payload file, with exit 5', async () => {
      const missing = path.join(dir, 'no-such-order.json');
      const { code, stderr } = await tandem([
        'deliver',
        '--id',
        system.newId(),
        '--targets',
        both,
        '--payload',
        `@${missing}`,
      ]);

      expect(code).toBe(5);
      expectOneLine(
        stderr,
        new RegExp(`^tandem: cannot read payload file ${missing}: no such file`),
      );
    });

    it('names the file, line and column of invalid JSON, with exit 5', async () => {
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, '{\n  "sku": "A-1",\n  "qty": 2,\n}\n');
      const { code, stderr } = await tandem([
        'deliver',
        '--id',
        system.newId(),
        '--targets',
        both,
        '--payload',
        `@${bad}`,
      ]);

      expect(code).toBe(5);
      expectOneLine(
        stderr,
        new RegExp(
          `^tandem: payload file ${bad} is not valid JSON: .* at line 4, column 1 \\(offset 30\\)$`,
        ),
      );
    });

    it('refuses a payload over limits.payload, or holding 1e999, with exit 5 and one line naming the limit or the field', async () => {
      const big = path.join(dir, 'big.json');
      await writeFile(big, JSON.stringify({ blob: 'x'.repeat(600 * 1024) }));
      const overflow = path.join(dir, 'overflow.json');
      await writeFile(overflow, '{"lines":[{"qty":1e999}]}');
      const [bigId, overflowId] = [system.newId(), system.newId()];

      const [tooBig, notFinite] = await Promise.all([
        tandem(['deliver', '--id', bigId, '--targets', both, '--payload', `@${big}`]),
        tandem(['deliver', '--id', overflowId, '--targets', both, '--payload', `@${overflow}`]),
      ]);

      expect(tooBig.code).toBe(5);
      expectOneLine(
        tooBig.stderr,
        /^tandem: The payload is 614411 bytes as JSON, over the limit of 524288 bytes \(limits\.payload\)/,
      );
      expect(notFinite.code).toBe(5);
      expectOneLine(
        notFinite.stderr,
        /^tandem: Invalid delivery: payload\.lines\.0\.qty: must be a finite number/,
      );
      for (const id of [bigId, overflowId]) {
        await expect(system.client.describe(id)).rejects.toThrow(`No delivery "${id}" was found`);
      }
    });

    it('exits 7 with the state in JSON when the delivery parks as needs_attention', async () => {
      const id = system.newId();
      system.targets.setFault('inventory', 'create', { hang: true, times: 1 });
      system.targets.setFault('shipping', 'create', { status: 422 });

      const { code, stdout, stderr } = await tandem([
        'deliver',
        '--id',
        id,
        '--targets',
        both,
        '--payload',
        payloadFile(),
        '--wait',
        '--json',
      ]);

      expect(code, stderr).toBe(7);
      const state = JSON.parse(stdout) as DeliveryState;
      expect(state.status).toBe('needs_attention');
      expect(state.reason).toContain('outcome unknown');
      expectOneLine(
        stderr,
        new RegExp(`^tandem: delivery ${id} needs attention: inventory: outcome unknown`),
      );
    });
  });

  describe('status', () => {
    it('prints a table of the legs, and JSON that parses with --json', async () => {
      const id = system.newId();
      await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
      await system.client.result(id);

      const [table, json] = await Promise.all([
        tandem(['status', id]),
        tandem(['status', id, '--json']),
      ]);

      expect(table.code).toBe(0);
      const lines = table.stdout.split('\n');
      expect(lines[0]).toBe(`delivery  ${id}  (workflow delivery-${id})`);
      expect(lines[1]).toBe('status    completed');
      expect(table.stdout).toMatch(/TARGET\s+STATUS\s+ATTEMPTS\s+HTTP\s+UNDO\s+LAST ERROR/);
      expect(table.stdout).toMatch(/inventory\s+succeeded\s+1\s+201/);
      expect(table.stdout).toMatch(/shipping\s+succeeded\s+1\s+201/);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ id, status: 'completed' });
    });

    it('says which delivery is unknown, with exit 3, for every verb that names one', async () => {
      const id = system.newId('unknown');
      const results = await Promise.all([
        tandem(['status', id]),
        tandem(['cancel', id]),
        tandem(['retry', id]),
        tandem(['resolve', id, '--note', 'n/a']),
      ]);

      for (const { code, stdout, stderr } of results) {
        expect(code).toBe(3);
        expect(stdout).toBe('');
        expectOneLine(stderr, new RegExp(`^tandem: No delivery "${id}" was found\\.$`));
      }
    });
    it('reads the Temporal API key from its ${VAR} in the environment, and names the variable when it is unset', async () => {
      const keyed = path.join(dir, 'keyed.config.yaml');
      await writeFile(
        keyed,
        stringify({
          ...system.document,
          temporal: { ...system.document.temporal, tls: false, apiKey: '${CLI_TEMPORAL_KEY}' },
        }),
      );
      const id = system.newId('keyed');

      const withKey = await spawnTandem(['status', id], {
        TANDEM_CONFIG: keyed,
        CLI_TEMPORAL_KEY: 'cli-key-not-shown-anywhere',
      }).exited;
      const withoutKey = await spawnTandem(['status', id], { TANDEM_CONFIG: keyed }).exited;

      // With the key resolved, the verb reaches Temporal and learns the delivery is unknown.
      expect(withKey.code).toBe(3);
      expect(withKey.stderr).not.toContain('cli-key-not-shown-anywhere');
      expect(withoutKey.code).toBe(1);
      expect(withoutKey.stderr).toMatch(/temporal\.apiKey: \$\{CLI_TEMPORAL_KEY\} is not set/);
    });
  });

  describe('list', () => {
    it('answers --status needs_attention from the visibility store, as a table and as JSON', async () => {
      const id = await parkedDelivery();
      // Visibility lags the run a little: wait until it has caught up before asking the CLI.
      await expect
        .poll(async () =>
          (await system.client.list({ status: 'needs_attention' })).map((d) => d.id),
        )
        .toContain(id);

      const [table, json] = await Promise.all([
        tandem(['list', '--status', 'needs_attention']),
        tandem(['list', '--status', 'needs_attention', '--json']),
      ]);

      expect(table.code).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+TARGETS\s+STARTED\s+CLOSED$/);
      expect(table.stdout).toMatch(new RegExp(`${id}\\s+needs_attention\\s+inventory,shipping\\s`));
      expect(table.stdout).not.toMatch(/\scompleted\s/);
      expect(json.code).toBe(0);
      const listed = JSON.parse(json.stdout) as DeliverySummary[];
      expect(listed.find((d) => d.id === id)).toMatchObject({
        workflowId: workflowIdFor(id),
        status: 'needs_attention',
        targets: ['inventory', 'shipping'],
      });
      expect(listed.every((d) => d.status === 'needs_attention')).toBe(true);
    });

    it('refuses an unknown status with exit 2, naming the allowed ones', async () => {
      const { code, stderr } = await tandem(['list', '--status', 'stuck']);

      expect(code).toBe(2);
      expectOneLine(
        stderr,
        /^tandem: option '--status <status>' argument 'stuck' is invalid\. Allowed choices are running, paused, completed, compensated, cancelled, needs_attention, resolved\./,
      );
    });
  });

  describe('retry, resolve, cancel', () => {
    it('retries a parked delivery, which then learns the outcome and undoes it', async () => {
      const id = await parkedDelivery();

      const [unknownLeg, cancel] = await Promise.all([
        tandem(['retry', id, '--leg', 'billing']),
        tandem(['cancel', id]),
      ]);
      expect(unknownLeg.code).toBe(4);
      expectOneLine(
        unknownLeg.stderr,
        new RegExp(
          `^tandem: Delivery "${id}" has no leg "billing"; its legs are inventory, shipping\\.$`,
        ),
      );
      expect(cancel.code).toBe(6);
      expectOneLine(
        cancel.stderr,
        new RegExp(`^tandem: Delivery "${id}" is needs_attention, not running`),
      );

      const retried = await tandem(['retry', id, '--leg', 'inventory']);
      expect(retried.stderr).toBe('');
      expect(retried.code).toBe(0);
      expect(retried.stdout).toContain(`Retry accepted for delivery ${id} (leg inventory)`);
      const state = await system.client.result(id);
      expect(state.status).toBe('compensated');
      expect(state.legs[0]).toMatchObject({ target: 'inventory', status: 'compensated' });

      const again = await tandem(['retry', id]);
      expect(again.code).toBe(6);
      expectOneLine(
        again.stderr,
        new RegExp(
          `^tandem: Delivery "${id}" is compensated, not needs_attention: there is nothing to retry\\.$`,
        ),
      );
    });

    it('resolves a parked delivery with a note, and refuses a resolve without one', async () => {
      const id = await parkedDelivery();

      const noNote = await tandem(['resolve', id]);
      expect(noNote.code).toBe(2);
      expectOneLine(
        noNote.stderr,
        /^tandem: required option '--note <text>' not specified \(see tandem resolve --help\)$/,
      );

      const resolved = await tandem(['resolve', id, '--note', 'released the reservation by hand']);
      expect(resolved.stderr).toBe('');
      expect(resolved.code).toBe(0);
      expect(resolved.stdout).toContain(
        `Resolved delivery ${id}: released the reservation by hand`,
      );
      const status = await tandem(['status', id, '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({
        status: 'resolved',
        note: 'released the reservation by hand',
      });
    });

    it('cancels a running delivery, keeping the reason in its history', async () => {
      const id = system.newId();
      // Shipping asks to be called again in 30 s: the delivery is running, waiting, when cancelled.
      system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '30' });
      await system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
      await system.targets.waitFor(
        (r) => r.api === 'shipping' && r.headers['x-tandem-delivery'] === id && r.status === 503,
      );

      const cancelled = await tandem(['cancel', id, '--reason', 'customer withdrew the order']);

      expect(cancelled.stderr).toBe('');
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain(
        `Cancel requested for delivery ${id} (reason: customer withdrew the order)`,
      );
      const state = await system.client.result(id);
      expect(state.status).toBe('cancelled');
      expect(state.legs.map((leg) => [leg.target, leg.status])).toEqual([
        ['inventory', 'compensated'],
        ['shipping', 'cancelled'],
      ]);
      const history = await new Client({ connection: system.connection }).workflow
        .getHandle(workflowIdFor(id))
        .fetchHistory();
      const request = history.events?.find(
        (e) => e.workflowExecutionCancelRequestedEventAttributes,
      );
      expect(request?.workflowExecutionCancelRequestedEventAttributes?.cause).toBe(
        'customer withdrew the order',
      );

      const again = await tandem(['cancel', id]);
      expect(again.code).toBe(6);
      expectOneLine(
        again.stderr,
        new RegExp(
          `^tandem: Delivery "${id}" has ended \\(cancelled\\): there is nothing to cancel\\.$`,
        ),
      );
    });
  });

  describe('failures of the setup', () => {
    it('says in one line, with exit 1, when Temporal cannot be reached', async () => {
      const unreachable = path.join(dir, 'unreachable.yaml');
      await writeFile(
        unreachable,
        stringify({
          ...system.document,
          temporal: { ...system.document.temporal, address: '127.0.0.1:1' },
        }),
      );
      const results = await Promise.all([
        spawnTandem(['status', 'order-1'], { TANDEM_CONFIG: unreachable }).exited,
        spawnTandem(['list'], { TANDEM_CONFIG: unreachable }).exited,
      ]);

      for (const { code, stderr } of results) {
        expect(code).toBe(1);
        expectOneLine(stderr, /^tandem: cannot reach Temporal at 127\.0\.0\.1:1: /);
      }
    });

    it('answers status with no worker running, and says with exit 8 when no worker takes a retry', async () => {
      const idle = await startSystem(
        (doc) => {
          doc.targets.inventory.request.timeout = '1s';
        },
        { workers: false },
      );
      try {
        const idleConfig = await idle.writeConfigFile();
        const id = idle.newId();
        idle.targets.setFault('inventory', 'create', { hang: true, times: 1 });
        idle.targets.setFault('shipping', 'create', { status: 422 });
        await idle.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });

        const status = await spawnTandem(['status', id, '--json'], { TANDEM_CONFIG: idleConfig })
          .exited;
        expect(status.code).toBe(0);
        expect(JSON.parse(status.stdout)).toMatchObject({
          id,
          status: 'running',
          legs: [
            { target: 'inventory', status: 'pending' },
            { target: 'shipping', status: 'pending' },
          ],
        });

        const workers = await idle.startWorkers();
        await idle.client.waitFor(id, ['needs_attention'], { timeoutMs: 30_000 });
        await workers.stop();
        const retry = await spawnTandem(['retry', id], { TANDEM_CONFIG: idleConfig }).exited;

        expect(retry.code).toBe(8);
        expectOneLine(
          retry.stderr,
          new RegExp(
            `^tandem: no worker answered for delivery "${id}" within 15s: is a worker \\(tandem worker\\) running for task queue "${idle.config.temporal.taskQueue}"`,
          ),
        );
        await new Client({ connection: idle.connection }).workflow
          .getHandle(workflowIdFor(id))
          .terminate('test over');
      } finally {
        await idle.stop();
      }
    }, 90_000);
  });

  describe('help', () => {
    it('reads like a man page: every verb, examples and the exit codes', async () => {
      const { code, stdout } = await tandem(['--help']);

      expect(code).toBe(0);
      for (const verb of [
        'deliver',
        'status',
        'list',
        'cancel',
        'retry',
        'resolve',
        'worker',
        'gateway',
        'dev',
      ]) {
        expect(stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
      }
      expect(stdout).toContain('Examples:\n  $ npm start');
      expect(stdout).toContain('Exit codes:\n  0  success');
      expect(stdout).toContain('TANDEM_CONFIG');
    });

    it('gives each verb its own help with examples', async () => {
      const verbs = [
        'deliver',
        'status',
        'list',
        'cancel',
        'retry',
        'resolve',
        'worker',
        'gateway',
        'dev',
      ];
      // Nine processes at once: slow on a small machine, hence the longer timeout.
      const helps = await Promise.all(verbs.map((verb) => tandem([verb, '--help'])));

      helps.forEach(({ code, stdout }, i) => {
        expect(code).toBe(0);
        expect(stdout).toContain(`Usage: tandem ${verbs[i]}`);
        expect(stdout).toContain(`Examples:\n  $ `);
      });
    }, 120_000);

    it('answers an unknown verb with one line and exit 2', async () => {
      const { code, stderr } = await tandem(['deliverr']);

      expect(code).toBe(2);
      expectOneLine(stderr, /^tandem: unknown command 'deliverr'/);
    });
  });
});
