export type {
  ObjectStore,
  ObjectStoreCapabilities,
  PutOptions,
  RemoteObject,
  StoreCallOptions,
  StoreErrorCode,
  TransferOptions,
  TransferProgress,
  TransferResult,
} from './object-store.js';
export { StoreErrorCodes } from './object-store.js';
export { createMemoryObjectStore } from './memory-object-store.js';
export type { MemoryObjectStore } from './memory-object-store.js';
