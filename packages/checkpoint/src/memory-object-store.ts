/* eslint-disable @typescript-eslint/require-await -- methods are async so that failures reject, as a real store's do, instead of throwing synchronously */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SyncError, throwIfAborted } from '@feldera-sync/errors';
import type {
  GetSmallOptions,
  ObjectStore,
  PutOptions,
  RemoteObject,
  StoreCallOptions,
  TransferOptions,
  TransferResult,
} from './object-store.js';
import { StoreErrorCodes, tooLargeError } from './object-store.js';

/** An ObjectStore fake that also counts requests, for tests of code that uses the port. */
export interface MemoryObjectStore extends ObjectStore {
  /** The stored objects by key. Mutate it in tests to simulate damage. */
  readonly objects: Map<string, Uint8Array>;
  /** How many calls of each operation were made. */
  readonly calls: Record<
    'list' | 'head' | 'getSmall' | 'putSmall' | 'uploadFiles' | 'downloadFiles' | 'delete',
    number
  >;
}

/** Creates an in-memory ObjectStore that behaves like a strict S3 bucket with conditional PUT. */
export function createMemoryObjectStore(description = 'memory:'): MemoryObjectStore {
  const objects = new Map<string, Uint8Array>();
  const calls = {
    list: 0,
    head: 0,
    getSmall: 0,
    putSmall: 0,
    uploadFiles: 0,
    downloadFiles: 0,
    delete: 0,
  };
  const check = (options?: StoreCallOptions): void =>
    throwIfAborted(options?.signal, `${description} request`);

  return {
    description,
    capabilities: { conditionalPut: true },
    objects,
    calls,
    async list(prefix: string, options?: StoreCallOptions): Promise<RemoteObject[]> {
      calls.list++;
      check(options);
      const out: RemoteObject[] = [];
      for (const [key, body] of objects)
        if (key.startsWith(prefix)) out.push({ key, size: body.byteLength });
      out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return out;
    },
    async head(key: string, options?: StoreCallOptions): Promise<RemoteObject | null> {
      calls.head++;
      check(options);
      const body = objects.get(key);
      return body ? { key, size: body.byteLength } : null;
    },
    async getSmall(key: string, options?: GetSmallOptions): Promise<Uint8Array | null> {
      calls.getSmall++;
      check(options);
      const body = objects.get(key);
      if (body && options?.maxBytes !== undefined && body.byteLength > options.maxBytes)
        throw tooLargeError(`${description}${key}`, options.maxBytes);
      return body ? new Uint8Array(body) : null;
    },
    async putSmall(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
      calls.putSmall++;
      check(options);
      if (options?.ifNoneMatch && objects.has(key)) {
        throw new SyncError(
          StoreErrorCodes.preconditionFailed,
          `${description}${key} already exists`,
        );
      }
      objects.set(
        key,
        typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body),
      );
    },
    async uploadFiles(
      localDir,
      files,
      remotePrefix,
      options?: TransferOptions,
    ): Promise<TransferResult> {
      calls.uploadFiles++;
      const started = Date.now();
      let bytes = 0;
      for (const file of files) {
        check(options);
        const body = new Uint8Array(await readFile(join(localDir, file)));
        objects.set(remotePrefix + file, body);
        bytes += body.byteLength;
        options?.onObjectDone?.(file);
      }
      return { bytes, objects: files.length, durationMs: Date.now() - started };
    },
    async downloadFiles(
      remotePrefix,
      keys,
      localDir,
      options?: TransferOptions,
    ): Promise<TransferResult> {
      calls.downloadFiles++;
      const started = Date.now();
      let bytes = 0;
      for (const key of keys) {
        check(options);
        const body = objects.get(remotePrefix + key);
        if (!body) {
          throw new SyncError(
            StoreErrorCodes.notFound,
            `${description}${remotePrefix}${key} does not exist`,
          );
        }
        const target = join(localDir, key);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, body);
        bytes += body.byteLength;
        options?.onObjectDone?.(key);
      }
      return { bytes, objects: keys.length, durationMs: Date.now() - started };
    },
    async delete(keys: readonly string[], options?: StoreCallOptions): Promise<void> {
      calls.delete++;
      check(options);
      for (const key of keys) objects.delete(key);
    },
  };
}
