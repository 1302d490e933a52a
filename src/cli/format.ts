import type { DeliverySummary } from '../client/client';
import { workflowIdFor, type DeliveryState, type LegState } from '../contract/contracts';
import { askedBy, callerText, heldText } from '../contract/action-record';

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `2026-11-23T10:56:21.597Z` → `2026-11-23 10:56:21Z`: what a person scans for. */
function shortTime(iso: string | undefined): string {
  return iso === undefined ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function legStatus(leg: LegState): string {
  const notes = [
    ...(leg.outcomeUnknown && leg.status !== 'compensated' ? ['outcome unknown'] : []),
    ...(leg.paused
      ? [`paused ${askedBy(leg.paused)}${leg.paused.note ? `: ${leg.paused.note}` : ''}`]
      : []),
    ...(leg.held ? [heldText(leg.target, leg.held)] : []),
    ...(leg.retryAt ? [`next attempt ${shortTime(leg.retryAt)}`] : []),
    ...(leg.deadlineLeftMs !== undefined
      ? [`deadline suspended, ${Math.round(leg.deadlineLeftMs / 1000)} s left`]
      : []),
  ];
  return notes.length > 0 ? `${leg.status} (${notes.join('; ')})` : leg.status;
}

function undo(leg: LegState): string {
  const phase = leg.compensation;
  if (phase === undefined) return '-';
  const http = phase.lastHttpStatus === undefined ? '' : `, HTTP ${phase.lastHttpStatus}`;
  return `${phase.attempts} attempt${phase.attempts === 1 ? '' : 's'}${http}`;
}

function lastError(leg: LegState): string {
  // An undo that succeeded in the end keeps the error of its failed attempts: not news.
  const undoing = leg.status === 'compensating' || leg.status === 'compensation_failed';
  return (undoing ? leg.compensation?.lastError : undefined) ?? leg.lastError ?? '-';
}

/** What an operator can do next with a delivery in this state, as commands to type. */
function nextSteps(state: DeliveryState): string[] {
  switch (state.status) {
    case 'needs_attention':
      return [
        `next: tandem retry ${state.id}    (run the failed undo again, or re-send a leg whose outcome is unknown)`,
        `      tandem resolve ${state.id} --note "what you did by hand"`,
      ];
    case 'running':
      return [
        `next: wait, or stop it with tandem cancel ${state.id} --reason "why"`,
        ...(state.legs.some((leg) => leg.retryAt !== undefined)
          ? [`      a leg waits to retry: tandem retry-now ${state.id} --leg NAME`]
          : []),
      ];
    case 'paused':
      return [`next: tandem resume ${state.id}    (or --leg NAME; a paused leg starts no attempt)`];
    default:
      return [];
  }
}

/** A delivery and its legs, for a terminal. */
export function formatState(state: DeliveryState): string[] {
  const header = table([
    ['delivery', `${state.id}  (workflow ${workflowIdFor(state.id)})`],
    ['status', state.reason === undefined ? state.status : `${state.status}: ${state.reason}`],
    ...(state.note === undefined ? [] : [['note', state.note]]),
    ['started', shortTime(state.startedAt)],
    ['finished', shortTime(state.finishedAt)],
    ...(state.traceId === undefined ? [] : [['trace', state.traceId]]),
  ]);
  const legs = table([
    ['TARGET', 'STATUS', 'ATTEMPTS', 'HTTP', 'UNDO', 'LAST ERROR'],
    ...state.legs.map((leg) => [
      leg.target,
      legStatus(leg),
      String(leg.attempts),
      leg.lastHttpStatus === undefined ? '-' : String(leg.lastHttpStatus),
      undo(leg),
      lastError(leg),
    ]),
  ]);
  // Who did what to the run: the audit trail its state keeps (key names, OS users).
  const actions =
    state.actions === undefined || state.actions.length === 0
      ? []
      : table([
          ['ACTION', 'BY', 'AT', 'NOTE'],
          ...state.actions.map((a) => [
            // An action a bulk action sent names it: `retry (tandem-batch-…)`.
            a.batch === undefined ? a.action : `${a.action} (${a.batch})`,
            callerText(a),
            shortTime(a.at),
            a.note ?? '-',
          ]),
        ]);
  const next = nextSteps(state);
  return [
    ...header,
    '',
    ...legs,
    ...(actions.length > 0 ? ['', ...actions] : []),
    ...(next.length > 0 ? ['', ...next] : []),
  ];
}

/** Deliveries as listed from the visibility store, one per line. */
export function formatList(
  deliveries: readonly (Omit<DeliverySummary, 'status'> & { status: string })[],
): string[] {
  return table([
    ['ID', 'STATUS', 'TARGETS', 'STARTED', 'CLOSED'],
    ...deliveries.map((d) => [
      d.id,
      d.status,
      d.targets.join(',') || '-',
      shortTime(d.startedAt),
      shortTime(d.closedAt),
    ]),
  ]);
}
