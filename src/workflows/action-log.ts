import type { ActionRecord } from '../contract/action-record';
import { OPERATOR_ACTIONS_KEPT } from '../contract/limits';
import { cut } from './view';

/** The newest `OPERATOR_ACTIONS_KEPT` operator actions a run keeps, oldest first. */
export class ActionLog {
  private readonly kept: ActionRecord[] = [];

  get list(): readonly ActionRecord[] {
    return this.kept;
  }

  /** Keeps `entry`, stamped now, with its free-text fields cut to their limits; returns it. */
  keep(entry: Omit<ActionRecord, 'at'>): ActionRecord {
    const { note, claimedBy, ...rest } = entry;
    const kept: ActionRecord = {
      ...rest,
      at: new Date().toISOString(),
      ...(claimedBy !== undefined && { claimedBy: cut(claimedBy) }),
      ...(note !== undefined && { note: cut(note) }),
    };
    this.kept.push(kept);
    if (this.kept.length > OPERATOR_ACTIONS_KEPT) this.kept.shift();
    return kept;
  }
}
