import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerActions } from '../../src/cli/actions';
import {
  ACTION_NAMES,
  actionSpec,
  handlerDescription,
  TARGET_ACTIONS,
  type TargetAction,
} from '../../src/contract/action-types';
import { targetSignals, targetUpdates } from '../../src/contract/target-control';
import type { DeliveryState, LegState } from '../../src/contract/contracts';
import {
  OPERATOR_ACTIONS,
  operatorSignals,
  operatorUpdates,
} from '../../src/contract/operator-actions';
import { gatewayRoutes } from '../../src/gateway/routes';
import type { RouteDeps } from '../../src/gateway/routes/deps';
import { signalForms } from '../../src/workflows/signal-forms';

/** The routes' declarations only: no handler runs here. */
const routes = gatewayRoutes({ mayRead: () => true } as unknown as RouteDeps);

const leg = (target: string, more: Partial<LegState> = {}): LegState => ({
  target,
  status: 'pending',
  attempts: 1,
  outcomeUnknown: false,
  ...more,
});

const running = (legs: LegState[], more: Partial<DeliveryState> = {}): DeliveryState => ({
  id: 'order-1',
  status: 'running',
  startedAt: '2026-01-01T00:00:00Z',
  legs,
  ...more,
});

describe('the action table', () => {
  it('gives every action a gateway route under its subject, a CLI verb with its arguments and flags, and (but cancel) an update and a signal', () => {
    const cli = new Command('tandem');
    registerActions(
      cli,
      () => ({ path: 'unused.yaml', env: {} }),
      () => undefined,
    );

    const targetVerbs = cli.commands.find((c) => c.name() === 'target')!;
    for (const name of ACTION_NAMES) {
      const spec = actionSpec(name);
      const { subject, route, cli: verb, fields, via } = spec;
      const bulk = spec.subject === 'delivery' ? spec.bulk : undefined;
      const served = routes.find((r) => r.operationId === route.operationId);
      const under = subject === 'delivery' ? '/v1/deliveries/{id}' : '/v1/targets/{target}';
      expect(served, name).toMatchObject({
        method: 'POST',
        path: `${under}/${route.segment}`,
        scope: 'operate',
      });
      expect(Object.keys(served!.responses), name).toContain(String(route.status));
      const parent = subject === 'delivery' ? cli : targetVerbs;
      const command = parent.commands.find((c) => c.name() === verb.verb);
      const flags = Object.entries(fields)
        .filter(([, field]) => !field.runOnly && !field.positional)
        .map(([key, field]) => [`--${key}`, field.required === true]);
      // An action with a bulk form also selects deliveries by a query instead of an id.
      const selection = ['--status', '--target', '--since', '--all', '--dry-run', '--no-wait'];
      if (bulk) flags.push(...selection.map((flag) => [flag, false]), ['--json', false]);
      expect(command?.registeredArguments[0]?.required, name).toBe(bulk === undefined);
      expect(
        command?.options.map((o) => [o.long, o.mandatory]),
        name,
      ).toEqual(flags);
      const positional = Object.entries(fields).filter(([, field]) => field.positional);
      expect(
        command?.registeredArguments.map((a) => a.name()),
        name,
      ).toEqual([subject === 'delivery' ? 'id' : 'target', ...positional.map(([key]) => key)]);
      if (via === 'update' && subject === 'delivery') {
        expect(operatorUpdates[name as keyof typeof operatorUpdates].name).toBe(name);
        expect(operatorSignals[name as keyof typeof operatorSignals].name).toBe(name);
      }
      if (subject === 'target') {
        expect(targetUpdates[name as TargetAction].name).toBe(name);
        expect(targetSignals[name as TargetAction].name).toBe(name);
      }
    }
    expect(routes.filter((r) => r.tag === 'operators')).toHaveLength(ACTION_NAMES.length);
    expect(OPERATOR_ACTIONS).toEqual(
      ACTION_NAMES.filter(
        (name) => name !== 'cancel' && !TARGET_ACTIONS.includes(name as TargetAction),
      ),
    );
    expect(TARGET_ACTIONS).toEqual(['pauseTarget', 'resumeTarget', 'limitTarget']);
  });

  it('describes each handler in the Temporal UI with what it does and its input', () => {
    expect(Object.fromEntries(OPERATOR_ACTIONS.map((n) => [n, handlerDescription(n)]))).toEqual({
      retry: 'A parked delivery tries again: {"leg"?, "by", "note"?, "batch"?}',
      resolve: 'Closes a parked delivery by hand: {"note", "by", "batch"?}',
      retryNow: 'Ends a leg’s backoff wait and attempts at once: {"leg"?, "by", "note"?}',
      pause: 'No new attempt of the leg (or all) starts until resumed: {"leg"?, "by", "note"?}',
      resume: 'Ends a pause: {"leg"?, "by", "note"?}',
      extendDeadline: 'Gives a leg more time: {"leg", "duration": "10m", "by", "note"?}',
    });
  });

  it('offers the signal forms a delivery calls for now, each with the input to paste', () => {
    const parked = running([leg('inventory', { status: 'failed' })], {
      status: 'needs_attention',
    });
    expect(signalForms(parked).map((f) => [f.name, f.input])).toEqual([
      ['retry', { by: 'your name', note: 'why' }],
      ['resolve', { note: 'what was done by hand', by: 'your name' }],
    ]);

    const waiting = leg('shipping', {
      retryAt: '2026-01-01T00:01:00Z',
      deadlineAt: '2026-01-01T00:10:00Z',
    });
    const paused = leg('inventory', {
      paused: { by: 'unknown', at: '2026-01-01T00:00:30Z' },
      deadlineLeftMs: 60_000,
    });
    expect(signalForms(running([waiting, paused]))).toEqual([
      {
        name: 'retryNow',
        input: { leg: 'shipping', by: 'your name', note: 'why' },
        does: 'attempt shipping now, not at 2026-01-01T00:01:00Z',
      },
      {
        name: 'pause',
        input: { leg: 'shipping', by: 'your name', note: 'why' },
        does: 'start no new attempt of shipping',
      },
      {
        name: 'extendDeadline',
        input: { leg: 'shipping', duration: '10m', by: 'your name', note: 'why' },
        does: 'give shipping more time',
      },
      {
        name: 'resume',
        input: { leg: 'inventory', by: 'your name', note: 'why' },
        does: 'let inventory attempt again',
      },
      {
        name: 'extendDeadline',
        input: { leg: 'inventory', duration: '10m', by: 'your name', note: 'why' },
        does: 'give inventory more time',
      },
    ]);
    expect(signalForms({ ...parked, finishedAt: '2026-01-01T00:02:00Z' })).toEqual([]);
  });
});
