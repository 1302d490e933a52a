import type { TargetHoldState } from '../contract/contracts';
import type { TargetNotice } from '../contract/target-control';

/**
 * What the targets' controllers have told a run: the newest notice of each target wins, since a
 * controller's batches may arrive out of order (a slow sweep after a resume).
 */
export class TargetNotices {
  private readonly newest = new Map<string, number>();

  /**
   * The hold a notice puts on its target's legs (`undefined`: released), or `'stale'` when a
   * newer notice of that target has come already: a pause (the leg's deadline suspended), or the
   * target's open breaker (its deadline running).
   */
  take(notice: TargetNotice): TargetHoldState | undefined | 'stale' {
    if (notice.epoch <= (this.newest.get(notice.target) ?? -1)) return 'stale';
    this.newest.set(notice.target, notice.epoch);
    if (notice.held === undefined) return undefined;
    return {
      reason: notice.held,
      ...(notice.by !== undefined && { by: notice.by }),
      ...(notice.note !== undefined && { note: notice.note }),
      ...(notice.since !== undefined && { since: notice.since }),
    };
  }
}
