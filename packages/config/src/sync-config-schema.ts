import { z } from 'zod';
import { checkBucketLocation } from './bucket-location.js';
import { CHECKPOINT_REF_PATTERN, normaliseCheckpointRef } from './checkpoint-ref.js';
import { checkRcloneFlags } from './rclone-flags.js';
import { S3_PROVIDERS, suggestProvider } from './s3-providers.js';
import { SIZE_SUFFIX_PATTERN, normaliseSizeSuffix } from './size-suffix.js';
import { MAX_TIMER_INTERVAL_SECS } from '@feldera-sync/clock';

/** Integer field with inclusive bounds; one message (with the reason for the bound) for wrong type and out of range alike. */
function integer(min: number, max: number | undefined, unit = '', why = ''): z.ZodInt {
  const message =
    max === undefined
      ? `must be an integer${unit} of at least ${min}`
      : `must be an integer${unit} from ${min} to ${max}${why}`;
  // Above 2^53 JavaScript cannot hold integers exactly; say so rather than "at least 1".
  const base = z
    .int({
      error: (issue) =>
        issue.code === 'too_big' && max === undefined
          ? `must be at most ${Number.MAX_SAFE_INTEGER}`
          : message,
    })
    .min(min, { error: message });
  return max === undefined ? base : base.max(max, { error: message });
}

/**
 * Seconds between timer-driven actions (pulls, pushes, checkpoints): at most MAX_TIMER_INTERVAL_SECS,
 * because Node turns a longer timer into one that fires every millisecond.
 */
export function intervalSeconds(alternative = ''): z.ZodInt {
  return integer(
    1,
    MAX_TIMER_INTERVAL_SECS,
    ' number of seconds',
    `${alternative} (at most about 24.8 days: a longer interval overflows Node's timers, which would then fire every millisecond)`,
  );
}

/** `null` and absent both mean "not set"; the output says `null` so every key is always present. */
function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value) => value ?? null);
}

function bucketLocation(description: string) {
  return z
    .string({ error: 'must be a string: "bucket" or "bucket/prefix"' })
    .superRefine((value, ctx) => {
      for (const problem of checkBucketLocation(value).problems) {
        ctx.addIssue({ code: 'custom', message: problem.message, params: { rule: problem.rule } });
      }
    })
    .transform((value) => checkBucketLocation(value).normalised)
    .meta({ description });
}

const endpointMessage = 'must be an http:// or https:// URL, e.g. "http://127.0.0.1:9000"';

/** Endpoint rules: an http(s) URL with a host and no user:password (secrets belong in access_key/secret_key). */
function checkEndpoint(value: string): { rule: string; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { rule: 'url', message: endpointMessage };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return { rule: 'url', message: endpointMessage };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      rule: 'endpoint-credentials',
      message: 'must not contain user:password; put credentials in access_key and secret_key',
    };
  }
  return undefined;
}

const providerMessage = (input: unknown): string => {
  const suggestion = typeof input === 'string' ? suggestProvider(input) : undefined;
  const hint =
    suggestion === undefined
      ? ''
      : ` (did you mean ${JSON.stringify(suggestion)}? names are case-sensitive)`;
  return `unknown S3 provider${hint}; expected one of rclone's provider names: ${S3_PROVIDERS.join(', ')}`;
};

/** Field schemas of the sync section, in documented order (packages/config/README.md); exported so key checks and docs share one list. */
export const syncConfigFields = {
  endpoint: optional(
    z.string({ error: endpointMessage }).superRefine((value, ctx) => {
      const problem = checkEndpoint(value);
      if (problem)
        ctx.addIssue({ code: 'custom', message: problem.message, params: { rule: problem.rule } });
    }),
  ).meta({
    description: 'S3 endpoint URL, e.g. http://127.0.0.1:9000; omit for AWS',
    format: 'uri',
  }),
  bucket: bucketLocation('Bucket name and optional prefix: "name" or "name/prefix/..."'),
  read_bucket: optional(
    bucketLocation('Read-only seed location, same form as bucket; must differ from bucket'),
  ),
  region: optional(z.string({ error: 'must be a string' }))
    .transform((value) => (value === '' ? null : value))
    .meta({
      description:
        'Bucket region; defaults to us-east-1 when provider is AWS. Empty means none (MinIO)',
    }),
  provider: z
    .enum(S3_PROVIDERS, { error: (issue) => providerMessage(issue.input) })
    .default('Other')
    .meta({ description: "rclone's S3 provider name, case-sensitive; Other when unsure" }),
  access_key: optional(z.string({ error: 'must be a string' }))
    .transform((value) => (value === '' ? null : value))
    .meta({
      description: 'S3 access key; omit both keys to use environment credentials (IRSA, AWS_*)',
    }),
  secret_key: optional(z.string({ error: 'must be a string' }))
    .transform((value) => (value === '' ? null : value))
    .meta({ description: 'S3 secret key; set together with access_key or not at all' }),
  start_from_checkpoint: optional(
    z
      .string({ error: 'must be "latest" or a checkpoint UUID' })
      .superRefine((value, ctx) => {
        if (normaliseCheckpointRef(value) === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be "latest" or a checkpoint UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
            params: { rule: 'checkpoint-ref' },
          });
        }
      })
      .meta({ pattern: CHECKPOINT_REF_PATTERN })
      .transform((value) => normaliseCheckpointRef(value) ?? value),
  ).meta({ description: '"latest" or a checkpoint UUID to start from' }),
  fail_if_no_checkpoint: z
    .boolean({ error: 'must be true or false' })
    .default(false)
    .meta({ description: 'Fail the start when start_from_checkpoint finds nothing' }),
  standby: z
    .boolean({ error: 'must be true or false' })
    .default(false)
    .meta({ description: 'Start in standby, pulling checkpoints; requires start_from_checkpoint' }),
  pull_interval: intervalSeconds()
    .default(10)
    .meta({ description: 'Seconds between pulls while in standby' }),
  push_interval: optional(intervalSeconds()).meta({
    description: 'Seconds between automatic pushes; unset means off',
  }),
  transfers: integer(1, 255).default(20).meta({ description: 'rclone --transfers' }),
  checkers: integer(1, 255).default(20).meta({ description: 'rclone --checkers' }),
  ignore_checksum: z
    .boolean({ error: 'must be true or false' })
    .default(false)
    .meta({ description: 'rclone --ignore-checksum' }),
  multi_thread_streams: integer(1, 255)
    .default(10)
    .meta({ description: 'rclone --multi-thread-streams' }),
  multi_thread_cutoff: z
    .string({
      error: 'must be a string such as "100M": a number with optional suffix k, M, G or T',
    })
    .superRefine((value, ctx) => {
      if (normaliseSizeSuffix(value) === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a number with optional suffix k, M, G or T, e.g. "100M"',
          params: { rule: 'size' },
        });
      }
    })
    .meta({ pattern: SIZE_SUFFIX_PATTERN.source })
    .default('100M')
    .transform((value) => normaliseSizeSuffix(value) ?? value)
    .meta({
      description: 'rclone --multi-thread-cutoff: a number with optional suffix k, M, G, T',
    }),
  upload_concurrency: integer(1, 255)
    .default(10)
    .meta({ description: 'rclone --s3-upload-concurrency' }),
  flags: z
    .array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' })
    .superRefine((flags, ctx) => {
      for (const rejection of checkRcloneFlags(flags).rejections) {
        const name = rejection.flag === '' ? 'this element' : rejection.flag;
        ctx.addIssue({
          code: 'custom',
          path: [rejection.index],
          message: `${name} is not allowed: ${rejection.reason}`,
          params: { rule: rejection.rule },
        });
      }
    })
    .default([])
    .meta({
      description: 'Extra rclone flags, appended last; contract-breaking flags are rejected',
    }),
  stall_timeout: intervalSeconds().default(60).meta({
    description:
      'Seconds a transfer may go without new progress before it is stopped with ERR_STORE_STALLED (a blackholed or frozen store)',
  }),
  transfer_timeout: optional(intervalSeconds()).meta({
    description:
      'Overall deadline of one transfer, seconds; unset means 10 minutes plus the time the bytes take at 1 MiB/s',
  }),
  retention_min_count: integer(1, undefined)
    .default(10)
    .meta({ description: 'Remote retention: always keep this many newest checkpoints' }),
  retention_min_age: integer(0, undefined, ' number of days')
    .default(30)
    .meta({ description: 'Remote retention: keep every checkpoint younger than this many days' }),
};

/** The sync settings (`storage.backend.config.sync`), parsed and normalised field by field. */
export const SyncConfigSchema = z
  .object(syncConfigFields)
  .transform((config) => ({
    ...config,
    // AWS without a region means us-east-1; other providers keep "none" (docs/configuration.md).
    region: config.region ?? (config.provider === 'AWS' ? 'us-east-1' : null),
  }))
  .meta({
    title: 'feldera-sync checkpoint sync settings',
    description:
      'storage.backend.config.sync of a pipeline runtime config. Cross-field rules (access_key with ' +
      'secret_key, standby needs start_from_checkpoint, read_bucket differs from bucket) are checked by parseSyncConfig.',
  });

/** Normalised sync settings: every key present, unset optionals are null. */
export type SyncConfig = z.output<typeof SyncConfigSchema>;
/** Sync settings as written in a config file. */
export type SyncConfigInput = z.input<typeof SyncConfigSchema>;

/** Keys of the sync section, in documented order. */
export const SYNC_CONFIG_KEYS = Object.keys(syncConfigFields) as (keyof typeof syncConfigFields)[];
