/** Stable error codes thrown by the synchroniser; part of the API. */
export const SyncErrorCodes = {
  /** `owner.json` names another pipeline; nothing was written. */
  ownerMismatch: 'ERR_SYNC_OWNER_MISMATCH',
  /** `owner.json` changed while the push ran; the catalog was not written. */
  ownerChanged: 'ERR_SYNC_OWNER_CHANGED',
  /** The checkpoint is not complete locally (push) or not in the remote catalog (pull, verify). */
  checkpointNotFound: 'ERR_SYNC_CHECKPOINT_NOT_FOUND',
  /** A restore found no checkpoint anywhere and `fail_if_no_checkpoint` is set. */
  noCheckpoint: 'ERR_SYNC_NO_CHECKPOINT',
  /** A downloaded object does not match the size or SHA-256 its manifest records. */
  integrity: 'ERR_SYNC_INTEGRITY',
  /** A remote object (catalog, manifest, owner.json) could not be parsed. */
  invalidRemote: 'ERR_SYNC_INVALID_REMOTE',
  /** A local layout file (catalog, dependencies.json) could not be parsed. */
  invalidLocal: 'ERR_SYNC_INVALID_LOCAL',
  /** Retention deleted nothing because a remaining manifest could not be read. */
  retentionRefused: 'ERR_SYNC_RETENTION_REFUSED',
  /**
   * A pull would install into a storage directory holding checkpoints the source's catalog does
   * not name (another lineage); nothing was changed. Pass `replaceLocal` to remove them.
   */
  foreignCheckpoints: 'ERR_SYNC_FOREIGN_CHECKPOINTS',
  /**
   * An upload finished but the bucket lacks an object it sent (or holds it at another size): the
   * checkpoint was not published.
   */
  uploadIncomplete: 'ERR_SYNC_UPLOAD_INCOMPLETE',
  /** The synchroniser was closed. */
  closed: 'ERR_SYNC_CLOSED',
} as const;

/** One of the synchroniser's error codes. */
export type SyncErrorCode = (typeof SyncErrorCodes)[keyof typeof SyncErrorCodes];
