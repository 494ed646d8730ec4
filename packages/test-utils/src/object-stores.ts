// Object stores on 127.0.0.1 for tests: Ceph RGW (scripts/ceph-s3.sh) and in-process s3rver.
export { makeTempDir } from './stores/temp-dir.js';
export type { TempDir } from './stores/temp-dir.js';
export type { S3Server, S3Target, TestBucket } from './stores/s3-target.js';
export { createTestBucket, uniqueBucketName, rcloneEnvFor } from './stores/bucket.js';
export { startS3rver, S3RVER_CREDENTIALS } from './stores/s3rver.js';
export {
  CEPH_S3,
  CEPH_SCRIPT,
  cephGlobalSetup,
  cephServer,
  ensureCeph,
  s3Answers,
} from './stores/ceph.js';
export type { CephStatus, EnsureCephOptions } from './stores/ceph.js';
export { s3Providers } from './stores/providers.js';
export type { S3Provider } from './stores/providers.js';
export { startFaultProxy } from './stores/fault-proxy.js';
export type { Fault, FaultProxy, RequestMatch } from './stores/fault-proxy.js';
