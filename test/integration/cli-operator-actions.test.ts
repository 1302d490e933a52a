import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../src/contract/contracts';
import { cliWorld } from '../support/cli-world';

describe('the tandem CLI, run as a user types it', () => {
  const cli = cliWorld();
  const { tandem, parkedDelivery, expectOneLine } = cli;

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
      const state = await cli.system.client.result(id);
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
      const id = cli.system.newId();
      // Shipping asks to be called again in 30 s: the delivery is running, waiting, when cancelled.
      cli.system.targets.setFault('shipping', 'create', { status: 503, retryAfter: '30' });
      await cli.system.client.start({ id, targets: ['inventory', 'shipping'], payload: {} });
      await cli.system.targets.waitFor(
        (r) => r.api === 'shipping' && r.headers['x-tandem-delivery'] === id && r.status === 503,
      );

      const cancelled = await tandem(['cancel', id, '--reason', 'customer withdrew the order']);

      expect(cancelled.stderr).toBe('');
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain(
        `Cancel requested for delivery ${id} (reason: customer withdrew the order)`,
      );
      const state = await cli.system.client.result(id);
      expect(state.status).toBe('cancelled');
      expect(state.legs.map((leg) => [leg.target, leg.status])).toEqual([
        ['inventory', 'compensated'],
        ['shipping', 'cancelled'],
      ]);
      const history = await new Client({ connection: cli.system.connection }).workflow
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
});
