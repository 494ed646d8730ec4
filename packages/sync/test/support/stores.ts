import type { ObjectStore } from '@feldera-sync/checkpoint';
import { createRcloneStore } from '@feldera-sync/rclone';
import type { TestBucket } from '@feldera-sync/test-utils';

/** An rclone-backed store for a test bucket (optionally with a prefix or other credentials). */
export function storeFor(
  bucket: TestBucket,
  overrides: { prefix?: string; secretKey?: string } = {},
): ObjectStore {
  return createRcloneStore({
    remote: {
      provider: bucket.provider,
      endpoint: bucket.endpoint,
      region: bucket.region,
      accessKey: bucket.accessKey,
      secretKey: overrides.secretKey ?? bucket.secretKey,
      bucket: overrides.prefix ? `${bucket.bucket}/${overrides.prefix}` : bucket.bucket,
    },
    conditionalPut: bucket.conditionalPut,
  });
}
