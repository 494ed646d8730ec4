import { defineConfig } from 'vitest/config';

// Tests run on sources: workspace packages resolve through the `@feldera-sync/source` condition.
export default defineConfig({
  resolve: { conditions: ['@feldera-sync/source'] },
  ssr: { resolve: { conditions: ['@feldera-sync/source'] } },
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
