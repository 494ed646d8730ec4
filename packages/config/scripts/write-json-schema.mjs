// Rewrites schema/*.schema.json from the built package; `pnpm run schema` builds first.
import { mkdirSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';
import { jsonSchemaFiles } from '../dist/index.js';

const dir = new URL('../schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(jsonSchemaFiles())) {
  writeFileSync(new URL(name, dir), text);
  process.stdout.write(`wrote schema/${name}\n`);
}
