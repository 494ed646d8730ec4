import { SyncError, hasErrorCode } from '@feldera-sync/errors';
import type { StandbyHandlers } from '@feldera-sync/standby';
import { SyncErrorCodes } from '@feldera-sync/sync';

/**
 * Feldera's own start failure for `fail_if_no_checkpoint` says the checkpoint "were not found in
 * source ..." (its checkpoint-sync tests match that phrase); say so, naming every source searched.
 */
export function checkpointNotFoundInSources(spec: string, cause: SyncError): SyncError {
  const searched = Array.isArray(cause.details?.searched) ? cause.details.searched.map(String) : [];
  const sources = searched.length > 0 ? searched.join(', ') : 'local storage';
  return new SyncError(
    cause.code,
    `checkpoint '${spec}' not found (fail_if_no_checkpoint is set): its files were not found in source ${sources}`,
    {
      cause,
      hint: cause.hint,
      details: { ...(cause.details ?? {}), spec, sources: searched },
    },
  );
}

/**
 * Makes a restore's "no checkpoint" failure read as Feldera's when `fail_if_no_checkpoint` is set:
 * the synchroniser's error names every place searched, which the machine's own message does not.
 */
export function withFelderaNotFoundMessage(
  handlers: StandbyHandlers,
  failIfNoCheckpoint: boolean,
): StandbyHandlers {
  const pull = handlers.pull.bind(handlers);
  handlers.pull = async (request, signal) => {
    try {
      return await pull(request, signal);
    } catch (err) {
      if (
        request.mode === 'restore' &&
        failIfNoCheckpoint &&
        hasErrorCode(err, SyncErrorCodes.noCheckpoint)
      )
        throw checkpointNotFoundInSources(request.checkpoint, err);
      throw err;
    }
  };
  return handlers;
}
