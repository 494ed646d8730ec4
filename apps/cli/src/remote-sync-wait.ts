import { SyncError, isSyncError } from '@feldera-sync/errors';
import { RemoteApiError, isIncarnationMismatch } from './remote-client.js';
import type { RemoteClient, SyncRequestAnswer, SyncStatusAnswer } from './remote-client.js';
import { ApiErrorCodes } from '@feldera-sync/server/error-codes';
import { CliErrorCodes } from './error-codes.js';

/** Something that happened while waiting, for the command to print. */
export type SyncWaitEvent =
  | { type: 'requested'; answer: SyncRequestAnswer }
  | { type: 'restarted'; requested: string; expected: string | null }
  | { type: 'retrying'; reason: string }
  | { type: 'progress'; status: SyncStatusAnswer };

/** How `waitForSync` polls. */
export interface SyncWaitOptions {
  pollMs: number;
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: ((event: SyncWaitEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** The outcome of a completed sync. */
export interface SyncWaitResult {
  checkpoint_uuid: string;
  incarnation_uuid: string;
  /** Times the sync was re-issued because the server restarted. */
  reissued: number;
}

const NOT_READY: ReadonlySet<string> = new Set([
  ApiErrorCodes.ShuttingDown,
  ApiErrorCodes.PipelineNotRunning,
]);

/** True when the error means "the server is not ready yet": unreachable, shutting down or pipeline not running. */
export function isTransientRemoteError(err: unknown): boolean {
  if (err instanceof RemoteApiError) return NOT_READY.has(err.errorCode) || err.status >= 502;
  return isSyncError(err) && err.code === CliErrorCodes.httpNetwork;
}

function detailsOf(err: RemoteApiError): { requested: string; expected: string | null } {
  const body = err.body as { details?: { requested?: unknown; expected?: unknown } } | null;
  const requested = typeof body?.details?.requested === 'string' ? body.details.requested : '?';
  const expected = typeof body?.details?.expected === 'string' ? body.details.expected : null;
  return { requested, expected };
}

/**
 * Requests a sync and polls `sync_status` with its `incarnation_uuid` until the checkpoint (or a
 * newer one) is reported synced. A server restart (`IncarnationUuidMismatch`) re-issues the sync;
 * an unreachable or not-yet-running server is retried until the timeout.
 */
export async function requestSyncAndWait(
  client: RemoteClient,
  pipeline: string,
  options: SyncWaitOptions,
): Promise<SyncWaitResult> {
  const deadline = options.now() + options.timeoutMs;
  const emit = (event: SyncWaitEvent): void => options.onEvent?.(event);
  const pause = async (reason: unknown): Promise<void> => {
    if (options.now() >= deadline) {
      throw new SyncError(
        CliErrorCodes.waitTimeout,
        `the sync of '${pipeline}' did not finish within ${Math.round(options.timeoutMs / 1000)}s`,
        {
          cause: reason,
          hint: 'raise --timeout, or check the server with `feldera-sync remote sync-status`',
        },
      );
    }
    await options.sleep(options.pollMs, options.signal);
  };
  const request = async (): Promise<SyncRequestAnswer> => {
    for (;;) {
      try {
        const answer = await client.requestSync(pipeline);
        emit({ type: 'requested', answer });
        return answer;
      } catch (err) {
        if (!isTransientRemoteError(err)) throw err;
        emit({ type: 'retrying', reason: (err as Error).message });
        await pause(err);
      }
    }
  };

  let answer = await request();
  let reissued = 0;
  for (;;) {
    let status: SyncStatusAnswer;
    try {
      status = await client.syncStatus(pipeline, answer.incarnation_uuid);
    } catch (err) {
      if (isIncarnationMismatch(err)) {
        emit({ type: 'restarted', ...detailsOf(err) });
        reissued++;
        answer = await request();
        continue;
      }
      if (!isTransientRemoteError(err)) throw err;
      emit({ type: 'retrying', reason: (err as Error).message });
      await pause(err);
      continue;
    }
    const target = answer.checkpoint_uuid.toLowerCase();
    if (status.success !== null && status.success.toLowerCase() >= target) {
      return {
        checkpoint_uuid: answer.checkpoint_uuid,
        incarnation_uuid: answer.incarnation_uuid,
        reissued,
      };
    }
    if (status.failure !== null && status.failure.uuid.toLowerCase() === target) {
      throw new SyncError(
        CliErrorCodes.syncFailed,
        `the server failed to sync checkpoint ${answer.checkpoint_uuid}: ${status.failure.error}`,
        {
          details: { failure: status.failure },
          hint: 'see the server log; fix the cause and run `feldera-sync remote sync` again',
        },
      );
    }
    emit({ type: 'progress', status });
    await pause(undefined);
  }
}
