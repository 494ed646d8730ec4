export {
  ConfigError,
  ConfigErrorCodes,
  ERR_CONFIG_INVALID,
  formatIssue,
  isConfigError,
} from './config-error.js';
export type { ConfigErrorCode } from './config-error.js';
export type { ConfigIssue, ConfigWarning } from './config-error.js';
export {
  detectConfigKind,
  parseConfigFile,
  parseRuntimeConfig,
  parseSyncConfig,
  safeParseConfigFile,
  safeParseRuntimeConfig,
  safeParseSyncConfig,
} from './parse.js';
export type {
  ParsedConfigFile,
  ParsedRuntimeConfig,
  ParsedSyncConfig,
  SafeParseResult,
} from './parse.js';
export { SYNC_CONFIG_KEYS, SyncConfigSchema } from './sync-config-schema.js';
export type { SyncConfig, SyncConfigInput } from './sync-config-schema.js';
export {
  DEFAULT_CHECKPOINT_INTERVAL_SECS,
  FAULT_TOLERANCE_MODELS,
  FAULT_TOLERANCE_OFF,
  FaultToleranceSchema,
  PipelineNameSchema,
  RuntimeConfigSchema,
  StorageBackendSchema,
  StorageSchema,
  periodicCheckpointIntervalSecs,
} from './runtime-config-schema.js';
export type {
  FaultTolerance,
  FaultToleranceInput,
  RuntimeConfig,
  RuntimeConfigInput,
} from './runtime-config-schema.js';
export {
  REDACTED,
  isSecretKeyName,
  redactConfig,
  redactSecrets,
  redactUrlCredentials,
} from './redact.js';
export {
  NEWER_RCLONE_S3_PROVIDERS,
  RCLONE_1_60_S3_PROVIDERS,
  S3_PROVIDERS,
  isS3Provider,
  suggestProvider,
} from './s3-providers.js';
export type { S3Provider } from './s3-providers.js';
export { rcloneKnownProviders } from './rclone-known-providers.js';
export {
  ENVIRONMENT_RCLONE_FLAGS,
  FIELD_OVERRIDING_FLAGS,
  REJECTED_RCLONE_FLAGS,
  canonicalFlagName,
  checkRcloneFlags,
  commandLineRcloneFlags,
  environmentRcloneFlags,
  maskRcloneFlags,
  rcloneFlagSecrets,
} from './rclone-flags.js';
export type {
  EnvironmentFlag,
  FlagOverride,
  FlagRejection,
  RejectedFlagRule,
} from './rclone-flags.js';
export {
  checkBucketLocation,
  normaliseBucketLocation,
  splitBucketLocation,
} from './bucket-location.js';
export type { BucketCheck, BucketProblem } from './bucket-location.js';
export { normaliseSizeSuffix, parseSizeSuffix } from './size-suffix.js';
// The timer limits live with the clock that enforces them; re-exported for existing importers.
export {
  MAX_TIMER_DELAY_MS,
  MAX_TIMER_INTERVAL_SECS,
  boundedTimerDelay,
} from '@feldera-sync/clock';
export { isUuid, normaliseCheckpointRef } from './checkpoint-ref.js';
export {
  JSON_SCHEMA_REGENERATE_COMMAND,
  RUNTIME_CONFIG_JSON_SCHEMA,
  SYNC_CONFIG_JSON_SCHEMA,
  jsonSchemaFiles,
} from './json-schema.js';
