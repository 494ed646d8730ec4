import type { AddressInfo } from 'node:net';
// @ts-expect-error -- s3rver ships no types; `S3rverConstructor` below describes what we use.
import S3rverUntyped from 's3rver';
import { createTestBucket } from './bucket.js';
import type { S3Server, S3Target } from './s3-target.js';
import { makeTempDir } from './temp-dir.js';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  resetOnClose: boolean;
}) => S3rverInstance;
const S3rver = S3rverUntyped as S3rverConstructor;

/** s3rver's fixed test credentials (it does not check signatures anyway). */
export const S3RVER_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

/**
 * Starts an in-process s3rver on 127.0.0.1 and a random port, storing into a temp dir removed by
 * `close()`. Quirks: ignores signatures and conditional headers; its delimiter listing drops
 * prefixes that hold only sub-prefixes (always list with `--fast-list`).
 */
export async function startS3rver(): Promise<S3Server> {
  const dir = await makeTempDir('feldera-sync-s3rver-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    resetOnClose: true,
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    await dir.cleanup();
    throw error;
  }
  const target: S3Target = {
    kind: 's3rver',
    provider: 'Other',
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    ...S3RVER_CREDENTIALS,
    conditionalPut: false,
    checksSignatures: false,
  };
  let closed = false;
  return {
    ...target,
    createBucket: () => createTestBucket(target),
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await dir.cleanup();
    },
  };
}
