import { isSyncError } from '@feldera-sync/errors';

/** An error as status and log fields: its description and, for a SyncError, its code. */
export function describeError(e: unknown): { error: string; code?: string } {
  if (isSyncError(e)) return { error: e.describe(), code: e.code };
  return { error: e instanceof Error ? e.message : String(e) };
}
