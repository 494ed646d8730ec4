/**
 * Error codes of the server; part of the API. `ServerErrorCodes` are the server's own `SyncError`
 * codes (they travel as `details.code` of an error answer and as the CLI's `[code]`);
 * `ApiErrorCodes` are the Feldera-compatible `error_code` values of the answers; `FastifyErrorCodes`
 * are fastify's own errors that the server answers with one of those. `api-errors.ts` maps each.
 */
export const ServerErrorCodes = {
  /** No pipeline has that name. */
  unknownPipeline: 'ERR_SERVER_UNKNOWN_PIPELINE',
  /** The request is malformed (bad body, bad parameter). */
  invalidRequest: 'ERR_SERVER_INVALID_REQUEST',
  /** The pipeline cannot do that in its current state. */
  invalidTransition: 'ERR_SERVER_INVALID_TRANSITION',
  /** The request names another incarnation of the pipeline than the running one. */
  incarnationMismatch: 'ERR_SERVER_INCARNATION_MISMATCH',
  /** The operation needs a running pipeline. */
  notRunning: 'ERR_SERVER_NOT_RUNNING',
  /** A pipeline with that name exists already. */
  duplicateName: 'ERR_SERVER_DUPLICATE_NAME',
  /** The bootstrap configuration of a start is not valid. */
  invalidBootstrapConfig: 'ERR_SERVER_INVALID_BOOTSTRAP_CONFIG',
  /** The pipeline has an error that must be dismissed before it starts again. */
  undismissedError: 'ERR_SERVER_UNDISMISSED_ERROR',
  /** The operation needs a stopped pipeline. */
  notStopped: 'ERR_SERVER_NOT_STOPPED',
  /** There is no checkpoint to sync. */
  noCheckpoint: 'ERR_SERVER_NO_CHECKPOINT',
  /** The pipeline has no sync configuration. */
  syncNotConfigured: 'ERR_SERVER_SYNC_NOT_CONFIGURED',
  /** The API key is missing or wrong. */
  unauthorized: 'ERR_SERVER_UNAUTHORIZED',
  /** The request body is larger than the server accepts. */
  payloadTooLarge: 'ERR_SERVER_PAYLOAD_TOO_LARGE',
  /** No route answers that method and path. */
  routeNotFound: 'ERR_SERVER_ROUTE_NOT_FOUND',
  /** The server is shutting down and takes no new work. */
  shuttingDown: 'ERR_SERVER_SHUTTING_DOWN',
  /** A pipeline failed to start (the cause says why). */
  startFailed: 'ERR_SERVER_START_FAILED',
  /** The pipeline registry file is damaged; the server does not start. */
  registryCorrupt: 'ERR_SERVER_REGISTRY_CORRUPT',
  /** The API key file cannot be read. */
  apiKeyFile: 'ERR_SERVER_API_KEY_FILE',
  /** Listening beyond loopback needs an API key. */
  apiKeyRequired: 'ERR_SERVER_API_KEY_REQUIRED',
  /** The API key is too short. */
  apiKeyWeak: 'ERR_SERVER_API_KEY_WEAK',
} as const;

/** One of the codes in `ServerErrorCodes`. */
export type ServerErrorCode = (typeof ServerErrorCodes)[keyof typeof ServerErrorCodes];

/**
 * The `error_code` values of the server's answers: Feldera's own names where Feldera has one, so
 * Feldera's clients understand them. A contract: add, never rename.
 */
export const ApiErrorCodes = {
  UnknownPipelineName: 'UnknownPipelineName',
  UnknownTable: 'UnknownTable',
  InvalidRuntimeConfig: 'InvalidRuntimeConfig',
  InvalidRequest: 'InvalidRequest',
  InvalidTransition: 'InvalidTransition',
  IncarnationUuidMismatch: 'IncarnationUuidMismatch',
  PipelineNotRunning: 'PipelineNotRunning',
  DuplicateName: 'DuplicateName',
  InvalidBootstrapConfig: 'InvalidBootstrapConfig',
  CannotStartWithUndismissedError: 'CannotStartWithUndismissedError',
  PipelineNotStopped: 'PipelineNotStopped',
  NoCheckpointToSync: 'NoCheckpointToSync',
  SyncNotConfigured: 'SyncNotConfigured',
  CheckpointNotFound: 'CheckpointNotFound',
  BucketOwnedByAnotherPipeline: 'BucketOwnedByAnotherPipeline',
  ObjectStoreAuth: 'ObjectStoreAuth',
  ObjectStoreUnavailable: 'ObjectStoreUnavailable',
  IntegrityError: 'IntegrityError',
  InsufficientStorage: 'InsufficientStorage',
  StorageFailure: 'StorageFailure',
  StorageInUse: 'StorageInUse',
  Unauthorized: 'Unauthorized',
  PayloadTooLarge: 'PayloadTooLarge',
  NotFound: 'NotFound',
  ShuttingDown: 'ShuttingDown',
  Cancelled: 'Cancelled',
  InternalError: 'InternalError',
} as const satisfies { [K in string]: K };

/** The `error_code` values the API can answer. */
export type ApiErrorCode = (typeof ApiErrorCodes)[keyof typeof ApiErrorCodes];

/**
 * Fastify's own error codes that reach the server's error handlers (routing, body parsing,
 * limits, schema validation). An `FST_` code not listed answers by its HTTP status class.
 */
export const FastifyErrorCodes = {
  /** A schema rejected the request (the answer's `details.validation` says where). */
  validation: 'FST_ERR_VALIDATION',
  /** No route matches (fastify's `callNotFound`). */
  notFound: 'FST_ERR_NOT_FOUND',
  /** The body is over `bodyLimit`. */
  bodyTooLarge: 'FST_ERR_CTP_BODY_TOO_LARGE',
  /** No parser accepts the request's content type. */
  invalidMediaType: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  /** `Content-Length` does not match the body. */
  invalidContentLength: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
  /** `Content-Type: application/json` with an empty body where one is needed. */
  emptyJsonBody: 'FST_ERR_CTP_EMPTY_JSON_BODY',
  /** The body is not JSON. */
  invalidJsonBody: 'FST_ERR_CTP_INVALID_JSON_BODY',
  /**
   * A body parser's own 4xx without a code (a JSON body with a forbidden `__proto__` key, say).
   * Not fastify's: the server's name for that case.
   */
  invalidBody: 'FST_ERR_CTP_INVALID_BODY',
  /** The URL cannot be decoded. */
  badUrl: 'FST_ERR_BAD_URL',
  /** The URL is not valid. */
  invalidUrl: 'FST_ERR_INVALID_URL',
  /** A path segment is longer than `maxParamLength` (100, Feldera's name limit). */
  maxParamLength: 'FST_ERR_MAX_PARAM_LENGTH',
  /** A route needs a content type the request lacks. */
  missingContentType: 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE',
  /** A route needs a body the request lacks. */
  missingContent: 'FST_ERR_ROUTE_MISSING_CONTENT',
  /** A handler ran past its timeout. */
  handlerTimeout: 'FST_ERR_HANDLER_TIMEOUT',
} as const;

/** One of the codes in `FastifyErrorCodes`. */
export type FastifyErrorCode = (typeof FastifyErrorCodes)[keyof typeof FastifyErrorCodes];
