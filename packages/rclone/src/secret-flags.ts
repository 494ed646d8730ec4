import {
  checkRcloneFlags,
  commandLineRcloneFlags,
  environmentRcloneFlags,
  rcloneFlagSecrets,
} from '@feldera-sync/config';
import { rcloneError, RcloneErrorCodes } from './errors.js';

/** An rclone option of the remote, set through its environment (`RCLONE_CONFIG_FSYNC_<OPTION>`). */
export interface RemoteOption {
  /** rclone's option name, e.g. `sse_customer_key`. */
  option: string;
  value: string;
}

/** Extra flags ready for rclone: what goes on its command line, what into its environment, what to redact. */
export interface PreparedFlags {
  argv: string[];
  options: RemoteOption[];
  /** Canonical names of the flags moved into the environment (never their values). */
  moved: string[];
  secrets: string[];
}

/**
 * Applies `@feldera-sync/config`'s secret-flag policy to extra rclone flags, so the adapter and
 * the config check can never disagree: flags whose value is a secret and that the policy passes
 * (SSE-C and KMS keys) move into the environment; a flag the policy refuses because of its
 * secret throws ERR_RCLONE_USAGE naming the flag, never its value. Other flags are left to rclone.
 */
export function prepareExtraFlags(flags: readonly string[]): PreparedFlags {
  const refused = checkRcloneFlags(flags).rejections.find((r) => r.secret);
  if (refused) {
    throw rcloneError(
      RcloneErrorCodes.usage,
      `extra rclone flag ${refused.flag || `#${refused.index + 1}`} is not allowed: ${refused.reason}`,
      { exitCode: null, stderrTail: [], flag: refused.flag },
      { hint: 'remove it from `flags` in the sync config' },
    );
  }
  const moved = environmentRcloneFlags(flags);
  return {
    argv: commandLineRcloneFlags(flags),
    options: moved.map(({ option, value }) => ({ option, value })),
    moved: moved.map((m) => m.flag),
    secrets: rcloneFlagSecrets(flags),
  };
}
