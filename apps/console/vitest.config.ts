import { defineConfig } from 'vitest/config';

// The console's pure modules (formatting, view model, timeline data, poll schedule, actions) run
// in Node; the page itself is tested in Chromium by the server's console tests.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    include: ['src/**/*.test.ts'],
  },
});
