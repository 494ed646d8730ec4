import { CommonErrorCodes, SyncError } from '@feldera-sync/errors';

/**
 * The ObjectStore port: everything the synchroniser needs from an S3-compatible bucket location.
 * Keys are relative to the bucket location (bucket name plus optional prefix) and use `/`.
 * `@feldera-sync/rclone` implements it; `createMemoryObjectStore` is the in-memory fake.
 */

/** One object in a listing. */
export interface RemoteObject {
  /** Key relative to the store's bucket location, e.g. `dependencies/<uuid>.json`. */
  key: string;
  size: number;
  /** ISO-8601 modification time when the store reports one. */
  modTime?: string | undefined;
}

/** Progress of a running transfer, emitted about once a second. */
export interface TransferProgress {
  bytesDone: number;
  bytesTotal: number;
  objectsDone: number;
  objectsTotal: number;
  /** Bytes per second, as measured by the transfer tool. */
  speed: number;
  /** Seconds left, or null when unknown. */
  etaSeconds: number | null;
}

/** Options shared by every store operation. */
export interface StoreCallOptions {
  signal?: AbortSignal | undefined;
}

/** Options for `getSmall`. */
export interface GetSmallOptions extends StoreCallOptions {
  /**
   * Refuse an object larger than this with `ERR_STORE_TOO_LARGE`, reading no more of it than the
   * bound: small objects come from a bucket that may be hostile.
   */
  maxBytes?: number | undefined;
}

/** Options for multi-object transfers. */
export interface TransferOptions extends StoreCallOptions {
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  /**
   * Called once per object as soon as it has been transferred whole (a download's file is complete
   * on disk), while others are still moving; objects may also finish without a call (the caller
   * checks what it still needs when the transfer resolves).
   */
  onObjectDone?: ((key: string) => void) | undefined;
  /**
   * Overall deadline of this transfer: past it the transfer is stopped with `ERR_STORE_TIMEOUT`.
   * Without it, the store's default applies.
   */
  deadlineMs?: number | undefined;
  /**
   * The caller checks every downloaded object's size and SHA-256 against its own record (the
   * manifest) before using it, so the store may skip its own checksum of the transfer (rclone's MD5
   * against the ETag: about 0.9 CPU-s per GiB, redundant with the stronger check). Downloads only.
   */
  verifiedByCaller?: boolean | undefined;
  /**
   * The hex SHA-256 of an upload's file (by its name as given) when the caller has computed it
   * already, or undefined: a push hashes every batch file for its manifest. A store may send it as
   * the upload's integrity check instead of hashing the bytes again; the object store then refuses
   * a body that does not match it, so what arrives is what the manifest will name. Uploads only.
   */
  knownSha256?: ((file: string) => string | undefined) | undefined;
  /**
   * Called with the hex SHA-256 of an upload's file when the store computed it from the bytes it
   * read to send (the caller had none to give through `knownSha256`), before it is sent: the caller
   * need not read and hash that file itself. Uploads only.
   */
  onSha256?: ((file: string, sha256: string, size: number) => void) | undefined;
}

/** What a transfer moved. */
export interface TransferResult {
  bytes: number;
  objects: number;
  durationMs: number;
}

/** Options for `putSmall`. */
export interface PutOptions extends StoreCallOptions {
  /**
   * Create only: fail with `ERR_STORE_PRECONDITION_FAILED` when the key exists. Honoured
   * atomically only where `capabilities.conditionalPut` is true; elsewhere the store checks first
   * and writes after (racy), and callers should say so.
   */
  ifNoneMatch?: boolean | undefined;
}

export interface ObjectStoreCapabilities {
  /** The store enforces `If-None-Match: *` on PUT atomically. */
  conditionalPut: boolean;
}

/** The port through which checkpoints reach an object store. */
export interface ObjectStore {
  /** Secret-free description of the location for messages, e.g. `s3:bucket/prefix`. */
  readonly description: string;
  readonly capabilities: ObjectStoreCapabilities;
  /** Every object whose key starts with `prefix` (`''` for all), recursively. */
  list(prefix: string, options?: StoreCallOptions): Promise<RemoteObject[]>;
  /** The object's size, or null when it does not exist. */
  head(key: string, options?: StoreCallOptions): Promise<RemoteObject | null>;
  /** The whole object, or null when it does not exist. For small objects (catalogs, manifests). */
  getSmall(key: string, options?: GetSmallOptions): Promise<Uint8Array | null>;
  /** Writes a small object in one request. */
  putSmall(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /**
   * Uploads `files` (paths relative to `localDir`) to `remotePrefix + path`. `remotePrefix` is
   * `''` or ends with `/`.
   */
  uploadFiles(
    localDir: string,
    files: readonly string[],
    remotePrefix: string,
    options?: TransferOptions,
  ): Promise<TransferResult>;
  /** Downloads `keys` (relative to `remotePrefix`) to `localDir + key`, creating directories. */
  downloadFiles(
    remotePrefix: string,
    keys: readonly string[],
    localDir: string,
    options?: TransferOptions,
  ): Promise<TransferResult>;
  /** Deletes the keys; a key that does not exist is not an error. */
  delete(keys: readonly string[], options?: StoreCallOptions): Promise<void>;
  /**
   * Unfinished multipart uploads under the location (left by a killed upload), where the store has
   * them: listing and aborting those started more than `olderThanMs` ago. Absent: none to manage.
   */
  readonly multipart?: MultipartUploads | undefined;
}

/** An unfinished multipart upload. */
export interface PendingUpload {
  /** Key relative to the store's location. */
  key: string;
  /** ISO-8601 time the upload started. */
  initiated: string;
}

/** Management of unfinished multipart uploads. */
export interface MultipartUploads {
  list(options?: StoreCallOptions): Promise<PendingUpload[]>;
  abortOlderThan(olderThanMs: number, options?: StoreCallOptions): Promise<void>;
}

/** Error codes every ObjectStore implementation uses for the same failures. */
export const StoreErrorCodes = {
  /** The credentials were refused (SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied). */
  auth: 'ERR_STORE_AUTH',
  /** The bucket does not exist. */
  bucketNotFound: 'ERR_STORE_BUCKET_NOT_FOUND',
  /** An object that had to exist does not. */
  notFound: 'ERR_STORE_NOT_FOUND',
  /** The endpoint could not be reached or timed out. */
  network: 'ERR_STORE_NETWORK',
  /** A conditional write lost (the key exists). */
  preconditionFailed: 'ERR_STORE_PRECONDITION_FAILED',
  /** The operation was cancelled through its AbortSignal. */
  aborted: CommonErrorCodes.aborted,
  /** The operation did not finish within its timeout. */
  timeout: 'ERR_STORE_TIMEOUT',
  /** An object is larger than the caller's bound (`getSmall` `maxBytes`). */
  tooLarge: 'ERR_STORE_TOO_LARGE',
  /** A transfer made no progress for the stall timeout and was stopped. */
  stalled: 'ERR_STORE_STALLED',
  /** The store kept answering with server errors (5xx, SlowDown) through every retry. */
  unavailable: 'ERR_STORE_UNAVAILABLE',
  /** Anything else the store or the transfer tool reported. */
  other: 'ERR_STORE_OTHER',
} as const;
export type StoreErrorCode = (typeof StoreErrorCodes)[keyof typeof StoreErrorCodes];

/** The error every store throws when `getSmall`'s `maxBytes` is exceeded. */
export function tooLargeError(object: string, maxBytes: number): SyncError {
  return new SyncError(
    StoreErrorCodes.tooLarge,
    `${object} is larger than the ${maxBytes} bytes allowed for it; nothing more was read`,
    {
      hint: 'the bucket holds an object this layout never writes so large: check who writes to it',
      details: { maxBytes },
    },
  );
}
