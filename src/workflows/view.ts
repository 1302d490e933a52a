/**
 * What a delivery shows of itself: its state (for the status query, the memo and the result)
 * and the markdown of its current details in the Temporal UI. Pure functions of the state.
 */
import type { DeliveryState, LegState, PhaseState } from '../contract/contracts';
import { askedBy, heldText, type ActionRecord } from '../contract/action-record';
import { STATE_TEXT_CHARS } from '../contract/limits';
import { signalForms } from './signal-forms';

/** A text of at most `STATE_TEXT_CHARS` characters: the state stays small wherever it is kept. */
export function cut(text: string): string {
  return text.length > STATE_TEXT_CHARS ? `${text.slice(0, STATE_TEXT_CHARS - 1)}…` : text;
}

/** The facts a delivery's state is made of: the state itself, read-only lists allowed. */
export type DeliveryFacts = Omit<DeliveryState, 'legs' | 'actions'> & {
  legs: readonly LegState[];
  actions?: readonly ActionRecord[];
};

function phaseOf<T extends PhaseState>(phase: T): T {
  return { ...phase, ...(phase.lastError !== undefined && { lastError: cut(phase.lastError) }) };
}

/** A copy of the state, its long texts cut, that later changes to the run do not alter. */
export function snapshotOf(facts: DeliveryFacts): DeliveryState {
  return {
    id: facts.id,
    status: facts.status,
    ...(facts.reason !== undefined && { reason: cut(facts.reason) }),
    ...(facts.note !== undefined && { note: cut(facts.note) }),
    startedAt: facts.startedAt,
    ...(facts.finishedAt !== undefined && { finishedAt: facts.finishedAt }),
    legs: facts.legs.map((leg) => ({
      ...phaseOf(leg),
      ...(leg.compensation && { compensation: phaseOf(leg.compensation) }),
    })),
    ...(facts.actions !== undefined && { actions: [...facts.actions] }),
  };
}

function legLine(leg: LegState): string {
  const http = leg.lastHttpStatus === undefined ? '' : `, last HTTP ${leg.lastHttpStatus}`;
  const undo = leg.compensation
    ? `; undo: ${leg.compensation.attempts} attempt(s)${leg.compensation.lastError ? ` (${leg.compensation.lastError})` : ''}`
    : '';
  const paused = leg.paused
    ? `; **paused** ${askedBy(leg.paused)}${leg.paused.note ? ` (${leg.paused.note})` : ''}, deadline suspended${leg.deadlineLeftMs !== undefined ? ` with ${Math.round(leg.deadlineLeftMs / 1000)} s left` : ''}`
    : '';
  const held = leg.held
    ? `; **${heldText(leg.target, leg.held)}**, deadline ${leg.held.reason === 'paused' ? 'suspended' : 'running'}`
    : '';
  const next = leg.retryAt ? `; next attempt at ${leg.retryAt}` : '';
  const deadline = leg.deadlineAt ? `; deadline ${leg.deadlineAt}` : '';
  return `- **${leg.target}**: ${leg.status}, ${leg.attempts} attempt(s)${http}${undo}${paused}${held}${next}${deadline}`;
}

function actionLine(action: ActionRecord): string {
  const what = [action.action, ...(action.legs ?? []), action.duration ?? ''].join(' ').trim();
  const note = action.note ? `: ${action.note}` : '';
  const who = askedBy(action);
  return `- ${action.at} ${what} ${who} (${action.via}${action.signal !== undefined ? ` #${action.signal}` : ''})${note}`;
}

/**
 * The run's current details in the UI: the trace it was started in (when tracing was on), the
 * story of each leg, the operator actions so far, and the signals an operator can send now with
 * their exact input. Payloads are never decoded.
 */
export function detailsMarkdown(
  state: DeliveryState,
  refusals: readonly string[] = [],
  traceId?: string,
): string {
  // Markdown: blank lines make the legs and the actions lists.
  const lines = [
    `**${state.status}**${state.reason ? `: ${state.reason}` : ''}`,
    '',
    ...(traceId === undefined ? [] : [`trace ${traceId}`, '']),
    ...state.legs.map(legLine),
  ];
  if (state.actions !== undefined) {
    lines.push('', '**Operator actions**', '', ...state.actions.map(actionLine));
  }
  if (refusals.length > 0) {
    lines.push(
      '',
      '**Signals refused** (they changed nothing; the newest last):',
      '',
      ...refusals.map((why) => `- ${why}`),
    );
  }
  const forms = signalForms(state);
  if (forms.length > 0) {
    lines.push(
      '',
      '**Send a Signal** (signal name, then its input as JSON; the same names are updates):',
      '',
      ...forms.map((f) => `- \`${f.name}\` \`${JSON.stringify(f.input)}\`: ${f.does}`),
    );
  }
  return lines.join('\n');
}
