// Sums the JSON reports every package's vitest run writes to .test-results/, so CI counts real
// results rather than reading a human summary. Prints `N passed, N failed` as the last line.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0,
  failed = 0,
  skipped = 0,
  reports = 0;
const problems = [];
for (const group of ['packages', 'apps']) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const pkg of readdirSync(groupDir)) {
    const dir = join(groupDir, pkg, '.test-results');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      reports++;
      const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      passed += r.numPassedTests ?? 0;
      failed += r.numFailedTests ?? 0;
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      // A suite that failed to load counts as a failure even when it reported no test.
      for (const suite of r.testResults ?? []) {
        if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) {
          failed++;
          problems.push(
            `${group}/${pkg}: ${suite.name} failed to run: ${String(suite.message ?? '').split('\n')[0]}`,
          );
        }
      }
    }
  }
}
for (const p of problems) console.log(p);
console.log(`${reports} test reports read`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || reports === 0 ? 1 : 0);
