/**
 * Typed events a synchroniser reports beside its log lines, so a host counts operations (metrics)
 * from data rather than from message text. One push is one event, whichever request started it.
 */
export type SyncEvent =
  | {
      type: 'push-succeeded';
      uuid: string;
      /** Bytes uploaded (objects, manifest and catalog). */
      bytes: number;
      /** Objects uploaded. */
      objects: number;
      /** Objects the bucket already held. */
      skippedObjects: number;
      durationMs: number;
      /** The checkpoint was already in the remote catalog (objects it lost may have been re-sent). */
      alreadySynced: boolean;
    }
  | {
      type: 'push-failed';
      uuid: string;
      /** The failure's `error_code`, when it has one. */
      code: string | undefined;
      durationMs: number;
    };
