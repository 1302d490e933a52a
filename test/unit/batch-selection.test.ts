import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidBatchSelectionError } from '../../src/contract/action-errors';
import { queryLiteral, selectionQuery } from '../../src/contract/batch-selection';
import { TARGET_NAME } from '../../src/contract/config/schema';
import { caught } from '../support/wait';

const scope = { taskQueue: 'tandem', now: new Date('2026-01-01T12:00:00Z') };

describe('the query of a bulk action', () => {
  it('selects open deliveries of the task queue in the statuses the action applies to, narrowed by each flag', () => {
    expect(selectionQuery('retry', { status: 'needs_attention' }, scope)).toBe(
      'WorkflowType = "delivery" AND TaskQueue = "tandem" AND ExecutionStatus = "Running" AND ' +
        'TandemStatus IN ("needs_attention")',
    );
    expect(selectionQuery('cancel', { target: 'shipping', since: '2h' }, scope)).toBe(
      'WorkflowType = "delivery" AND TaskQueue = "tandem" AND ExecutionStatus = "Running" AND ' +
        'TandemStatus IN ("running", "paused") AND TandemTargets = "shipping" AND ' +
        'StartTime >= "2026-01-01T10:00:00.000Z"',
    );
    expect(selectionQuery('resolve', { all: true }, scope)).toContain(
      'TandemStatus IN ("needs_attention")',
    );
  });

  it('refuses a selection of nothing without all, a status the action does not apply to and a bad since, naming each field', () => {
    const refused = caught(InvalidBatchSelectionError, () => selectionQuery('retry', {}, scope));
    expect(refused.issues.map((issue) => issue.path)).toEqual(['all']);
    expect(refused.issues[0]?.detail).toMatch(/nothing narrows the selection/);
    const both = caught(InvalidBatchSelectionError, () =>
      selectionQuery('retry', { status: 'running', since: 'soon' }, scope),
    );
    expect(both.issues.map((issue) => issue.path)).toEqual(['status', 'since']);
  });

  it('lets no target name add query text: anything but a target name is refused', () => {
    const base = selectionQuery('retry', { all: true }, scope);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (target) => {
        let query: string;
        try {
          query = selectionQuery('retry', { target }, scope);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidBatchSelectionError);
          return;
        }
        // Taken only when it is a target name, and then only as the one quoted value it is.
        expect(target).toMatch(TARGET_NAME);
        expect(query).toBe(`${base} AND TandemTargets = "${target}"`);
      }),
    );
    for (const target of ['shipping" OR WorkflowType != "x', "shipping' OR 1=1", 'a\\"b']) {
      const refused = caught(InvalidBatchSelectionError, () =>
        selectionQuery('retry', { target }, scope),
      );
      expect(refused.issues.map((issue) => issue.path)).toEqual(['target']);
    }
  });

  it('never writes a value that could close its literal', () => {
    for (const value of ['a"b', "a'b", 'a\\b', 'a`b', 'a\nb']) {
      expect(() => queryLiteral(value)).toThrow(TypeError);
    }
    expect(queryLiteral('tandem-q_1')).toBe('"tandem-q_1"');
  });
});
