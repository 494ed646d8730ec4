import { z } from 'zod';
import { SyncConfigSchema, intervalSeconds } from './sync-config-schema.js';

/** Fault-tolerance models as Feldera spells them; "none" and null both switch it off. */
export const FAULT_TOLERANCE_MODELS = ['none', 'at_least_once', 'exactly_once'] as const;

/** Feldera's default checkpoint interval when fault tolerance is on. */
export const DEFAULT_CHECKPOINT_INTERVAL_SECS = 60;

/**
 * `fault_tolerance`, Feldera-like: an empty object means exactly-once (Feldera's default model),
 * a missing or null section means none. `checkpoint_interval_secs: null` disables periodic checkpoints.
 */
export const FaultToleranceSchema = z
  .object({
    model: z
      .enum(FAULT_TOLERANCE_MODELS, {
        error: `must be one of ${FAULT_TOLERANCE_MODELS.map((m) => JSON.stringify(m)).join(', ')} or null`,
      })
      .nullable()
      .default('exactly_once')
      .transform((model) => model ?? 'none')
      .meta({ description: 'none | at_least_once | exactly_once; null means none' }),
    checkpoint_interval_secs: intervalSeconds(', or null')
      .nullable()
      .default(DEFAULT_CHECKPOINT_INTERVAL_SECS)
      .meta({ description: 'Seconds between periodic checkpoints; null disables them' }),
  })
  .meta({ description: 'Feldera fault tolerance; decides periodic checkpoints' });

/** Normalised fault tolerance. */
export type FaultTolerance = z.output<typeof FaultToleranceSchema>;
/** Fault tolerance as written. */
export type FaultToleranceInput = z.input<typeof FaultToleranceSchema>;

/** Fault tolerance of a runtime config without a `fault_tolerance` section. */
export const FAULT_TOLERANCE_OFF: FaultTolerance = {
  model: 'none',
  checkpoint_interval_secs: DEFAULT_CHECKPOINT_INTERVAL_SECS,
};

/** `storage.backend`: Feldera's backend choice; only `file` may carry `config.sync`. */
export const StorageBackendSchema = z.object({
  name: z
    .string({ error: 'must be a backend name such as "file"' })
    .min(1, { error: 'must be a backend name such as "file"' })
    .meta({
      description: 'Feldera storage backend: "default", "file" or "object"; sync needs "file"',
    }),
  config: z
    .object({
      sync: SyncConfigSchema.nullish()
        .transform((sync) => sync ?? null)
        .meta({ description: 'Checkpoint sync settings (file backend only)' }),
    })
    .nullish()
    .transform((config) => config ?? { sync: null }),
});

/** `storage`: a missing backend is Feldera's default backend, which has no sync. */
export const StorageSchema = z.object({
  backend: StorageBackendSchema.nullish().transform(
    (backend) => backend ?? { name: 'default', config: { sync: null } },
  ),
});

/** Owner identity the CLI records in owner.json: a non-empty name without control characters. */
export const PipelineNameSchema = z
  .string({ error: 'must be a non-empty string of at most 255 characters' })
  .min(1, { error: 'must be a non-empty string of at most 255 characters' })
  .max(255, { error: 'must be a non-empty string of at most 255 characters' })
  // eslint-disable-next-line no-control-regex -- names end up in logs and owner.json
  .regex(/^[^\u0000-\u001f\u007f]+$/, { error: 'must not contain control characters' })
  .meta({ description: 'Pipeline name, used as owner identity' });

/** The parts of a Feldera pipeline runtime config that feldera-sync reads. */
export const RuntimeConfigSchema = z
  .object({
    name: PipelineNameSchema.nullish().transform((name) => name ?? null),
    storage: StorageSchema.nullish().transform((storage) => storage ?? null),
    fault_tolerance: FaultToleranceSchema.nullish().transform(
      (ft) => ft ?? { ...FAULT_TOLERANCE_OFF },
    ),
  })
  .meta({
    title: 'feldera-sync runtime config',
    description:
      'A Feldera pipeline runtime config, restricted to what feldera-sync reads. Other Feldera keys are accepted with a warning.',
  });

/** Normalised runtime config. */
export type RuntimeConfig = z.output<typeof RuntimeConfigSchema>;
/** Runtime config as written. */
export type RuntimeConfigInput = z.input<typeof RuntimeConfigSchema>;

/** Seconds between periodic checkpoints, or null when fault tolerance or the interval is off. */
export function periodicCheckpointIntervalSecs(
  config: Pick<RuntimeConfig, 'fault_tolerance'>,
): number | null {
  const ft = config.fault_tolerance;
  return ft.model === 'none' ? null : ft.checkpoint_interval_secs;
}
