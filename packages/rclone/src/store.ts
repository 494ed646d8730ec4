import { randomUUID } from 'node:crypto';
import type {
  GetSmallOptions,
  ObjectStore,
  PutOptions,
  RemoteObject,
  StoreCallOptions,
  TransferOptions,
} from '@feldera-sync/checkpoint';
import { rcloneError, RcloneErrorCodes, tooLargeError } from './errors.js';
import { createRclone } from './rclone.js';
import type { Rclone, RcloneOptions, RcloneTransferOptions } from './rclone.js';
import { createDirectS3 } from './s3/client.js';
import { directFlagSettings } from './direct-flags.js';
import {
  DIRECT_UPLOAD_MAX_CONCURRENCY,
  rcloneOnlyUploadFlag,
  uploadSplit,
} from './direct-upload.js';
import type { DirectS3, S3Target } from './s3/client.js';
import { createRedactor } from './redact.js';
import type { Redactor } from './redact.js';
import { hasExplicitKeys, normaliseBucketLocation } from './remote.js';
import { prepareExtraFlags } from './secret-flags.js';
import type { PreparedFlags } from './secret-flags.js';
import type { RcloneRemote } from './remote.js';

/** Options of `createRcloneStore`. */
export interface RcloneStoreOptions extends RcloneOptions {
  /**
   * The store enforces `If-None-Match: *` atomically (Ceph RGW, AWS S3, MinIO; not s3rver). Honoured
   * only with explicit keys; see `probeConditionalPut`. Default false: check-then-put.
   */
  conditionalPut?: boolean | undefined;
  /**
   * Send small-object requests (`getSmall`, `putSmall`, `head`, `delete` of up to 32 keys) as
   * direct SigV4-signed HTTP requests (path-style, keep-alive) instead of one rclone process each.
   * Default true; honoured only with explicit keys and an endpoint (or provider `AWS`), and only when
   * every extra rclone `flags` entry is one the direct path understands (timeouts, retries,
   * `--s3-server-side-encryption`, transfer tuning). Otherwise everything stays on rclone.
   */
  directSmallObjects?: boolean | undefined;
  /**
   * Upload files of at most 4 MiB (`DIRECT_UPLOAD_MAX_BYTES`) as one direct signed PUT each, read
   * once into memory, beside rclone's transfer of the larger ones. Default true; needs the direct
   * small-object client, and stays off when `flags` shape the transfer (`--bwlimit`, `--tpslimit`,
   * `--max-transfer`).
   */
  directUploads?: boolean | undefined;
}

/** The ObjectStore port implemented with rclone, plus the underlying adapter. */
export interface RcloneStore extends ObjectStore {
  readonly rclone: Rclone;
  /** True when small objects go through direct signed requests rather than rclone. */
  readonly directSmallObjects: boolean;
  /** True when uploads send their small files as direct PUTs (see `directUploads`). */
  readonly directUploads: boolean;
}

/** Direct-request target for create-only PUTs, or null when there are no explicit keys. */
function directTarget(remote: RcloneRemote): S3Target | null {
  if (!hasExplicitKeys(remote)) return null;
  const region = remote.region ?? 'us-east-1';
  const endpoint =
    remote.endpoint ??
    (remote.provider === 'AWS' ? `https://s3.${region}.amazonaws.com` : undefined);
  const location = normaliseBucketLocation(remote.bucket);
  if (!endpoint || !location) return null;
  const [bucket = '', ...rest] = location.split('/');
  return {
    endpoint,
    region,
    accessKey: remote.accessKey,
    secretKey: remote.secretKey,
    bucket,
    keyPrefix: rest.length > 0 ? `${rest.join('/')}/` : '',
  };
}

/** Creates the rclone-backed ObjectStore for `options.remote`. */
export function createRcloneStore(options: RcloneStoreOptions): RcloneStore {
  const rclone = createRclone(options);
  const direct = directTarget(options.remote);
  const conditionalPut = Boolean(options.conditionalPut) && direct !== null;
  const extra = prepareExtraFlags(options.tuning?.flags ?? []);
  const redact = createRedactor([
    options.remote.accessKey,
    options.remote.secretKey,
    ...extra.secrets,
  ]);
  const requestMs = options.timeouts?.requestMs ?? 120_000;
  const description = rclone.description;
  const small = directSmallObjects(options, extra, direct, redact, description);
  // Create-only PUTs need signed requests: the small-object client, or a plain one without it.
  const conditional = !conditionalPut
    ? null
    : (small ??
      (direct ? plainDirectClient(direct, requestMs, redact, description, options.logger) : null));

  const uploadFlag = rcloneOnlyUploadFlag(extra.argv);
  if (small && uploadFlag !== null && options.directUploads !== false)
    options.logger?.info?.('uploads go through rclone: a flag shapes the transfer', {
      flag: uploadFlag,
    });
  const uploader = options.directUploads !== false && uploadFlag === null ? small : null;
  const uploadConcurrency = Math.min(
    DIRECT_UPLOAD_MAX_CONCURRENCY,
    Math.max(1, options.tuning?.transfers ?? 4),
  );

  const preconditionFailed = (key: string): never => {
    throw rcloneError(
      RcloneErrorCodes.preconditionFailed,
      `${description} '${key}' already exists`,
      {
        exitCode: null,
        stderrTail: [],
      },
    );
  };

  const headKey = async (key: string, call?: StoreCallOptions): Promise<RemoteObject | null> => {
    if (small) {
      const found = await small.head(key, call?.signal);
      return found ? { key, ...found } : null;
    }
    const entry = await rclone.stat(key, call);
    return entry ? { key, size: entry.size, modTime: entry.modTime } : null;
  };

  return {
    description,
    capabilities: { conditionalPut },
    rclone,
    directSmallObjects: small !== null,
    directUploads: uploader !== null,

    async list(prefix, call) {
      const entries = await rclone.list(prefix, call);
      return entries.map((e): RemoteObject => ({ key: e.key, size: e.size, modTime: e.modTime }));
    },

    head: headKey,

    async getSmall(key, call?: GetSmallOptions) {
      const maxBytes = call?.maxBytes;
      if (small) return small.get(key, call?.signal, maxBytes);
      const body = await rclone.cat(
        key,
        maxBytes === undefined ? call : { ...call, maxBytes: maxBytes + 1 },
      );
      if (body !== null && maxBytes !== undefined && body.byteLength > maxBytes)
        throw tooLargeError(`${key} in ${description}`, maxBytes);
      return body;
    },

    async putSmall(key, body, call?: PutOptions) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      if (!call?.ifNoneMatch)
        return small ? small.put(key, bytes, call?.signal) : rclone.rcat(key, bytes, call);
      if (conditional) {
        const outcome = await conditional.putIfAbsent(key, bytes, call.signal);
        if (outcome === 'created') return;
        if (outcome === 'exists') return preconditionFailed(key);
        // A 5xx: Ceph's answer to a losing race. If the key exists now, we lost.
        if ((await headKey(key, call)) !== null) return preconditionFailed(key);
        throw rcloneError(
          RcloneErrorCodes.other,
          `create-only write of ${description} '${key}' failed with a server error`,
          {
            exitCode: null,
            stderrTail: [],
          },
        );
      }
      // Not atomic: check, then write.
      if ((await headKey(key, call)) !== null) return preconditionFailed(key);
      return small ? small.put(key, bytes, call.signal) : rclone.rcat(key, bytes, call);
    },

    // The port's per-transfer deadline is the rclone call's timeout (and bounds the direct PUTs).
    uploadFiles(localDir, files, remotePrefix, call) {
      if (!uploader || files.length === 0)
        return rclone.copyFilesUp(localDir, files, remotePrefix, withDeadline(call));
      return uploadSplit({
        localDir,
        files,
        remotePrefix,
        client: uploader,
        concurrency: uploadConcurrency,
        description,
        viaRclone: (large, c) => rclone.copyFilesUp(localDir, large, remotePrefix, withDeadline(c)),
        call,
      });
    },

    downloadFiles(remotePrefix, keys, localDir, call) {
      return rclone.copyFilesDown(remotePrefix, keys, localDir, withDeadline(call));
    },

    // Direct: DeleteObjects, 1000 keys a request (gc and retention deletes included).
    delete(keys, call) {
      return small ? small.delete(keys, call?.signal) : rclone.delete(keys, call);
    },

    multipart: {
      list: (call) => rclone.listMultipartUploads('', call),
      abortOlderThan: (olderThanMs, call) => rclone.cleanupMultipartUploads('', olderThanMs, call),
    },
  };
}

/**
 * A direct client with rclone's default timeouts and no extra PUT headers, for create-only PUTs
 * when small objects stay on rclone.
 */
function plainDirectClient(
  target: S3Target,
  requestMs: number,
  redact: Redactor,
  description: string,
  logger: RcloneStoreOptions['logger'],
): DirectS3 {
  return createDirectS3({
    ...target,
    putHeaders: {},
    requestMs,
    responseMs: 360_000,
    attempts: 3,
    redact,
    description,
    logger,
  });
}

/** The direct small-object client for this store, or null when it stays on rclone (and why is logged). */
function directSmallObjects(
  options: RcloneStoreOptions,
  extra: PreparedFlags,
  direct: S3Target | null,
  redact: Redactor,
  description: string,
): DirectS3 | null {
  if (options.directSmallObjects === false || direct === null) return null;
  // Secret options in the environment (SSE-C, KMS) are rclone's to apply; the direct path cannot.
  const flags = directFlagSettings(extra.argv);
  const unsupported = extra.moved[0] ?? flags.unsupported;
  if (unsupported !== null) {
    options.logger?.info?.(
      'small objects go through rclone: extra flag not understood by the direct path',
      { flag: redact(unsupported) },
    );
    return null;
  }
  const requestMs = options.timeouts?.requestMs ?? 120_000;
  // rclone's defaults: --contimeout 1m, --timeout 5m, --low-level-retries 10.
  const responseMs = (flags.connectMs ?? 60_000) + (flags.responseMs ?? 300_000);
  return createDirectS3({
    ...direct,
    putHeaders: flags.putHeaders,
    requestMs,
    responseMs,
    attempts: Math.max(1, Math.min(3, flags.lowLevelRetries ?? 3)),
    redact,
    description,
    logger: options.logger,
  });
}

/**
 * Finds out whether the store really enforces `If-None-Match: *` by writing a probe object twice
 * (then deleting it). False without explicit keys, since only signed direct requests can send it.
 */
export async function probeConditionalPut(
  options: RcloneOptions,
  call: { signal?: AbortSignal | undefined } = {},
): Promise<boolean> {
  const direct = directTarget(options.remote);
  if (!direct) return false;
  const rclone = createRclone(options);
  const redact = createRedactor([options.remote.accessKey, options.remote.secretKey]);
  const key = `.feldera-sync-probe-${randomUUID()}`;
  const body = new TextEncoder().encode('probe');
  const timeoutMs = options.timeouts?.requestMs ?? 120_000;
  const s3 = plainDirectClient(direct, timeoutMs, redact, 'the probed bucket', undefined);
  try {
    if ((await s3.putIfAbsent(key, body, call.signal)) !== 'created') return false;
    return (await s3.putIfAbsent(key, body, call.signal)) === 'exists';
  } finally {
    await rclone.delete([key], { signal: call.signal }).catch(() => undefined);
  }
}

/** Port transfer options as rclone call options: `deadlineMs` becomes the call's `timeoutMs`. */
function withDeadline(call: TransferOptions | undefined): RcloneTransferOptions | undefined {
  if (call?.deadlineMs === undefined) return call;
  const { deadlineMs, ...rest } = call;
  return { ...rest, timeoutMs: deadlineMs };
}
