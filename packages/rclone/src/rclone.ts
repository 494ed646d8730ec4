import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransferProgress, TransferResult } from '@feldera-sync/checkpoint';
import { buildArgv } from './argv.js';
import type { RcloneTuning, TransferDirection } from './argv.js';
import { classifyRcloneFailure } from './classify.js';
import { rcloneError, RcloneErrorCodes } from './errors.js';
import { statUploadFiles } from './local-files.js';
import type { RcloneLogger } from './logger.js';
import {
  parseCheckReport,
  parseLsjson,
  parseLsjsonStat,
  parseProviders,
  parseVersion,
} from './parse-output.js';
import type { RcloneCheckReport, RcloneEntry, RcloneVersion } from './parse-output.js';
import { createRedactor } from './redact.js';
import type { Redactor } from './redact.js';
import {
  buildRcloneEnv,
  describeRemote,
  normaliseBucketLocation,
  remotePath,
  remoteSecrets,
  validateRemote,
} from './remote.js';
import type { RcloneRemote } from './remote.js';
import { runRclone } from './run.js';
import { prepareExtraFlags } from './secret-flags.js';
import type { RunResult } from './run.js';

/** Options of `createRclone`. */
export interface RcloneOptions {
  /** Path or name of the rclone binary; default `rclone`. */
  binary?: string | undefined;
  remote: RcloneRemote;
  tuning?: RcloneTuning | undefined;
  logger?: RcloneLogger | undefined;
  /** Let rclone create the bucket when missing (omits `--s3-no-check-bucket`). Default false. */
  createBucket?: boolean | undefined;
  /** Pass `--s3-disable-checksum` on uploads (skips rclone's MD5 pre-pass). Default true. */
  disableUploadChecksum?: boolean | undefined;
  /**
   * Default timeouts: `requestMs` for listings and small objects, `transferMs` for copies (a
   * call's `timeoutMs` overrides it), `stallMs` for a copy that reports no new progress (default
   * 60 s; `ERR_STORE_STALLED`).
   */
  timeouts?:
    | {
        requestMs?: number | undefined;
        transferMs?: number | undefined;
        stallMs?: number | undefined;
      }
    | undefined;
  /** Time from SIGTERM to SIGKILL when a call is cancelled or times out. Default 1000 ms. */
  killGraceMs?: number | undefined;
  /** Environment rclone inherits (minus `AWS_CA_BUNDLE` and `RCLONE_*`); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Options of every rclone call. */
export interface RcloneCallOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the default timeout of this call. */
  timeoutMs?: number | undefined;
  /** Extra flags for this call only (before the tuning's `flags`). */
  flags?: readonly string[] | undefined;
}

/** Options of data transfers. */
export interface RcloneTransferOptions extends RcloneCallOptions {
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  /** Each object as rclone reports it copied (adds `-v` for its INFO lines). */
  onObjectDone?: ((key: string) => void) | undefined;
  /** The caller verifies what a download wrote (adds `--ignore-checksum` to downloads). */
  verifiedByCaller?: boolean | undefined;
}

/** The rclone operations the sync layer needs, bound to one remote. Keys are relative to `remote.bucket`. */
export interface Rclone {
  /** Secret-free description of the location, e.g. `s3:bucket/prefix (Ceph at http://...)`. */
  readonly description: string;
  /** The installed rclone's version. */
  version(options?: RcloneCallOptions): Promise<RcloneVersion>;
  /** S3 provider names the installed rclone knows (`rclone help backend s3`). */
  knownProviders(options?: RcloneCallOptions): Promise<string[]>;
  /** Every object under `prefix`, recursively (`lsjson -R --fast-list`). A missing prefix lists as empty. */
  list(prefix: string, options?: RcloneCallOptions): Promise<RcloneEntry[]>;
  /** One object's entry, or null when it does not exist. */
  stat(key: string, options?: RcloneCallOptions): Promise<RcloneEntry | null>;
  /** A whole object (`cat`), or null when it does not exist. */
  /** Reads an object into memory; with `maxBytes`, at most that many bytes of it (`--count`). */
  cat(
    key: string,
    options?: RcloneCallOptions & { maxBytes?: number | undefined },
  ): Promise<Uint8Array | null>;
  /** Writes an object from memory (`rcat` from stdin). */
  rcat(key: string, body: Uint8Array, options?: RcloneCallOptions): Promise<void>;
  /** Copies `files` (relative to `localDir`) to `remotePrefix + file` (`copy --files-from-raw --no-traverse`). */
  copyFilesUp(
    localDir: string,
    files: readonly string[],
    remotePrefix: string,
    options?: RcloneTransferOptions,
  ): Promise<TransferResult>;
  /** Copies `keys` (relative to `remotePrefix`) to `localDir + key`; missing keys fail with ERR_STORE_NOT_FOUND. */
  copyFilesDown(
    remotePrefix: string,
    keys: readonly string[],
    localDir: string,
    options?: RcloneTransferOptions,
  ): Promise<TransferResult>;
  /** Copies one local file to `key` (`copyto`). */
  copyFileUp(
    localPath: string,
    key: string,
    options?: RcloneTransferOptions,
  ): Promise<TransferResult>;
  /** Copies one object to `localPath` (`copyto`); a missing object fails with ERR_STORE_NOT_FOUND. */
  copyFileDown(
    key: string,
    localPath: string,
    options?: RcloneTransferOptions,
  ): Promise<TransferResult>;
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: readonly string[], options?: RcloneCallOptions): Promise<void>;
  /** Unfinished multipart uploads under `prefix` (`backend list-multipart-uploads`), keys relative to the location. */
  listMultipartUploads(
    prefix: string,
    options?: RcloneCallOptions,
  ): Promise<{ key: string; initiated: string }[]>;
  /** Aborts unfinished multipart uploads under `prefix` started more than `olderThanMs` ago (`backend cleanup`). */
  cleanupMultipartUploads(
    prefix: string,
    olderThanMs: number,
    options?: RcloneCallOptions,
  ): Promise<void>;
  /** Compares local files with the objects under `remotePrefix` (`check --one-way --combined`). */
  check(
    localDir: string,
    remotePrefix: string,
    options?: RcloneCallOptions & {
      files?: readonly string[] | undefined;
      download?: boolean | undefined;
    },
  ): Promise<RcloneCheckReport>;
  /** Creates the bucket (`mkdir`); succeeds when it exists. */
  makeBucket(options?: RcloneCallOptions): Promise<void>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
const DEFAULT_TRANSFER_TIMEOUT_MS = 6 * 60 * 60_000;
/** No new bytes or objects for this long: the store or the network stopped answering. */
const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** Creates the rclone adapter for one remote. Throws ERR_RCLONE_USAGE for unusable remote options. */
export function createRclone(options: RcloneOptions): Rclone {
  const problem = validateRemote(options.remote);
  if (problem) {
    throw rcloneError(RcloneErrorCodes.usage, `invalid object store settings: ${problem}`, {
      exitCode: null,
      stderrTail: [],
    });
  }
  const remote = options.remote;
  const location = normaliseBucketLocation(remote.bucket) ?? remote.bucket;
  const inherited = options.env ?? process.env;
  // Secret flags go into the environment (or are refused) before anything runs.
  const extra = prepareExtraFlags(options.tuning?.flags ?? []);
  const env = buildRcloneEnv(remote, inherited, extra.options);
  const secrets = [...remoteSecrets(remote, inherited), ...extra.secrets];
  const redact: Redactor = createRedactor(secrets);
  const binary = options.binary ?? 'rclone';
  const tuning: RcloneTuning = { ...options.tuning, flags: extra.argv };
  const createBucket = options.createBucket ?? false;
  const disableUploadChecksum = options.disableUploadChecksum ?? true;
  const requestMs = options.timeouts?.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const transferMs = options.timeouts?.transferMs ?? DEFAULT_TRANSFER_TIMEOUT_MS;
  const stallMs =
    options.timeouts?.stallMs ?? options.tuning?.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? 1000;
  const description = describeRemote(remote);
  const path = (key: string): string => remotePath(location, key);

  interface Call {
    command: string;
    operands: readonly string[];
    flags?: readonly string[];
    what: string;
    call: RcloneTransferOptions | undefined;
    transfer?: TransferDirection;
    input?: Uint8Array;
    stdout?: 'text' | 'bytes';
    maxStdoutBytes?: number;
    createBucket?: boolean;
  }

  const run = async (c: Call): Promise<RunResult> => {
    // A call's own flags follow the same secret policy as the tuning's.
    const callExtra = prepareExtraFlags(c.call?.flags ?? []);
    const callEnv =
      callExtra.options.length === 0
        ? env
        : buildRcloneEnv(remote, inherited, [...extra.options, ...callExtra.options]);
    const callRedact =
      callExtra.secrets.length === 0 ? redact : createRedactor([...secrets, ...callExtra.secrets]);
    return runRclone({
      binary,
      argv: buildArgv({
        command: c.command,
        operands: c.operands,
        // Per-object completion needs rclone's INFO lines ("Copied (new)").
        flags: [...(c.flags ?? []), ...(c.call?.onObjectDone ? ['-v'] : []), ...callExtra.argv],
        createBucket: c.createBucket ?? createBucket,
        tuning,
        transfer: c.transfer
          ? {
              direction: c.transfer,
              disableUploadChecksum,
              verifiedByCaller: c.call?.verifiedByCaller === true,
            }
          : undefined,
      }),
      env: callEnv,
      redact: callRedact,
      logger: options.logger,
      what: c.what,
      timeoutMs: c.call?.timeoutMs ?? (c.transfer ? transferMs : requestMs),
      killGraceMs,
      signal: c.call?.signal,
      input: c.input,
      stdout: c.stdout ?? 'text',
      maxStdoutBytes: c.maxStdoutBytes,
      onProgress: c.call?.onProgress,
      onObjectDone: c.call?.onObjectDone,
      stallMs: c.transfer ? stallMs : undefined,
    });
  };

  const fail = (what: string, command: string, result: RunResult): never => {
    const failure = classifyRcloneFailure(result.exitCode, result.stderrTail);
    throw rcloneError(
      failure.code,
      `${what} failed: ${failure.reason}`,
      { exitCode: result.exitCode, stderrTail: result.stderrTail, command },
      { hint: hintFor(failure.code) },
    );
  };

  const runOk = async (c: Call): Promise<RunResult> => {
    const result = await run(c);
    if (result.exitCode !== 0) fail(c.what, c.command, result);
    return result;
  };

  const transferResult = (
    result: RunResult,
    fallbackBytes: number,
    fallbackObjects: number,
  ): TransferResult => ({
    bytes: result.lastProgress?.bytesDone ?? fallbackBytes,
    objects: result.lastProgress?.objectsDone ?? fallbackObjects,
    durationMs: result.durationMs,
  });

  const withFileList = async <T>(
    paths: readonly string[],
    body: (listFile: string) => Promise<T>,
  ): Promise<T> => {
    for (const p of paths) {
      if (p === '' || /[\n\r]/.test(p)) {
        throw rcloneError(
          RcloneErrorCodes.usage,
          `invalid file name in transfer list: ${JSON.stringify(p)}`,
          {
            exitCode: null,
            stderrTail: [],
          },
        );
      }
    }
    const dir = await mkdtemp(join(tmpdir(), 'feldera-sync-rclone-'));
    try {
      const listFile = join(dir, 'files.txt');
      await writeFile(listFile, paths.map((p) => `${p.replace(/^\/+/, '')}\n`).join(''));
      return await body(listFile);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  const list = async (prefix: string, call?: RcloneCallOptions): Promise<RcloneEntry[]> => {
    // List the directory part of the prefix and filter, so `a/b` finds `a/bc` as S3 prefixes do.
    const cut = prefix.lastIndexOf('/');
    const dir = cut >= 0 ? prefix.slice(0, cut + 1) : '';
    const result = await runOk({
      command: 'lsjson',
      operands: [path(dir)],
      flags: ['-R', '--fast-list', '--files-only', '--no-mimetype', '--use-server-modtime'],
      what: `listing of ${description} '${prefix}'`,
      call,
    });
    return parseLsjson(result.stdoutText, dir).filter((e) => e.key.startsWith(prefix));
  };

  const statKey = async (key: string, call?: RcloneCallOptions): Promise<RcloneEntry | null> => {
    const result = await runOk({
      command: 'lsjson',
      operands: [path(key)],
      flags: ['--stat', '--no-mimetype', '--use-server-modtime'],
      what: `stat of ${description} '${key}'`,
      call,
    });
    return parseLsjsonStat(result.stdoutText, key);
  };

  return {
    description,

    async version(call) {
      const result = await runOk({
        command: 'version',
        operands: [],
        what: 'rclone version',
        call,
      });
      return parseVersion(result.stdoutText);
    },

    async knownProviders(call) {
      const result = await runOk({
        command: 'help',
        operands: ['backend', 's3'],
        what: 'rclone help backend s3',
        call,
      });
      return parseProviders(result.stdoutText);
    },

    list,
    stat: statKey,

    async cat(key, call) {
      // `cat` of a prefix prints every object under it; naming the one file in its parent
      // (--files-from-raw) reads that object only, so `k` never returns the contents of `k/...`.
      // With `maxBytes`, `--count` stops rclone after that many bytes.
      const maxBytes = call?.maxBytes;
      const cut = key.lastIndexOf('/');
      const result = await withFileList([key.slice(cut + 1)], (listFile) =>
        runOk({
          command: 'cat',
          operands: [path(key.slice(0, cut + 1))],
          flags: [
            '--files-from-raw',
            listFile,
            ...(maxBytes === undefined ? [] : ['--count', String(maxBytes)]),
          ],
          what: `read of ${description} '${key}'`,
          call,
          stdout: 'bytes',
          maxStdoutBytes: maxBytes ?? 256 * 1024 * 1024,
        }),
      );
      // rclone cat exits 0 for a missing object: an empty answer needs a look.
      if (result.stdoutBytes.byteLength === 0 && (await statKey(key, call)) === null) return null;
      return result.stdoutBytes;
    },

    async rcat(key, body, call) {
      await runOk({
        command: 'rcat',
        operands: [path(key)],
        what: `write of ${description} '${key}'`,
        call,
        input: body,
      });
    },

    async copyFilesUp(localDir, files, remotePrefix, call) {
      if (files.length === 0) return { bytes: 0, objects: 0, durationMs: 0 };
      const total = statUploadFiles(localDir, files, description).reduce((n, f) => n + f.size, 0);
      const what = `upload of ${files.length} file(s) to ${description} '${remotePrefix}'`;
      const result = await withFileList(files, (listFile) =>
        runOk({
          command: 'copy',
          operands: [localDir, path(remotePrefix)],
          flags: ['--files-from-raw', listFile, '--no-traverse'],
          what,
          call,
          transfer: 'up',
        }),
      );
      return transferResult(result, total, files.length);
    },

    async copyFilesDown(remotePrefix, keys, localDir, call) {
      if (keys.length === 0) return { bytes: 0, objects: 0, durationMs: 0 };
      const what = `download of ${keys.length} object(s) from ${description} '${remotePrefix}'`;
      const result = await withFileList(keys, (listFile) =>
        runOk({
          command: 'copy',
          operands: [path(remotePrefix), localDir],
          flags: ['--files-from-raw', listFile, '--no-traverse'],
          what,
          call,
          transfer: 'down',
        }),
      );
      // rclone skips keys that do not exist without an error: count, and name the missing ones.
      let short = result.lastProgress === null || result.lastProgress.objectsDone < keys.length;
      if (!short) {
        for (const key of keys) {
          if (!(await exists(join(localDir, key)))) {
            short = true;
            break;
          }
        }
      }
      if (short) {
        const present = new Set(
          (await list(remotePrefix, call)).map((e) => e.key.slice(remotePrefix.length)),
        );
        const missing = keys.filter((k) => !present.has(k.replace(/^\/+/, '')));
        if (missing.length > 0) {
          throw rcloneError(
            RcloneErrorCodes.notFound,
            `${what} failed: ${missing.length} object(s) do not exist, e.g. '${remotePrefix}${missing[0] ?? ''}'`,
            {
              exitCode: result.exitCode,
              stderrTail: result.stderrTail,
              command: 'copy',
              missing: missing.slice(0, 20),
            },
          );
        }
      }
      return transferResult(result, 0, keys.length);
    },

    async copyFileUp(localPath, key, call) {
      let size: number;
      try {
        const s = await stat(localPath);
        if (!s.isFile()) throw new Error('not a file');
        size = s.size;
      } catch {
        throw rcloneError(
          RcloneErrorCodes.localNotFound,
          `cannot upload '${localPath}': not a file`,
          { exitCode: null, stderrTail: [] },
        );
      }
      const result = await runOk({
        command: 'copyto',
        operands: [localPath, path(key)],
        what: `upload of '${localPath}' to ${description} '${key}'`,
        call,
        transfer: 'up',
      });
      return transferResult(result, size, 1);
    },

    async copyFileDown(key, localPath, call) {
      const what = `download of ${description} '${key}'`;
      const result = await run({
        command: 'copyto',
        operands: [path(key), localPath],
        flags: ['--error-on-no-transfer'],
        what,
        call,
        transfer: 'down',
      });
      // Exit 9: nothing transferred, either the object is missing or the local copy is already equal.
      if (result.exitCode === 9) {
        if ((await statKey(key, call)) === null) {
          throw rcloneError(
            RcloneErrorCodes.notFound,
            `${what} failed: the object does not exist`,
            {
              exitCode: 9,
              stderrTail: result.stderrTail,
              command: 'copyto',
            },
          );
        }
      } else if (result.exitCode !== 0) {
        fail(what, 'copyto', result);
      }
      return transferResult(result, 0, 1);
    },

    async delete(keys, call) {
      if (keys.length === 0) return;
      await withFileList(keys, (listFile) =>
        runOk({
          command: 'delete',
          operands: [path('')],
          flags: ['--files-from-raw', listFile, '--fast-list'],
          what: `delete of ${keys.length} object(s) in ${description}`,
          call,
        }),
      );
    },

    async listMultipartUploads(prefix, call) {
      const result = await runOk({
        command: 'backend',
        operands: ['list-multipart-uploads', path(prefix)],
        what: `listing of unfinished uploads in ${description}`,
        call,
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(result.stdoutText);
      } catch (e) {
        throw rcloneError(
          RcloneErrorCodes.other,
          `listing of unfinished uploads in ${description} printed something that is not JSON`,
          { exitCode: 0, stderrTail: result.stderrTail, command: 'backend' },
          { cause: e },
        );
      }
      // {"<bucket>": [{"Key": "<full key>", "Initiated": "...", ...}]}; keys are bucket-relative.
      const [bucketName = '', ...rest] = location.split('/');
      const base = rest.length > 0 ? `${rest.join('/')}/` : '';
      const uploads = (parsed as Record<string, unknown> | null)?.[bucketName];
      const out: { key: string; initiated: string }[] = [];
      for (const u of Array.isArray(uploads) ? uploads : []) {
        const key = (u as { Key?: unknown }).Key;
        const initiated = (u as { Initiated?: unknown }).Initiated;
        if (typeof key !== 'string' || !key.startsWith(base)) continue;
        out.push({
          key: key.slice(base.length),
          initiated: typeof initiated === 'string' ? initiated : '',
        });
      }
      return out;
    },

    async cleanupMultipartUploads(prefix, olderThanMs, call) {
      await runOk({
        command: 'backend',
        operands: ['cleanup', path(prefix)],
        flags: ['-o', `max-age=${Math.max(1, Math.floor(olderThanMs / 1000))}s`],
        what: `abort of unfinished uploads in ${description}`,
        call,
      });
    },

    async check(localDir, remotePrefix, call) {
      const what = `check of '${localDir}' against ${description} '${remotePrefix}'`;
      const dir = await mkdtemp(join(tmpdir(), 'feldera-sync-rclone-'));
      try {
        const report = join(dir, 'combined.txt');
        const flags = [
          '--one-way',
          '--combined',
          report,
          ...(call?.download ? ['--download'] : []),
        ];
        if (call?.files) {
          const listFile = join(dir, 'files.txt');
          await writeFile(listFile, call.files.map((f) => `${f}\n`).join(''));
          flags.push('--files-from-raw', listFile);
        }
        const result = await run({
          command: 'check',
          operands: [localDir, path(remotePrefix)],
          flags,
          what,
          call,
        });
        let text = '';
        try {
          text = await readFile(report, 'utf8');
        } catch {
          fail(what, 'check', result);
        }
        const parsed = parseCheckReport(text);
        // Exit 1 with a report means "differences found"; any other failure is a real error.
        if (result.exitCode !== 0 && !(result.exitCode === 1 && !parsed.clean))
          fail(what, 'check', result);
        return parsed;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async makeBucket(call) {
      const bucketName = location.split('/')[0] ?? location;
      await runOk({
        command: 'mkdir',
        operands: [remotePath(bucketName, '')],
        what: `create bucket '${bucketName}'`,
        call,
        createBucket: true,
      });
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case RcloneErrorCodes.auth:
      return 'check access_key / secret_key (or the environment credentials) and the bucket policy';
    case RcloneErrorCodes.bucketNotFound:
      return 'create the bucket, or fix `bucket` in the sync config';
    case RcloneErrorCodes.network:
      return 'check `endpoint` and that the object store is reachable from this machine';
    case RcloneErrorCodes.usage:
      return 'check the extra rclone `flags` in the sync config';
    case RcloneErrorCodes.unavailable:
      return 'the object store kept answering with server errors through every retry; it is overloaded or failing: try again later';
    default:
      return undefined;
  }
}
