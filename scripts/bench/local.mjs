// Target 7: local limits for reference: `cp -r` of the same bytes, raw disk with O_DIRECT, and
// one core's SHA-256 / MD5 rate in Node (the hashing budget).
import { createHash, randomFillSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GiB, MiB, now, runOk } from './util.mjs';

export async function localLimits(dataDir, dataBytes, tmp, { quick }) {
  const out = {};
  const dst = join(tmp, 'cp-copy');
  let t = now();
  await runOk('cp', ['-r', dataDir, dst]);
  await runOk('sync', ['-f', dst]);
  out.cp = { ms: now() - t, bytes: dataBytes };
  await rm(dst, { recursive: true, force: true });

  const ddFile = join(tmp, 'dd.bin');
  const count = quick ? 64 : 256; // 4 MiB blocks
  t = now();
  await runOk('dd', [
    'if=/dev/zero',
    `of=${ddFile}`,
    'bs=4M',
    `count=${count}`,
    'oflag=direct',
    'conv=fsync',
    'status=none',
  ]);
  out.diskWrite = { ms: now() - t, bytes: count * 4 * MiB };
  t = now();
  await runOk('dd', [`if=${ddFile}`, 'of=/dev/null', 'bs=4M', 'iflag=direct', 'status=none']);
  out.diskRead = { ms: now() - t, bytes: count * 4 * MiB };
  await rm(ddFile, { force: true });

  const buf = Buffer.allocUnsafe(64 * MiB);
  randomFillSync(buf);
  const hashBytes = quick ? 256 * MiB : GiB;
  for (const alg of ['sha256', 'md5']) {
    const h = createHash(alg);
    t = now();
    for (let done = 0; done < hashBytes; done += buf.length) h.update(buf);
    h.digest();
    out[alg] = { ms: now() - t, bytes: hashBytes };
  }
  return out;
}
