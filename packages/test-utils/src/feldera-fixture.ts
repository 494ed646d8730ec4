import { cp } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The committed storage directory written by hand from Feldera's sources (see its README). */
export const FELDERA_FIXTURE_DIR = fileURLToPath(
  new URL('../fixtures/feldera-storage/storage/', import.meta.url),
);

/** The fixture's checkpoints, oldest first, as its README describes them. */
export const FELDERA_FIXTURE = {
  /** V1 `dependencies.json` (bare array). */
  v1: '01937f84-5800-7a3c-9e01-5d2b8c4f0a11',
  /** V2 without `state_files`. */
  v2NoStateFiles: '01937f85-4260-7b41-8f22-6e3c9d5a1b22',
  /** Complete V2; the root `state.json` is its copy. */
  complete: '01937f86-2cc0-7c52-a033-7f4dae6b2c33',
  /** Catalogued inside the commit window: no `state.json` yet. */
  commitWindow: '01937f87-1720-7d63-b144-805ebf7c3d44',
  fingerprint: 17361719284930715834n,
  /** Root entries Feldera keeps that belong to no checkpoint. */
  keptRootEntries: ['steps.bin', 'status.json', 'feldera.pidlock', 'datafusion-tmp', 'coordinator'],
} as const;

/** Copies the fixture into `target` (created), so tests never change the committed files. */
export async function copyFelderaFixture(target: string): Promise<string> {
  await cp(FELDERA_FIXTURE_DIR, target, { recursive: true, preserveTimestamps: true });
  return target;
}
