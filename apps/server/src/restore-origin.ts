import type { PullRequest } from '@feldera-sync/standby';
import type { PullReport } from '@feldera-sync/sync';

/** Where a run's state came from: Feldera's `restored_from`. */
export interface RestoredFrom {
  uuid: string | null;
  source: string;
}

/**
 * Tracks where the running state came from across a run: the start restore, standby pulls, and
 * the checkpoint the engine finally opened, so an activated standby reports `bucket` or
 * `read_bucket` rather than `local`.
 */
export class RestoreOrigin {
  private restored: RestoredFrom | null = null;
  private pulled: { uuid: string; source: string } | null = null;

  /** The answer for `restored_from`, or null for a fresh start. */
  get restoredFrom(): RestoredFrom | null {
    return this.restored;
  }

  /** A pull or restore finished. */
  pulledOne(request: PullRequest, report: PullReport): void {
    if (request.mode === 'restore') this.restored = { uuid: report.uuid, source: report.source };
    // Standby and final pulls: remember where the newest pulled checkpoint came from.
    else if (report.uuid !== null) this.pulled = { uuid: report.uuid, source: report.source };
  }

  /**
   * The engine opened `checkpointUuid` (the machine's choice) or, without one, resumed from the
   * storage directory's root `state.json` naming `resumedUuid`: say so rather than a fresh start.
   */
  engineStarted(checkpointUuid: string | null, resumedUuid: string | null): void {
    if (checkpointUuid && !this.restored) {
      const pulled = this.pulled?.uuid === checkpointUuid ? this.pulled : null;
      this.restored = pulled ?? { uuid: checkpointUuid, source: 'local' };
    }
    if (!this.restored && resumedUuid) this.restored = { uuid: resumedUuid, source: 'local' };
  }
}
