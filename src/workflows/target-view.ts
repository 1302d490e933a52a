/**
 * What a target's controller shows in the Temporal UI: its state and the signals an operator can
 * send it now, with their input. Pure functions of the state and the action table.
 */
import {
  inputFields,
  TARGET_ACTIONS,
  targetActionSpec,
  type TargetAction,
} from '../contract/action-types';
import { formatRate } from '../contract/rate';
import type { TargetControlState } from '../contract/target-control';

/** A rate limit in words: `20/s`, `no limit`, or `0 (paused)`. */
export function rateText(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return 'no limit';
  return rate === 0 ? '0 (paused)' : formatRate(rate);
}

/** The input to paste for a target action: each field with what to fill in. */
function inputOf(name: TargetAction): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [key, field] of inputFields(name)) {
    if (field.placeholder !== undefined) input[key] = field.placeholder;
  }
  return input;
}

/** The controller's current details: the target's state, then the signals that apply now. */
export function targetDetails(state: TargetControlState): string {
  const { paused, override } = state;
  const lines = [
    `**${state.target}: ${state.status}**${state.applied ? '' : ' (being applied)'}`,
    '',
    ...(paused
      ? [`- paused by ${paused.by} since ${paused.since}${paused.note ? `: ${paused.note}` : ''}`]
      : []),
    `- breaker: ${state.breaker}${state.breakerChange ? ` since ${state.breakerChange.since}: ${state.breakerChange.why}` : ''}`,
    `- rate limit now: ${rateText(state.effectiveRate)}`,
    `- configured rate limit: ${rateText(state.configuredRate)}`,
    ...(override
      ? [
          `- set by ${override.by} since ${override.since}: ${rateText(override.rate)}${override.note ? ` (${override.note})` : ''}`,
        ]
      : []),
    ...(state.sharedQueue
      ? ['- no task queue of its own (bulkhead: false): legs are held, the server cannot limit it']
      : []),
  ];
  const forms = TARGET_ACTIONS.filter((name) =>
    name === 'pauseTarget'
      ? paused === undefined
      : name === 'resumeTarget'
        ? paused !== undefined
        : !state.sharedQueue,
  );
  lines.push(
    '',
    '**Send a Signal** (signal name, then its input as JSON; the same names are updates):',
    '',
    ...forms.map(
      (name) =>
        `- \`${name}\` \`${JSON.stringify(inputOf(name))}\`: ${targetActionSpec(name).help.toLowerCase()}`,
    ),
  );
  return lines.join('\n');
}
