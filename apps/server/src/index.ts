export { buildApp, parseIngressBody } from './app.js';
export type { AppOptions } from './app.js';
export { runServer, demoWalkthrough } from './run-server.js';
export type { ServerOptions, RunningServer } from './run-server.js';
export {
  API_ERRORS,
  API_ERROR_STATUS,
  ApiErrorCodes,
  ERROR_ANSWERS,
  FastifyErrorCodes,
  ServerErrorCodes,
  toApiError,
} from './api-errors.js';
export type {
  ApiErrorCode,
  ApiErrorBody,
  FastifyErrorCode,
  ServerErrorCode,
  ServerKnownErrorCode,
} from './api-errors.js';
export type * from './pipeline-service.js';
export type * from './recovery-view.js';
export type * from './recovery-history.js';
