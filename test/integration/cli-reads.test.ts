import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../src/client/client';
import { workflowIdFor } from '../../src/contract/contracts';
import { spawnTandem } from '../support/processes';
import { cliWorld } from '../support/cli-world';

describe('the tandem CLI, run as a user types it', () => {
  const cli = cliWorld();
  const { tandem, parkedDelivery, expectOneLine } = cli;

  describe('status', () => {
    it('prints a table of the legs, and JSON that parses with --json', async () => {
      const id = cli.system.newId();
      await cli.system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
      await cli.system.client.result(id);

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
      const id = cli.system.newId('unknown');
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
      const keyed = path.join(cli.dir, 'keyed.config.yaml');
      await writeFile(
        keyed,
        stringify({
          ...cli.system.document,
          temporal: { ...cli.system.document.temporal, tls: false, apiKey: '${CLI_TEMPORAL_KEY}' },
        }),
      );
      const id = cli.system.newId('keyed');

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
          (await cli.system.client.list({ status: 'needs_attention' })).map((d) => d.id),
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
});
