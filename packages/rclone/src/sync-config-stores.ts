import type { ObjectStore } from '@feldera-sync/checkpoint';
import type { SyncConfig } from '@feldera-sync/config';
import { tuningFromSyncConfig } from './argv.js';
import type { RcloneTuning } from './argv.js';
import type { RcloneRemote } from './remote.js';
import { createRcloneStore } from './store.js';

/** What it takes to open one bucket location of a sync config. */
export interface StoreRequest {
  remote: RcloneRemote;
  tuning: RcloneTuning;
  /** The environment rclone inherits. */
  env: Readonly<Record<string, string | undefined>>;
  /** Create-only writes (`owner.json`) may rely on `If-None-Match: *` (see `conditionalPutFor`). */
  conditionalPut: boolean;
}

/** Opens an ObjectStore for one location; the default uses rclone, tests inject an in-memory store. */
export type StoreFactory = (request: StoreRequest) => ObjectStore;

/** Static credentials that replace the config's `access_key` / `secret_key` (the CLI reads them from its environment). */
export interface StoreCredentials {
  accessKey?: string | undefined;
  secretKey?: string | undefined;
}

/** The rclone-backed store factory, running `binary`. */
export function rcloneStoreFactory(binary: string): StoreFactory {
  return ({ remote, tuning, env, conditionalPut }) =>
    createRcloneStore({ binary, remote, tuning, env, conditionalPut });
}

/**
 * Whether a sync config's store enforces `If-None-Match: *`: real stores (Ceph RGW, AWS S3, MinIO)
 * do; `Other` covers s3rver and unknown servers, which may ignore it, so they get check-then-put.
 */
export function conditionalPutFor(sync: Pick<SyncConfig, 'provider'>): boolean {
  return sync.provider !== 'Other';
}

/** The rclone remote for `bucket` (the config's `bucket` or `read_bucket`) with the given credentials. */
export function remoteFromSyncConfig(
  sync: SyncConfig,
  bucket: string,
  credentials: StoreCredentials,
): RcloneRemote {
  return {
    provider: sync.provider,
    bucket,
    ...(sync.endpoint ? { endpoint: sync.endpoint } : {}),
    ...(sync.region ? { region: sync.region } : {}),
    ...(credentials.accessKey !== undefined
      ? { accessKey: credentials.accessKey, secretKey: credentials.secretKey }
      : {}),
  };
}

/** How `openSyncStores` opens the locations. */
export interface OpenSyncStoresOptions {
  factory: StoreFactory;
  /** Default: the config's `access_key` / `secret_key`. */
  credentials?: StoreCredentials | undefined;
  /** Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The stores a sync config names: `bucket`, and `read_bucket` when set. */
export interface SyncStores {
  store: ObjectStore;
  readStore: ObjectStore | undefined;
}

/**
 * Opens a sync config's `bucket` (and `read_bucket` when set): the one store wiring the server and
 * the CLI share, so both talk to a bucket with the same remote, tuning and write semantics.
 */
export function openSyncStores(sync: SyncConfig, options: OpenSyncStoresOptions): SyncStores {
  const credentials = options.credentials ?? {
    accessKey: sync.access_key ?? undefined,
    secretKey: sync.secret_key ?? undefined,
  };
  const tuning = tuningFromSyncConfig(sync);
  const env = options.env ?? process.env;
  const conditionalPut = conditionalPutFor(sync);
  const open = (bucket: string): ObjectStore =>
    options.factory({
      remote: remoteFromSyncConfig(sync, bucket, credentials),
      tuning,
      env,
      conditionalPut,
    });
  return {
    store: open(sync.bucket),
    readStore: sync.read_bucket ? open(sync.read_bucket) : undefined,
  };
}
