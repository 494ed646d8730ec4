export { BIN_NAME, createProgram, main, reportError } from './program.js';
export type { CliDeps, ServeOptions, ServerHandle } from './deps.js';
export type { CliIo, CliSignal, OutputStream, SignalSubscriber } from './io.js';
export { processIo } from './io.js';
export {
  ERROR_EXIT_CATEGORIES,
  EXIT_CODE_DESCRIPTIONS,
  ExitCode,
  exitCategoryForCode,
  exitCategoryForError,
  exitCodeForErrorCode,
  formatExitCodeHelp,
} from './exit-codes.js';
export type { ExitCategory, KnownErrorCode } from './exit-codes.js';
export {
  derivePipelineSystemName,
  resolvePipelineIdentity,
  uuidv5,
  PIPELINE_ID_NAMESPACE,
} from './pipeline-identity.js';
export type { PipelineIdentity } from './pipeline-identity.js';
export { ACCESS_KEY_ENV, SECRET_KEY_ENV, resolveCredentials } from './credentials.js';
export type { StoreFactory, StoreRequest } from './stores.js';
export { CLI_VERSION } from './version.js';
