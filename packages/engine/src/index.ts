export type {
  CheckpointResult,
  Engine,
  EngineCallOptions,
  EngineLifecycle,
  EngineStatus,
  IngestInput,
  StepResult,
  TableChanges,
  TableSnapshot,
} from './engine.js';
export { createReferenceEngine, openReferenceEngine } from './reference-engine.js';
export type { ReferenceEngineOptions } from './reference-engine.js';
export type { Clock as EngineClock } from '@feldera-sync/clock';
export { systemClock } from '@feldera-sync/clock';
export { EngineErrorCodes } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export { canonicalJson } from './canonical-json.js';
export type { JsonValue } from './canonical-json.js';
export { hashTable } from './table-hash.js';
export { DEFAULT_MERGE_POLICY, batchTier, mergeBudget, planMerge } from './merge-policy.js';
export type { MergePolicy, SpineBatch } from './merge-policy.js';
export { ENGINE_STATE_FORMAT, parseEngineState } from './engine-state.js';
export type { EngineState } from './engine-state.js';
export { BATCH_FORMAT, BATCH_FORMAT_VERSION, readBatchFile, writeBatchFile } from './batch-file.js';
export type { BatchHeader, WrittenBatch } from './batch-file.js';
export { parseSpine, spineFileName } from './spine-file.js';
export type { SpineFile } from './spine-file.js';
