import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The built binary (`pnpm --filter @feldera-sync/cli... build` first). */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** Throws a clear error when the binary has not been built. */
export async function assertBuilt(): Promise<void> {
  try {
    await access(BIN);
  } catch {
    throw new Error(
      `${BIN} is missing: run \`npx turbo run build --filter=@feldera-sync/cli...\` first`,
    );
  }
}

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args` to completion without throwing on a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { env, timeout: timeoutMs, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the built CLI with node. */
export function runBin(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs?: number,
): Promise<BinResult> {
  return run(process.execPath, [BIN, ...args], env, timeoutMs);
}

/** What a terminal shows for `raw` output: each line after its last carriage return, clear-line codes removed. */
export function renderScreen(raw: string): string[] {
  return raw
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      return (parts.at(-1) ?? '').replaceAll('\u001b[2K', '');
    });
}

/** Quotes one word for `sh -c`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
