/** Process exit codes of `feldera-sync`; part of the CLI's contract. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  auth: 4,
  notFound: 5,
  integrity: 6,
  network: 7,
  conflict: 8,
  disk: 9,
  unavailable: 10,
  interrupted: 130,
} as const;

/** A name of the exit-code table (`ok`, `usage`, ...). */
export type ExitCategory = keyof typeof ExitCode;

/** What each exit code means, for `--help` and the README. */
export const EXIT_CODE_DESCRIPTIONS: Readonly<Record<ExitCategory, string>> = {
  ok: 'success',
  internal: 'internal or unexpected error (a bug, or a failure outside the categories below)',
  usage: 'bad command line: unknown command or option, missing or invalid argument',
  config: 'invalid configuration (every problem is printed with its JSON path)',
  auth: 'the object store or server refused the credentials',
  notFound: 'a checkpoint, bucket, object or pipeline does not exist',
  integrity: 'data failed verification (size or SHA-256 mismatch, corrupt catalog or manifest)',
  network: 'the object store or server could not be reached, or timed out',
  conflict: 'ownership or state conflict (bucket owned by another pipeline, invalid transition)',
  disk: 'the local disk is full or failing (free space or check the disk, then retry)',
  unavailable:
    'the object store kept failing (server errors through every retry, or objects it accepted are missing)',
  interrupted: 'cancelled by SIGINT / SIGTERM before finishing',
};

/**
 * Every error code the CLI knows and the exit category it maps to. Codes come from the
 * libraries (`@feldera-sync/config`, `checkpoint`, `rclone`, `sync`, `standby`, `engine`), the
 * server's error bodies and the CLI itself; unknown codes map to `internal`.
 */
export const ERROR_EXIT_CATEGORIES = {
  // CLI
  ERR_CLI_USAGE: 'usage',
  ERR_CLI_NO_PIPELINE_IDENTITY: 'usage',
  ERR_CLI_CONFIG_READ: 'config',
  ERR_CLI_HTTP: 'internal',
  ERR_CLI_HTTP_NETWORK: 'network',
  ERR_CLI_WAIT_TIMEOUT: 'network',
  ERR_CLI_SYNC_FAILED: 'internal',
  ERR_CLI_LISTEN: 'config',
  ERR_ABORTED: 'interrupted',
  // Node's own AbortError (a stream pipeline or fs call given the command's signal)
  ABORT_ERR: 'interrupted',
  // config
  ERR_CONFIG_INVALID: 'config',
  // object store (ObjectStore port and rclone adapter)
  ERR_STORE_AUTH: 'auth',
  ERR_STORE_BUCKET_NOT_FOUND: 'notFound',
  ERR_STORE_NOT_FOUND: 'notFound',
  ERR_STORE_NETWORK: 'network',
  ERR_STORE_TIMEOUT: 'network',
  ERR_STORE_PRECONDITION_FAILED: 'conflict',
  ERR_STORE_TOO_LARGE: 'integrity',
  ERR_STORE_STALLED: 'network',
  ERR_STORE_UNAVAILABLE: 'unavailable',
  ERR_DISK_FULL: 'disk',
  ERR_DISK_IO: 'disk',
  ERR_STORE_OTHER: 'internal',
  ERR_RCLONE_USAGE: 'config',
  ERR_RCLONE_NOT_FOUND: 'config',
  ERR_RCLONE_LOCAL_NOT_FOUND: 'notFound',
  // checkpoint layout
  ERR_CHECKPOINT_CATALOG_CORRUPT: 'integrity',
  ERR_CHECKPOINT_CATALOG_MISSING: 'integrity',
  ERR_CHECKPOINT_DEPENDENCIES_CORRUPT: 'integrity',
  ERR_CHECKPOINT_STATE_CORRUPT: 'integrity',
  ERR_CHECKPOINT_MANIFEST_CORRUPT: 'integrity',
  ERR_CHECKPOINT_OWNER_CORRUPT: 'integrity',
  ERR_CHECKPOINT_INVALID_UUID: 'usage',
  ERR_CHECKPOINT_INVALID_PATH: 'integrity',
  ERR_CHECKPOINT_IO: 'internal',
  ERR_CHECKPOINT_NOT_FOUND: 'notFound',
  ERR_CHECKPOINT_LOCKED: 'conflict',
  // synchroniser
  ERR_SYNC_OWNER_MISMATCH: 'conflict',
  ERR_SYNC_OWNER_CHANGED: 'conflict',
  ERR_SYNC_CHECKPOINT_NOT_FOUND: 'notFound',
  ERR_SYNC_NO_CHECKPOINT: 'notFound',
  ERR_SYNC_INTEGRITY: 'integrity',
  ERR_SYNC_INVALID_REMOTE: 'integrity',
  ERR_SYNC_INVALID_LOCAL: 'integrity',
  ERR_SYNC_RETENTION_REFUSED: 'integrity',
  ERR_SYNC_FOREIGN_CHECKPOINTS: 'conflict',
  ERR_SYNC_UPLOAD_INCOMPLETE: 'unavailable',
  ERR_SYNC_CLOSED: 'internal',
  // standby
  ERR_STANDBY_FINAL_PULL_FAILED: 'network',
  ERR_STANDBY_INVALID_TRANSITION: 'conflict',
  ERR_STANDBY_REQUIRES_CHECKPOINT: 'config',
  ERR_STANDBY_INVALID_CONFIG: 'config',
  ERR_STANDBY_RESTORE_FAILED: 'internal',
  ERR_STANDBY_NO_CHECKPOINT: 'notFound',
  ERR_STANDBY_INTENT_FAILED: 'internal',
  ERR_STANDBY_TAKEOVER_FAILED: 'conflict',
  ERR_STANDBY_MARKER_FAILED: 'internal',
  ERR_STANDBY_ENGINE_FAILED: 'internal',
  ERR_STANDBY_STOPPED: 'interrupted',
  // reference engine (from `serve`, and as `details.code` of the server's error answers)
  ERR_ENGINE_CORRUPT_FILE: 'integrity',
  ERR_ENGINE_MISSING_FILE: 'integrity',
  ERR_ENGINE_HASH_MISMATCH: 'integrity',
  ERR_ENGINE_INVALID_TABLE: 'usage',
  ERR_ENGINE_INVALID_ROW: 'usage',
  ERR_ENGINE_UNKNOWN_TABLE: 'notFound',
  ERR_ENGINE_NOT_OPEN: 'conflict',
  ERR_ENGINE_ALREADY_OPEN: 'conflict',
  ERR_ENGINE_IO: 'internal',
  // server (library errors thrown by `serve`, and `error_code`s of HTTP answers)
  ERR_SERVER_START_FAILED: 'internal',
  ERR_SERVER_API_KEY_REQUIRED: 'config',
  ERR_SERVER_API_KEY_WEAK: 'config',
  ERR_SERVER_REGISTRY_CORRUPT: 'integrity',
  ERR_SERVER_UNAUTHORIZED: 'auth',
  ERR_SERVER_UNKNOWN_PIPELINE: 'notFound',
  ERR_SERVER_ROUTE_NOT_FOUND: 'notFound',
  ERR_SERVER_NO_CHECKPOINT: 'notFound',
  ERR_SERVER_INVALID_TRANSITION: 'conflict',
  ERR_SERVER_INCARNATION_MISMATCH: 'conflict',
  ERR_SERVER_NOT_RUNNING: 'conflict',
  ERR_SERVER_NOT_STOPPED: 'conflict',
  ERR_SERVER_SYNC_NOT_CONFIGURED: 'config',
  ERR_SERVER_INVALID_REQUEST: 'usage',
  ERR_SERVER_PAYLOAD_TOO_LARGE: 'usage',
  ERR_SERVER_SHUTTING_DOWN: 'network',
  ERR_SERVER_DUPLICATE_NAME: 'conflict',
  ERR_SERVER_INVALID_BOOTSTRAP_CONFIG: 'usage',
  ERR_SERVER_UNDISMISSED_ERROR: 'conflict',
  // Feldera-compatible `error_code`s of HTTP answers (the server's table, plus Feldera's own names)
  UnknownPipelineName: 'notFound',
  UnknownTable: 'notFound',
  InvalidRuntimeConfig: 'config',
  InvalidRequest: 'usage',
  InvalidTransition: 'conflict',
  DuplicateName: 'conflict',
  InvalidBootstrapConfig: 'usage',
  CannotStartWithUndismissedError: 'conflict',
  IncarnationUuidMismatch: 'conflict',
  PipelineNotRunning: 'conflict',
  PipelineNotStopped: 'conflict',
  NoCheckpointToSync: 'notFound',
  SyncNotConfigured: 'config',
  CheckpointNotFound: 'notFound',
  BucketOwnedByAnotherPipeline: 'conflict',
  ObjectStoreAuth: 'auth',
  ObjectStoreUnavailable: 'network',
  IntegrityError: 'integrity',
  InsufficientStorage: 'disk',
  StorageFailure: 'disk',
  StorageInUse: 'conflict',
  Unauthorized: 'auth',
  PayloadTooLarge: 'usage',
  NotFound: 'notFound',
  ShuttingDown: 'network',
  Cancelled: 'interrupted',
  InternalError: 'internal',
} as const satisfies Record<string, ExitCategory>;

/** An error code the exit-code table names. */
export type KnownErrorCode = keyof typeof ERROR_EXIT_CATEGORIES;

/** True when `code` is in the exit-code table. */
export function isKnownErrorCode(code: string): code is KnownErrorCode {
  return Object.hasOwn(ERROR_EXIT_CATEGORIES, code);
}

/** The exit category of an error code; unknown codes are `internal`. */
export function exitCategoryForCode(code: string): ExitCategory {
  return isKnownErrorCode(code) ? ERROR_EXIT_CATEGORIES[code] : 'internal';
}

/** The process exit code for an error code. */
export function exitCodeForErrorCode(code: string): number {
  return ExitCode[exitCategoryForCode(code)];
}

/** Codes that wrap another coded error; the exit code comes from the cause when it has a known code. */
export const WRAPPER_ERROR_CODES: ReadonlySet<string> = new Set([
  'ERR_STANDBY_FINAL_PULL_FAILED',
  'ERR_STANDBY_RESTORE_FAILED',
  'ERR_STANDBY_ENGINE_FAILED',
  'ERR_STANDBY_INTENT_FAILED',
  'ERR_STANDBY_TAKEOVER_FAILED',
  'ERR_STANDBY_MARKER_FAILED',
  'ERR_CLI_WAIT_TIMEOUT',
]);

/** The exit category of a thrown value: its code, or its cause's code for wrapper codes; `internal` for uncoded values. */
export function exitCategoryForError(err: unknown): ExitCategory {
  const code = codeOf(err);
  if (code === undefined) return 'internal';
  if (WRAPPER_ERROR_CODES.has(code)) {
    const cause = (err as { cause?: unknown }).cause;
    const causeCode = codeOf(cause);
    if (causeCode !== undefined && isKnownErrorCode(causeCode)) return exitCategoryForError(cause);
  }
  return exitCategoryForCode(code);
}

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The exit-code table as text, for the `--help` epilogue. */
export function formatExitCodeHelp(): string {
  const lines = (Object.keys(ExitCode) as ExitCategory[]).map(
    (name) =>
      `  ${String(ExitCode[name]).padStart(3)}  ${name.padEnd(11)} ${EXIT_CODE_DESCRIPTIONS[name]}`,
  );
  return ['Exit codes:', ...lines].join('\n');
}
