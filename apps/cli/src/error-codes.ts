/** Error codes of the CLI itself; part of its contract (each maps to an exit code in `exit-codes.ts`). */
export const CliErrorCodes = {
  /** Bad command line: unknown command or option, missing or invalid argument. */
  usage: 'ERR_CLI_USAGE',
  /** A push needs an owner identity (`--pipeline-name` or the config's) and there is none. */
  noPipelineIdentity: 'ERR_CLI_NO_PIPELINE_IDENTITY',
  /** A config file could not be read or parsed. */
  configRead: 'ERR_CLI_CONFIG_READ',
  /** The server answered an error the CLI has no better code for. */
  http: 'ERR_CLI_HTTP',
  /** The server could not be reached. */
  httpNetwork: 'ERR_CLI_HTTP_NETWORK',
  /** `--wait` ran out of time (the cause, when coded, says why). */
  waitTimeout: 'ERR_CLI_WAIT_TIMEOUT',
  /** The server reported the awaited sync (or activation) as failed. */
  syncFailed: 'ERR_CLI_SYNC_FAILED',
  /** A role's `--listen` address could not be bound. */
  listen: 'ERR_CLI_LISTEN',
} as const;

/** One of the codes in `CliErrorCodes`. */
export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];

/** Node's own code of an AbortError (a stream pipeline or fs call given the command's signal). */
export const NODE_ABORT_ERR = 'ABORT_ERR';

/**
 * The `error_code`s the role HTTP endpoint (`standby` / `sidecar --listen`) answers beyond the
 * server's `ApiErrorCodes` (which it also uses: `NotFound`, `Unauthorized`, `InvalidTransition`,
 * `InternalError`). A contract: add, never rename.
 */
export const RoleApiErrorCodes = {
  /** The route exists but not for that method. */
  MethodNotAllowed: 'MethodNotAllowed',
  /** `POST /activate` on a non-loopback address without an API key. */
  ActivationNotAllowed: 'ActivationNotAllowed',
} as const satisfies { [K in string]: K };

/** One of the codes in `RoleApiErrorCodes`. */
export type RoleApiErrorCode = (typeof RoleApiErrorCodes)[keyof typeof RoleApiErrorCodes];
