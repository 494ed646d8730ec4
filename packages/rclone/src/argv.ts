/** Performance settings, mapped one to one onto rclone flags; `flags` is appended last. */
export interface RcloneTuning {
  transfers?: number | undefined;
  checkers?: number | undefined;
  ignoreChecksum?: boolean | undefined;
  multiThreadStreams?: number | undefined;
  /** Size with optional suffix, e.g. `100M`. */
  multiThreadCutoff?: string | undefined;
  uploadConcurrency?: number | undefined;
  /** Extra rclone flags, appended to every command. */
  flags?: readonly string[] | undefined;
  /** A transfer without new progress for this long is stopped (`ERR_STORE_STALLED`); no rclone flag. */
  stallTimeoutMs?: number | undefined;
}

/** The subset of the sync config (snake_case, as in @feldera-sync/config) that tunes rclone. */
export interface SyncTuningConfig {
  transfers?: number | undefined;
  checkers?: number | undefined;
  ignore_checksum?: boolean | undefined;
  multi_thread_streams?: number | undefined;
  multi_thread_cutoff?: string | undefined;
  upload_concurrency?: number | undefined;
  flags?: readonly string[] | undefined;
  /** Seconds. */
  stall_timeout?: number | undefined;
}

/** Maps the sync config's snake_case tuning fields to `RcloneTuning`. */
export function tuningFromSyncConfig(config: SyncTuningConfig): RcloneTuning {
  return {
    transfers: config.transfers,
    checkers: config.checkers,
    ignoreChecksum: config.ignore_checksum,
    multiThreadStreams: config.multi_thread_streams,
    multiThreadCutoff: config.multi_thread_cutoff,
    uploadConcurrency: config.upload_concurrency,
    flags: config.flags,
    stallTimeoutMs: config.stall_timeout === undefined ? undefined : config.stall_timeout * 1000,
  };
}

/** Flags every command gets: no config file, JSON logs, never create the bucket unless asked. */
export function commonFlags(options: { createBucket: boolean }): string[] {
  return [
    '--config',
    '',
    '--use-json-log',
    ...(options.createBucket ? [] : ['--s3-no-check-bucket']),
  ];
}

/** Flags of data transfers: the tuning plus one JSON stats line a second. */
export function transferFlags(tuning: RcloneTuning): string[] {
  const out = ['--stats', '1s', '--stats-log-level', 'NOTICE'];
  if (tuning.transfers !== undefined) out.push('--transfers', String(tuning.transfers));
  if (tuning.checkers !== undefined) out.push('--checkers', String(tuning.checkers));
  if (tuning.ignoreChecksum) out.push('--ignore-checksum');
  if (tuning.multiThreadStreams !== undefined)
    out.push('--multi-thread-streams', String(tuning.multiThreadStreams));
  if (tuning.multiThreadCutoff !== undefined)
    out.push('--multi-thread-cutoff', tuning.multiThreadCutoff);
  if (tuning.uploadConcurrency !== undefined)
    out.push('--s3-upload-concurrency', String(tuning.uploadConcurrency));
  return out;
}

/** The data-transfer direction, which decides upload-only flags. */
export type TransferDirection = 'up' | 'down';

/** A complete rclone argv (without the binary): command, operands, fixed flags, tuning, user flags. */
export function buildArgv(spec: {
  command: string;
  operands: readonly string[];
  flags?: readonly string[] | undefined;
  createBucket: boolean;
  tuning: RcloneTuning;
  transfer?:
    | {
        direction: TransferDirection;
        disableUploadChecksum: boolean;
        /** The caller checks each downloaded object's SHA-256 itself: rclone's MD5 check is skipped. */
        verifiedByCaller?: boolean | undefined;
      }
    | undefined;
}): string[] {
  const argv = [
    spec.command,
    ...spec.operands,
    ...commonFlags({ createBucket: spec.createBucket }),
    ...(spec.flags ?? []),
  ];
  if (spec.transfer) {
    argv.push(...transferFlags(spec.tuning));
    // Our manifests carry SHA-256; rclone's MD5 pre-pass would cost more CPU than the upload.
    if (spec.transfer.direction === 'up' && spec.transfer.disableUploadChecksum)
      argv.push('--s3-disable-checksum');
    // Our manifests' SHA-256 is checked on every downloaded byte; rclone's MD5 of the same bytes
    // would only repeat it (once is enough when the tuning already asks for it).
    if (
      spec.transfer.direction === 'down' &&
      spec.transfer.verifiedByCaller === true &&
      !spec.tuning.ignoreChecksum
    )
      argv.push('--ignore-checksum');
  }
  argv.push(...(spec.tuning.flags ?? []));
  return argv;
}
