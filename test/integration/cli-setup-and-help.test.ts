import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { spawnTandem } from '../support/processes';
import { startSystem } from '../support/system';
import { cliWorld } from '../support/cli-world';

describe('the tandem CLI, run as a user types it', () => {
  const cli = cliWorld();
  const { tandem, expectOneLine } = cli;

  describe('failures of the setup', () => {
    it('says in one line, with exit 1, when Temporal cannot be reached', async () => {
      const unreachable = path.join(cli.dir, 'unreachable.yaml');
      await writeFile(
        unreachable,
        stringify({
          ...cli.system.document,
          temporal: { ...cli.system.document.temporal, address: '127.0.0.1:1' },
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
    /** The verbs a user meets first, each with its own help. */
    const VERBS = [
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

    it('reads like a man page: every verb, examples and the exit codes', async () => {
      const { code, stdout } = await tandem(['--help']);

      expect(code).toBe(0);
      for (const verb of VERBS) {
        expect(stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
      }
      expect(stdout).toContain('Examples:\n  $ npm start');
      expect(stdout).toContain('Exit codes:\n  0  success');
      expect(stdout).toContain('TANDEM_CONFIG');
    });

    it('gives each verb its own help with examples', async () => {
      // Nine processes at once: slow on a small machine, hence the longer timeout.
      const helps = await Promise.all(VERBS.map((verb) => tandem([verb, '--help'])));

      helps.forEach(({ code, stdout }, i) => {
        expect(code).toBe(0);
        expect(stdout).toContain(`Usage: tandem ${VERBS[i]}`);
        expect(stdout).toContain(`Examples:\n  $ `);
      });
      // The operator actions are traced: their help says how to turn it on.
      for (const action of ['cancel', 'retry', 'resolve']) {
        expect(helps[VERBS.indexOf(action)]!.stdout).toContain(
          'Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set',
        );
      }
    }, 120_000);

    it('answers an unknown verb with one line and exit 2', async () => {
      const { code, stderr } = await tandem(['deliverr']);

      expect(code).toBe(2);
      expectOneLine(stderr, /^tandem: unknown command 'deliverr'/);
    });
  });
});
