import { describe, expectTypeOf, it } from 'vitest';
import type { PhaseClock } from '../../src/workflows/clock';
import type { Leg } from '../../src/workflows/leg-entry';
import type { DeliveryRecord } from '../../src/workflows/record';

/**
 * Every write below is refused by the compiler (`npm run check` runs tsc over the tests): an
 * unused `@ts-expect-error` fails it. The run's state changes only through the record's
 * transitions; other modules read it.
 */
function writesOutsideTheRecord(record: DeliveryRecord, leg: Leg): void {
  // @ts-expect-error the status changes through finish, needsAttention and unpark only
  record.status = 'completed';
  // @ts-expect-error the reason is set by needsAttention and finish
  record.reason = 'why';
  // @ts-expect-error the note is set by resolveByHand
  record.note = 'done by hand';
  // @ts-expect-error a stop goes through stop or cancel
  record.stopReason = 'stopped';
  // @ts-expect-error an operator's cancel goes through cancel
  record.cancelled = true;
  // @ts-expect-error legs join and leave the parked list through park and unpark
  const parked: Map<string, string> = record.parked;
  // @ts-expect-error the legs are the delivery's, fixed at its start
  const legs: Leg[] = record.legs;
  // @ts-expect-error a leg's status changes through beginPhase, sent, sendFailed, undone…
  leg.state.status = 'failed';
  // @ts-expect-error an undo's progress is reported through beginPhase's progress
  leg.state.compensation!.attempts += 1;
  // @ts-expect-error a pause goes through pause and resume
  leg.state.paused = undefined;
  // @ts-expect-error the target's answer is kept by sent
  leg.response = undefined;
  // @ts-expect-error steering the clock goes through pause, resume, retryNow, extendDeadline
  const clock: PhaseClock | undefined = leg.clock;
  void [parked, legs, clock];
}

describe('a delivery record', () => {
  it('is changed only through its transitions: what other modules get is read-only', () => {
    expectTypeOf(writesOutsideTheRecord).parameters.toEqualTypeOf<[DeliveryRecord, Leg]>();
  });
});
