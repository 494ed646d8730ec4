export { SidecarErrorCodes } from './errors.js';
export type { SidecarErrorCode } from './errors.js';
export { initialSidecarState, retryDelayMs, sidecarTransition, sidecarView } from './plan.js';
export type {
  ObservedCheckpoint,
  SidecarConfig,
  SidecarCounters,
  SidecarEffect,
  SidecarEvent,
  SidecarState,
  SidecarView,
} from './plan.js';
export { PinMirrorErrorCodes, createPinMirror, defaultPinDir } from './pin-mirror.js';
export type { PinMirror, PinRefusal, PinResult } from './pin-mirror.js';
export { scanCatalog } from './scan.js';
export type { CatalogScan } from './scan.js';
