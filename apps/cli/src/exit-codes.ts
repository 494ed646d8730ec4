import { CheckpointErrorCodes, StoreErrorCodes } from '@feldera-sync/checkpoint';
import { ConfigErrorCodes } from '@feldera-sync/config';
import { EngineErrorCodes } from '@feldera-sync/engine';
import { CommonErrorCodes } from '@feldera-sync/errors';
import { RcloneErrorCodes } from '@feldera-sync/rclone';
import {
  ApiErrorCodes,
  FastifyErrorCodes,
  ServerErrorCodes,
} from '@feldera-sync/server/error-codes';
import type { ApiErrorCode, ServerKnownErrorCode } from '@feldera-sync/server';
import { SidecarErrorCodes } from '@feldera-sync/sidecar';
import type { SidecarErrorCode } from '@feldera-sync/sidecar';
import { StandbyErrorCodes } from '@feldera-sync/standby';
import { SyncErrorCodes } from '@feldera-sync/sync';
import { CliErrorCodes, NODE_ABORT_ERR, RoleApiErrorCodes } from './error-codes.js';
import type { CliErrorCode, RoleApiErrorCode } from './error-codes.js';

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
 * Every error code that can reach the CLI: each package's catalog, the server's (its own codes
 * and fastify's, as `details.code` of an error answer), the Feldera-compatible `error_code`s of
 * the server's answers, the CLI's own (its codes and its role endpoint's `error_code`s), and
 * Node's AbortError. `ERROR_EXIT_CATEGORIES` names each.
 */
export type CliKnownErrorCode =
  | ServerKnownErrorCode
  | ApiErrorCode
  | SidecarErrorCode
  | CliErrorCode
  | RoleApiErrorCode
  | typeof NODE_ABORT_ERR;

const S = ServerErrorCodes;
const F = FastifyErrorCodes;
const A = ApiErrorCodes;

/**
 * Every error code the CLI knows and the exit category it maps to, exhaustive over
 * `CliKnownErrorCode`: a new code in any catalog is a compile error here until it has an exit
 * code. Codes no catalog names (a newer server's) map to `internal`.
 */
export const ERROR_EXIT_CATEGORIES = {
  // CLI
  [CliErrorCodes.usage]: 'usage',
  [CliErrorCodes.noPipelineIdentity]: 'usage',
  [CliErrorCodes.configRead]: 'config',
  [CliErrorCodes.http]: 'internal',
  [CliErrorCodes.httpNetwork]: 'network',
  [CliErrorCodes.waitTimeout]: 'network',
  [CliErrorCodes.syncFailed]: 'internal',
  [CliErrorCodes.listen]: 'config',
  [CommonErrorCodes.aborted]: 'interrupted',
  [NODE_ABORT_ERR]: 'interrupted',
  // config
  [ConfigErrorCodes.invalid]: 'config',
  // object store (ObjectStore port and rclone adapter) and the local disk
  [StoreErrorCodes.auth]: 'auth',
  [StoreErrorCodes.bucketNotFound]: 'notFound',
  [StoreErrorCodes.notFound]: 'notFound',
  [StoreErrorCodes.network]: 'network',
  [StoreErrorCodes.timeout]: 'network',
  [StoreErrorCodes.preconditionFailed]: 'conflict',
  [StoreErrorCodes.tooLarge]: 'integrity',
  [StoreErrorCodes.stalled]: 'network',
  [StoreErrorCodes.unavailable]: 'unavailable',
  [CommonErrorCodes.diskFull]: 'disk',
  [CommonErrorCodes.diskIo]: 'disk',
  [StoreErrorCodes.other]: 'internal',
  [RcloneErrorCodes.usage]: 'config',
  [RcloneErrorCodes.binaryNotFound]: 'config',
  [RcloneErrorCodes.localNotFound]: 'notFound',
  [RcloneErrorCodes.localChanged]: 'integrity',
  // checkpoint layout
  [CheckpointErrorCodes.catalogCorrupt]: 'integrity',
  [CheckpointErrorCodes.catalogMissing]: 'integrity',
  [CheckpointErrorCodes.dependenciesCorrupt]: 'integrity',
  [CheckpointErrorCodes.stateCorrupt]: 'integrity',
  [CheckpointErrorCodes.manifestCorrupt]: 'integrity',
  [CheckpointErrorCodes.ownerCorrupt]: 'integrity',
  [CheckpointErrorCodes.invalidUuid]: 'usage',
  [CheckpointErrorCodes.invalidPath]: 'integrity',
  [CheckpointErrorCodes.io]: 'internal',
  [CheckpointErrorCodes.notFound]: 'notFound',
  [CheckpointErrorCodes.locked]: 'conflict',
  // synchroniser
  [SyncErrorCodes.ownerMismatch]: 'conflict',
  [SyncErrorCodes.ownerChanged]: 'conflict',
  [SyncErrorCodes.checkpointNotFound]: 'notFound',
  [SyncErrorCodes.noCheckpoint]: 'notFound',
  [SyncErrorCodes.integrity]: 'integrity',
  [SyncErrorCodes.invalidRemote]: 'integrity',
  [SyncErrorCodes.invalidLocal]: 'integrity',
  [SyncErrorCodes.retentionRefused]: 'integrity',
  [SyncErrorCodes.foreignCheckpoints]: 'conflict',
  [SyncErrorCodes.uploadIncomplete]: 'unavailable',
  [SyncErrorCodes.closed]: 'internal',
  // standby
  [StandbyErrorCodes.finalPullFailed]: 'network',
  [StandbyErrorCodes.invalidTransition]: 'conflict',
  [StandbyErrorCodes.requiresCheckpoint]: 'config',
  [StandbyErrorCodes.invalidConfig]: 'config',
  [StandbyErrorCodes.restoreFailed]: 'internal',
  [StandbyErrorCodes.noCheckpoint]: 'notFound',
  [StandbyErrorCodes.intentFailed]: 'internal',
  [StandbyErrorCodes.takeoverFailed]: 'conflict',
  [StandbyErrorCodes.markerFailed]: 'internal',
  [StandbyErrorCodes.engineFailed]: 'internal',
  [StandbyErrorCodes.stopped]: 'interrupted',
  [StandbyErrorCodes.uncodedPullFailure]: 'internal',
  // sidecar
  [SidecarErrorCodes.pinCrossDevice]: 'config',
  [SidecarErrorCodes.pinIo]: 'internal',
  // reference engine (from `serve`, and as `details.code` of the server's error answers)
  [EngineErrorCodes.CORRUPT_FILE]: 'integrity',
  [EngineErrorCodes.MISSING_FILE]: 'integrity',
  [EngineErrorCodes.HASH_MISMATCH]: 'integrity',
  [EngineErrorCodes.INVALID_TABLE]: 'usage',
  [EngineErrorCodes.INVALID_ROW]: 'usage',
  [EngineErrorCodes.UNKNOWN_TABLE]: 'notFound',
  [EngineErrorCodes.NOT_OPEN]: 'conflict',
  [EngineErrorCodes.ALREADY_OPEN]: 'conflict',
  [EngineErrorCodes.IO]: 'internal',
  // server (library errors thrown by `serve`, and `details.code` of HTTP answers)
  [S.startFailed]: 'internal',
  [S.apiKeyFile]: 'config',
  [S.apiKeyRequired]: 'config',
  [S.apiKeyWeak]: 'config',
  [S.registryCorrupt]: 'integrity',
  [S.unauthorized]: 'auth',
  [S.unknownPipeline]: 'notFound',
  [S.routeNotFound]: 'notFound',
  [S.noCheckpoint]: 'notFound',
  [S.invalidTransition]: 'conflict',
  [S.incarnationMismatch]: 'conflict',
  [S.notRunning]: 'conflict',
  [S.notStopped]: 'conflict',
  [S.syncNotConfigured]: 'config',
  [S.invalidRequest]: 'usage',
  [S.payloadTooLarge]: 'usage',
  [S.shuttingDown]: 'network',
  [S.duplicateName]: 'conflict',
  [S.invalidBootstrapConfig]: 'usage',
  [S.undismissedError]: 'conflict',
  // fastify's own errors (as `details.code` of the server's answers): the request was refused
  [F.validation]: 'usage',
  [F.notFound]: 'notFound',
  [F.bodyTooLarge]: 'usage',
  [F.invalidMediaType]: 'usage',
  [F.invalidContentLength]: 'usage',
  [F.emptyJsonBody]: 'usage',
  [F.invalidJsonBody]: 'usage',
  [F.invalidBody]: 'usage',
  [F.badUrl]: 'usage',
  [F.invalidUrl]: 'usage',
  [F.maxParamLength]: 'usage',
  [F.missingContentType]: 'usage',
  [F.missingContent]: 'usage',
  [F.handlerTimeout]: 'internal',
  // Feldera-compatible `error_code`s of HTTP answers (the server's table, plus Feldera's own names)
  [A.UnknownPipelineName]: 'notFound',
  [A.UnknownTable]: 'notFound',
  [A.InvalidRuntimeConfig]: 'config',
  [A.InvalidRequest]: 'usage',
  [A.InvalidTransition]: 'conflict',
  [A.DuplicateName]: 'conflict',
  [A.InvalidBootstrapConfig]: 'usage',
  [A.CannotStartWithUndismissedError]: 'conflict',
  [A.IncarnationUuidMismatch]: 'conflict',
  [A.PipelineNotRunning]: 'conflict',
  [A.PipelineNotStopped]: 'conflict',
  [A.NoCheckpointToSync]: 'notFound',
  [A.SyncNotConfigured]: 'config',
  [A.CheckpointNotFound]: 'notFound',
  [A.BucketOwnedByAnotherPipeline]: 'conflict',
  [A.ObjectStoreAuth]: 'auth',
  [A.ObjectStoreUnavailable]: 'network',
  [A.IntegrityError]: 'integrity',
  [A.InsufficientStorage]: 'disk',
  [A.StorageFailure]: 'disk',
  [A.StorageInUse]: 'conflict',
  [A.Unauthorized]: 'auth',
  [A.PayloadTooLarge]: 'usage',
  [A.NotFound]: 'notFound',
  [A.ShuttingDown]: 'network',
  [A.Cancelled]: 'interrupted',
  [A.InternalError]: 'internal',
  // `error_code`s of the role HTTP endpoint (`standby` / `sidecar --listen`)
  [RoleApiErrorCodes.MethodNotAllowed]: 'usage',
  [RoleApiErrorCodes.ActivationNotAllowed]: 'auth',
} as const satisfies Record<CliKnownErrorCode, ExitCategory>;

/** An error code the exit-code table names. */
export type KnownErrorCode = CliKnownErrorCode;

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
export const WRAPPER_ERROR_CODES: ReadonlySet<string> = new Set<CliKnownErrorCode>([
  StandbyErrorCodes.finalPullFailed,
  StandbyErrorCodes.restoreFailed,
  StandbyErrorCodes.engineFailed,
  StandbyErrorCodes.intentFailed,
  StandbyErrorCodes.takeoverFailed,
  StandbyErrorCodes.markerFailed,
  CliErrorCodes.waitTimeout,
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
