import { describe } from 'vitest';
import { createMemoryObjectStore } from '@feldera-sync/checkpoint';
import { s3Providers } from '@feldera-sync/test-utils';
import type { S3Server } from '@feldera-sync/test-utils';
import { createRcloneStore } from './index.js';
import { describeObjectStoreConformance } from './test-support/object-store-conformance.js';

// Low cutoffs so the round trip's two 12-16 MiB files go multipart up and multi-thread down.
const tuning = {
  transfers: 8,
  checkers: 8,
  multiThreadStreams: 4,
  multiThreadCutoff: '8M',
  uploadConcurrency: 4,
  flags: ['--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M'],
};

describeObjectStoreConformance('memory fake', () =>
  Promise.resolve({ store: createMemoryObjectStore(), dispose: () => Promise.resolve() }),
);

const providers = await s3Providers();

// Every provider with direct small-object requests (the default), and the first one once more
// with every request through rclone.
const runs = [
  ...providers.map((provider) => ({ provider, direct: true })),
  ...providers.slice(0, 1).map((provider) => ({ provider, direct: false })),
];

for (const { provider, direct } of runs) {
  const label = direct ? provider.name : `${provider.name}, directSmallObjects off`;
  describe.skipIf(provider.skipReason)(`rclone store on ${label}`, () => {
    let server: S3Server | undefined;
    describeObjectStoreConformance(`rclone on ${label}`, async () => {
      server ??= await provider.start();
      const bucket = await server.createBucket();
      const store = createRcloneStore({
        remote: {
          provider: bucket.provider,
          endpoint: bucket.endpoint,
          region: bucket.region,
          accessKey: bucket.accessKey,
          secretKey: bucket.secretKey,
          bucket: `${bucket.bucket}/pipelines/p1`,
        },
        tuning,
        conditionalPut: bucket.conditionalPut,
        directSmallObjects: direct,
        timeouts: { requestMs: 30_000, transferMs: 120_000 },
      });
      return { store, dispose: () => bucket.remove() };
    });
  });
}
