/**
 * What a delivery shows of itself: its state (for the status query, the memo and the result)
 * and the markdown of its current details in the Temporal UI. Pure functions of the state.
 */
import type { DeliveryState, DeliveryStatus, LegState, PhaseState } from '../contracts';
import { STATE_TEXT_CHARS } from '../limits';

/** A text of at most `STATE_TEXT_CHARS` characters: the state stays small wherever it is kept. */
export function cut(text: string): string {
  return text.length > STATE_TEXT_CHARS ? `${text.slice(0, STATE_TEXT_CHARS - 1)}…` : text;
}

/** The facts a delivery's state is made of. */
export interface DeliveryFacts {
  id: string;
  status: DeliveryStatus;
  reason?: string;
  note?: string;
  startedAt: string;
  finishedAt?: string;
  legs: readonly LegState[];
}

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
  };
}

/** The run's current details in the UI: the story of each leg, without decoding payloads. */
export function detailsMarkdown(state: DeliveryState): string {
  const legs = state.legs.map((leg) => {
    const http = leg.lastHttpStatus === undefined ? '' : `, last HTTP ${leg.lastHttpStatus}`;
    const undo = leg.compensation
      ? `; undo: ${leg.compensation.attempts} attempt(s)${leg.compensation.lastError ? ` (${leg.compensation.lastError})` : ''}`
      : '';
    return `- **${leg.target}**: ${leg.status}, ${leg.attempts} attempt(s)${http}${undo}`;
  });
  // Markdown: the blank line makes the legs a list.
  return [`**${state.status}**${state.reason ? `: ${state.reason}` : ''}`, '', ...legs].join('\n');
}
