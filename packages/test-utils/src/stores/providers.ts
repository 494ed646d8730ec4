import { cephServer, ensureCeph } from './ceph.js';
import type { S3Server } from './s3-target.js';
import { startS3rver } from './s3rver.js';

/** One store of the provider matrix: `describe.skipIf(p.skipReason)` then `await p.start()` in `beforeAll`. */
export interface S3Provider {
  name: 'ceph' | 's3rver';
  /** Why this store cannot be used here (never set in CI, where a missing store throws). */
  skipReason: string | undefined;
  start(): Promise<S3Server>;
}

/** The provider matrix for `describe.each`: Ceph RGW (started if needed) and an in-process s3rver. */
export async function s3Providers(
  options: { only?: readonly ('ceph' | 's3rver')[] } = {},
): Promise<S3Provider[]> {
  const wanted = options.only ?? ['ceph', 's3rver'];
  const out: S3Provider[] = [];
  if (wanted.includes('ceph')) {
    const status = await ensureCeph();
    out.push({
      name: 'ceph',
      skipReason: status.available ? undefined : status.reason,
      start: () =>
        status.available
          ? Promise.resolve(cephServer(status.target))
          : Promise.reject(new Error(status.reason)),
    });
  }
  if (wanted.includes('s3rver'))
    out.push({ name: 's3rver', skipReason: undefined, start: startS3rver });
  return out;
}
