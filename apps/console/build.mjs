// Builds the console into dist/: one bundled script, one stylesheet (uPlot's included), the page,
// and the licence of what the bundle carries. Takes well under a second.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('./', import.meta.url);
const dist = new URL('dist/', root);
const started = Date.now();
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  absWorkingDir: root.pathname,
  entryPoints: { app: 'src/main.ts' },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'none',
  banner: {
    js: '/* feldera-sync console; bundled third-party code: /ui/THIRD-PARTY-LICENSES.txt */',
  },
  outdir: dist.pathname,
  logLevel: 'warning',
});
await build({
  absWorkingDir: root.pathname,
  entryPoints: { app: 'src/app.css' },
  bundle: true,
  minify: true,
  outdir: dist.pathname,
  logLevel: 'warning',
});
await copyFile(new URL('src/index.html', root), new URL('index.html', dist));
const require = createRequire(import.meta.url);
const uplotLicense = await readFile(require.resolve('uplot/LICENSE'), 'utf8');
const uplotVersion = JSON.parse(
  await readFile(require.resolve('uplot/package.json'), 'utf8'),
).version;
await writeFile(
  new URL('THIRD-PARTY-LICENSES.txt', dist),
  `The console bundles uPlot ${uplotVersion} (https://github.com/leeoniya/uPlot):\n\n${uplotLicense}`,
);
process.stdout.write(`console built in ${Date.now() - started} ms\n`);
