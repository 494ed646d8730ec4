// A push from a fresh Node process, as `feldera-sync push` or a restarted server makes it: only
// the persistent hash cache beside the storage directory survives from earlier pushes. Run by
// transfer.mjs; prints one JSON line: the push's own time, the bytes read from the storage
// directory's block device during the push by every process (rclone too; the caller has dropped the
// storage files from the page cache first), this process's rchar (page cache and sockets
// included, module loading excluded) and the result.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createSynchronizer } from '../../packages/sync/dist/index.js';
import { productStore } from './stores.mjs';
import { deviceReadBytes } from './util.mjs';

const rchar = () => Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))[1]);
const job = JSON.parse(process.argv[2]);
const ps = productStore(job.target, job.location, { binary: job.binary });
const sync = createSynchronizer({
  storageDir: job.storageDir,
  store: ps.store,
  pipeline: job.pipeline,
  retention: { minCount: 10, minAgeDays: 30 },
  checkers: 20,
});
const io0 = rchar();
const disk0 = deviceReadBytes(job.storageDir);
const t0 = performance.now();
const r = await sync.push(job.uuid);
const ms = performance.now() - t0;
const readBytes = rchar() - io0;
const diskReadBytes = deviceReadBytes(job.storageDir) - disk0;
await sync.close();
process.stdout.write(
  JSON.stringify({
    ms,
    readBytes,
    diskReadBytes,
    bytes: r.bytes,
    objects: r.objects,
    skipped: r.skippedObjects,
    calls: ps.snapshot(),
  }) + '\n',
);
