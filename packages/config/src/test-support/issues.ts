import { expect } from 'vitest';
import type { ConfigError, ConfigIssue } from '../config-error.js';
import type { SafeParseResult } from '../parse.js';

/** The ConfigError of a failed safe parse; fails the test when parsing succeeded. */
export function errorOf(result: SafeParseResult<object>): ConfigError {
  if (result.ok)
    throw new Error(`expected the config to be rejected, got ${JSON.stringify(result)}`);
  return result.error;
}

/** The one issue at `path` with `rule`; fails the test with every issue listed when absent. */
export function issueAt(error: ConfigError, path: string, rule: string): ConfigIssue {
  const found = error.issues.find((issue) => issue.path === path && issue.rule === rule);
  expect(found, `no ${rule} issue at ${path}; got:\n${error.message}`).toBeDefined();
  return found!;
}
