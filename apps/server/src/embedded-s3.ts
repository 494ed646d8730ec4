import { mkdir } from 'node:fs/promises';
// @ts-expect-error -- s3rver ships no types; `S3rverConstructor` below describes what we use.
import S3rverUntyped from 's3rver';

type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => { run(): Promise<{ port: number }>; close(): Promise<void> };
const S3rver = S3rverUntyped as S3rverConstructor;

/** An in-process S3-compatible store (s3rver) on 127.0.0.1, for the demo and single-machine use. */
export interface EmbeddedS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 with one bucket. s3rver accepts its well-known demo keys only; it
 * ignores conditional PUT headers, and its delimiter listing is incomplete (the rclone adapter
 * always lists with `--fast-list`, which avoids that).
 */
export async function startEmbeddedS3(options: {
  directory: string;
  port?: number;
  bucket?: string;
}): Promise<EmbeddedS3> {
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  const bucket = options.bucket ?? 'feldera-sync';
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    bucket,
    close: () => server.close(),
  };
}
