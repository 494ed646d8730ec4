#!/usr/bin/env node
import { processIo } from './io.js';
import { main } from './program.js';

// The process edge: run, then let the event loop drain so output is flushed before exiting.
main(process.argv, processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`feldera-sync: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
