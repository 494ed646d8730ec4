import { describe, expect, it } from 'vitest';
import type { MergePolicy, SpineBatch } from './merge-policy.js';
import { DEFAULT_MERGE_POLICY, batchTier, mergeBudget, planMerge } from './merge-policy.js';

const KiB = 1024;
let counter = 0;
function batch(bytes: number): SpineBatch {
  counter += 1;
  return {
    file: `w0-${String(counter).padStart(8, '0')}-0000-7000-8000-000000000000.feldera`,
    entries: 1,
    bytes,
  };
}

/** Simulates a table fed `steps` batches of `stepBytes`, merging after each step as the engine does. */
function simulate(steps: number, stepBytes: number, policy: MergePolicy = DEFAULT_MERGE_POLICY) {
  let spine: SpineBatch[] = [];
  let maxFiles = 0;
  let worstShare = 1;
  for (let i = 0; i < steps; i += 1) {
    const before = spine.reduce((s, b) => s + b.bytes, 0);
    const old = new Set(spine);
    spine.push(batch(stepBytes));
    let budget = mergeBudget(before, policy);
    let rewritten = 0;
    for (let guard = spine.length; guard > 0; guard -= 1) {
      const group = planMerge(spine, budget, policy);
      if (group === null) break;
      const bytes = group.reduce((s, b) => s + b.bytes, 0);
      spine = spine.filter((b) => !group.includes(b));
      spine.push(batch(bytes));
      budget -= bytes;
      // Only files the previous checkpoint had count: the new step's batch was never shared.
      rewritten += group.filter((b) => old.has(b)).reduce((s, b) => s + b.bytes, 0);
    }
    if (before > 10 * policy.minRewriteBytes)
      worstShare = Math.min(worstShare, 1 - rewritten / before);
    maxFiles = Math.max(maxFiles, spine.length);
  }
  return { spine, maxFiles, worstShare };
}

describe('size-tiered merge policy', () => {
  it('puts files into tiers by size', () => {
    expect(batchTier(1, DEFAULT_MERGE_POLICY)).toBe(0);
    expect(batchTier(64 * KiB, DEFAULT_MERGE_POLICY)).toBe(0);
    expect(batchTier(64 * KiB + 1, DEFAULT_MERGE_POLICY)).toBe(1);
    expect(batchTier(256 * KiB + 1, DEFAULT_MERGE_POLICY)).toBe(2);
  });

  it('merges nothing until a tier holds fan-in files', () => {
    const spine = [batch(100), batch(100), batch(100)];
    expect(planMerge(spine, Infinity)).toBeNull();
    spine.push(batch(100));
    expect(planMerge(spine, Infinity)).toHaveLength(4);
  });

  it('merges the lowest full tier and never a big old batch with small new ones', () => {
    const big = batch(100 * 1024 * KiB);
    const spine = [big, batch(1 * KiB), batch(2 * KiB), batch(3 * KiB), batch(4 * KiB)];
    const group = planMerge(spine, mergeBudget(100 * 1024 * KiB, DEFAULT_MERGE_POLICY));
    expect(group).not.toBeNull();
    expect(group).not.toContain(big);
  });

  it('defers a merge that would exceed the budget, but not past the file-count cap', () => {
    const spine = Array.from({ length: 4 }, () => batch(100));
    expect(planMerge(spine, 399)).toBeNull();
    const crowded = Array.from({ length: DEFAULT_MERGE_POLICY.maxBatches + 1 }, () => batch(100));
    expect(planMerge(crowded, 0)).toHaveLength(DEFAULT_MERGE_POLICY.fanIn);
  });

  it('keeps the file count bounded and rewrites at most 10% per step on a growing table', () => {
    const result = simulate(3000, 200 * KiB);
    expect(result.maxFiles).toBeLessThanOrEqual(DEFAULT_MERGE_POLICY.maxBatches + 1);
    expect(result.worstShare).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps tiny steps in few files', () => {
    const result = simulate(5000, 300);
    expect(result.maxFiles).toBeLessThanOrEqual(20);
  });
});
