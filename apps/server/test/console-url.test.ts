// `pnpm start` (serve --embedded-s3 --demo) opens with the console's URL: the first line the
// process writes, on stdout and stderr merged as a terminal shows them, also when it restarts
// pipelines that were running.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { makeTempDir } from '@feldera-sync/test-utils';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs the server until it printed the walk-through, then stops it; answers what it wrote. */
async function firstOutput(dataDir: string): Promise<string> {
  // One pipe for both streams, as a terminal gets them.
  const child = spawn(
    'sh',
    [
      '-c',
      'exec "$0" "$1" --port 0 --data-dir "$2" --embedded-s3 --demo 2>&1',
      process.execPath,
      MAIN,
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Try it:')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await done;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return out;
}

it('prints the console URL before anything else, on a first start and on a restart', async () => {
  const dir = await makeTempDir('feldera-sync-console-url-');
  try {
    for (const run of ['first start', 'restart with running pipelines']) {
      const out = await firstOutput(dir.path);
      const lines = out.split('\n');
      expect(lines[0], `${run}: ${out.slice(0, 400)}`).toMatch(
        /^feldera-sync console: http:\/\/127\.0\.0\.1:\d+\/$/,
      );
      expect(out, run).toContain('console:  http://127.0.0.1:');
      expect(out, run).toContain('(pipelines demo and demo-standby)');
    }
  } finally {
    await dir.cleanup();
  }
});
