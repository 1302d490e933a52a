import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowIdFor, type DeliveryState } from '../../src/contract/contracts';
import { cliWorld } from '../support/cli-world';

const both = 'inventory,shipping';

/** `tandem deliver` of `payload` (a file as `@path`, JSON text, or `@-`) to both targets. */
const deliverArgs = (id: string, payload: string, ...flags: string[]) => [
  'deliver',
  '--id',
  id,
  '--targets',
  both,
  '--payload',
  payload,
  ...flags,
];

describe('the tandem CLI, run as a user types it', () => {
  const cli = cliWorld();
  const { tandem, tandemWithStdin, payloadFile, expectOneLine } = cli;

  describe('deliver', () => {
    it('starts a delivery, waits for it with --wait --json, and sends nothing on a repeat', async () => {
      const id = cli.system.newId();

      const waited = await tandem(deliverArgs(id, payloadFile(), '--wait', '--json'));

      expect(waited.stderr).toBe('');
      expect(waited.code).toBe(0);
      const state = JSON.parse(waited.stdout) as DeliveryState;
      expect(state).toMatchObject({ id, status: 'completed' });
      expect(state.legs.map((leg) => [leg.target, leg.status])).toEqual([
        ['inventory', 'succeeded'],
        ['shipping', 'succeeded'],
      ]);
      const sent = cli.system.targets.received('inventory', 'create').filter((r) => {
        return r.headers['x-tandem-delivery'] === id;
      });
      expect(sent.map((r) => r.body)).toEqual([{ sku: 'A-1', qty: 2 }]);

      const again = await tandem(deliverArgs(id, payloadFile()));
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`Delivery ${id} already exists with this request`);
      expect(
        cli.system.targets.received('shipping', 'create').filter((r) => {
          return r.headers['x-tandem-delivery'] === id;
        }),
      ).toHaveLength(1);
    });

    it('takes the payload as JSON text, or from standard input with @-', async () => {
      const [inline, piped] = [cli.system.newId(), cli.system.newId()];
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
        expect((await cli.system.client.result(id)).status).toBe('completed');
        const sent = cli.system.targets.received('shipping', 'create').filter((r) => {
          return r.headers['x-tandem-delivery'] === id;
        });
        expect(sent.map((r) => r.body)).toEqual([body]);
      }
    });

    it('refuses an unknown target with exit 4 and starts nothing', async () => {
      const id = cli.system.newId();
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
      await expect(cli.system.client.status(id)).rejects.toThrow(`No delivery "${id}" was found`);
    });

    it('names a missing payload file, with exit 5', async () => {
      const missing = path.join(cli.dir, 'no-such-order.json');
      const { code, stderr } = await tandem(deliverArgs(cli.system.newId(), `@${missing}`));

      expect(code).toBe(5);
      expectOneLine(
        stderr,
        new RegExp(`^tandem: cannot read payload file ${missing}: no such file`),
      );
    });

    it('names the file, line and column of invalid JSON, with exit 5', async () => {
      const bad = path.join(cli.dir, 'bad.json');
      await writeFile(bad, '{\n  "sku": "A-1",\n  "qty": 2,\n}\n');
      const { code, stderr } = await tandem(deliverArgs(cli.system.newId(), `@${bad}`));

      expect(code).toBe(5);
      expectOneLine(
        stderr,
        new RegExp(
          `^tandem: payload file ${bad} is not valid JSON: .* at line 4, column 1 \\(offset 30\\)$`,
        ),
      );
    });

    it('refuses a payload over limits.payload, or holding 1e999, with exit 5 and one line naming the limit or the field', async () => {
      const big = path.join(cli.dir, 'big.json');
      await writeFile(big, JSON.stringify({ blob: 'x'.repeat(600 * 1024) }));
      const overflow = path.join(cli.dir, 'overflow.json');
      await writeFile(overflow, '{"lines":[{"qty":1e999}]}');
      const [bigId, overflowId] = [cli.system.newId(), cli.system.newId()];

      const [tooBig, notFinite] = await Promise.all([
        tandem(deliverArgs(bigId, `@${big}`)),
        tandem(deliverArgs(overflowId, `@${overflow}`)),
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
        await expect(cli.system.client.describe(id)).rejects.toThrow(
          `No delivery "${id}" was found`,
        );
      }
    });

    it('exits 7 with the state in JSON when the delivery parks as needs_attention', async () => {
      const id = cli.system.newId();
      cli.system.targets.setFault('inventory', 'create', { hang: true, times: 1 });
      cli.system.targets.setFault('shipping', 'create', { status: 422 });

      const { code, stdout, stderr } = await tandem(
        deliverArgs(id, payloadFile(), '--wait', '--json'),
      );

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
});
