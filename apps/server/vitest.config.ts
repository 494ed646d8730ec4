import { defineConfig } from 'vitest/config';

// Tests run on sources: workspace packages resolve through the `@feldera-sync/source` condition.
// The acceptance suite spawns the built server (dist/main.js) and uses Ceph RGW on 127.0.0.1.
export default defineConfig({
  resolve: { conditions: ['@feldera-sync/source'] },
  ssr: { resolve: { conditions: ['@feldera-sync/source'] } },
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['./test/global-setup.ts'],
    fileParallelism: false,
  },
});
