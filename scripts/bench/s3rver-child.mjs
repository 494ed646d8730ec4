// s3rver in its own process, so its CPU is measured apart from the benchmark's (and the
// synchroniser's event loop is not shared with the store). Prints one JSON line with its target.
import { startS3rver } from '../../packages/test-utils/dist/index.js';

const server = await startS3rver();
const { createBucket, close, ...target } = server;
void createBucket;
process.stdout.write(JSON.stringify(target) + '\n');
const stop = () => close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
