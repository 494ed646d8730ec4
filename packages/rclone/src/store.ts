import { randomUUID } from 'node:crypto';
import type { ObjectStore, PutOptions, RemoteObject } from '@feldera-sync/checkpoint';
import { putIfAbsent } from './conditional-put.js';
import type { DirectS3Target } from './conditional-put.js';
import { rcloneError, RcloneErrorCodes } from './errors.js';
import { createRclone } from './rclone.js';
import type { Rclone, RcloneOptions } from './rclone.js';
import { createRedactor } from './redact.js';
import { hasExplicitKeys, normaliseBucketLocation } from './remote.js';
import type { RcloneRemote } from './remote.js';

/** Options of `createRcloneStore`. */
export interface RcloneStoreOptions extends RcloneOptions {
  /**
   * The store enforces `If-None-Match: *` atomically (Ceph RGW, AWS S3, MinIO; not s3rver). Honoured
   * only with explicit keys; see `probeConditionalPut`. Default false: check-then-put.
   */
  conditionalPut?: boolean | undefined;
}

/** The ObjectStore port implemented with rclone, plus the underlying adapter. */
export interface RcloneStore extends ObjectStore {
  readonly rclone: Rclone;
}

/** Direct-request target for create-only PUTs, or null when there are no explicit keys. */
function directTarget(remote: RcloneRemote): (DirectS3Target & { keyPrefix: string }) | null {
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
  const redact = createRedactor([options.remote.accessKey, options.remote.secretKey]);
  const requestMs = options.timeouts?.requestMs ?? 120_000;
  const description = rclone.description;

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

  return {
    description,
    capabilities: { conditionalPut },
    rclone,

    async list(prefix, call) {
      const entries = await rclone.list(prefix, call);
      return entries.map((e): RemoteObject => ({ key: e.key, size: e.size, modTime: e.modTime }));
    },

    async head(key, call) {
      const entry = await rclone.stat(key, call);
      return entry ? { key, size: entry.size, modTime: entry.modTime } : null;
    },

    getSmall(key, call) {
      return rclone.cat(key, call);
    },

    async putSmall(key, body, call?: PutOptions) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      if (!call?.ifNoneMatch) return rclone.rcat(key, bytes, call);
      if (conditionalPut && direct) {
        const outcome = await putIfAbsent(direct, direct.keyPrefix + key, bytes, {
          signal: call.signal,
          timeoutMs: requestMs,
          redact,
        });
        if (outcome === 'created') return;
        if (outcome === 'exists') return preconditionFailed(key);
        // A 5xx: Ceph's answer to a losing race. If the key exists now, we lost.
        if ((await rclone.stat(key, call)) !== null) return preconditionFailed(key);
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
      if ((await rclone.stat(key, call)) !== null) return preconditionFailed(key);
      return rclone.rcat(key, bytes, call);
    },

    uploadFiles(localDir, files, remotePrefix, call) {
      return rclone.copyFilesUp(localDir, files, remotePrefix, call);
    },

    downloadFiles(remotePrefix, keys, localDir, call) {
      return rclone.copyFilesDown(remotePrefix, keys, localDir, call);
    },

    delete(keys, call) {
      return rclone.delete(keys, call);
    },
  };
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
  try {
    const first = await putIfAbsent(direct, direct.keyPrefix + key, body, {
      signal: call.signal,
      timeoutMs,
      redact,
    });
    if (first !== 'created') return false;
    const second = await putIfAbsent(direct, direct.keyPrefix + key, body, {
      signal: call.signal,
      timeoutMs,
      redact,
    });
    return second === 'exists';
  } finally {
    await rclone.delete([key], { signal: call.signal }).catch(() => undefined);
  }
}
