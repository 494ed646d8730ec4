export { createRclone } from './rclone.js';
export type { Rclone, RcloneOptions, RcloneCallOptions, RcloneTransferOptions } from './rclone.js';
export { createRcloneStore, probeConditionalPut } from './store.js';
export { DIRECT_UPLOAD_MAX_BYTES } from './direct-upload.js';
export type { RcloneStore, RcloneStoreOptions } from './store.js';
export type { RcloneRemote } from './remote.js';
export { describeRemote, validateRemote, buildRcloneEnv } from './remote.js';
export { tuningFromSyncConfig, buildArgv } from './argv.js';
export type { RcloneTuning, SyncTuningConfig } from './argv.js';
export { RcloneErrorCodes } from './errors.js';
export type { RcloneErrorCode, RcloneErrorDetails } from './errors.js';
export type { RcloneLogger } from './logger.js';
export { parseRcloneLogLine } from './log-line.js';
export type { RcloneLogLine } from './log-line.js';
export { classifyRcloneFailure } from './classify.js';
export type { RcloneFailure } from './classify.js';
export { createRedactor } from './redact.js';
export type { Redactor } from './redact.js';
export type { RcloneCheckReport, RcloneEntry, RcloneVersion } from './parse-output.js';
export { signV4 } from './s3/sign.js';
export type { SigV4Request } from './s3/sign.js';
export {
  conditionalPutFor,
  openSyncStores,
  rcloneStoreFactory,
  remoteFromSyncConfig,
} from './sync-config-stores.js';
export type {
  OpenSyncStoresOptions,
  StoreCredentials,
  StoreFactory,
  StoreRequest,
  SyncStores,
} from './sync-config-stores.js';
