import { checkBucketLocation, normaliseBucketLocation } from './bucket-location.js';
import type { PathSegment } from './json-path.js';
import { formatJsonPath, isPlainObject } from './json-path.js';
import type { WalkReport } from './input-walk.js';
import { isSet, pickKnownKeys } from './input-walk.js';
import { checkRcloneFlags } from './rclone-flags.js';
import { SYNC_CONFIG_KEYS } from './sync-config-schema.js';

/**
 * Prepares a sync object for schema validation: keeps known keys (renaming camelCase spellings),
 * then applies the rules that span fields and collects the warnings a schema cannot express.
 */
export function prepareSyncInput(raw: unknown, path: PathSegment[], report: WalkReport): unknown {
  if (!isPlainObject(raw)) return raw;
  const sync = pickKnownKeys(raw, path, { known: SYNC_CONFIG_KEYS }, report);
  checkCrossFieldRules(sync, path, report);
  collectSyncWarnings(sync, path, report);
  return sync;
}

function isNonEmpty(sync: Record<string, unknown>, key: string): boolean {
  return isSet(sync, key) && sync[key] !== '';
}

function checkCrossFieldRules(
  sync: Record<string, unknown>,
  path: PathSegment[],
  report: WalkReport,
): void {
  const hasAccess = isNonEmpty(sync, 'access_key');
  const hasSecret = isNonEmpty(sync, 'secret_key');
  if (hasAccess !== hasSecret) {
    const [present, missing] = hasAccess
      ? ['access_key', 'secret_key']
      : ['secret_key', 'access_key'];
    report.issues.push({
      path: [...path, missing],
      rule: 'credentials-pair',
      message: `is required because ${present} is set; set both or neither (neither uses environment credentials such as IRSA or AWS_*)`,
    });
  }
  if (sync.standby === true && !isSet(sync, 'start_from_checkpoint')) {
    report.issues.push({
      path: [...path, 'standby'],
      rule: 'standby-requires-start',
      message: 'standby requires start_from_checkpoint ("latest" or a checkpoint UUID)',
    });
  }
  const { bucket, read_bucket: readBucket } = sync;
  if (
    typeof bucket === 'string' &&
    typeof readBucket === 'string' &&
    normaliseBucketLocation(bucket) === normaliseBucketLocation(readBucket)
  ) {
    report.issues.push({
      path: [...path, 'read_bucket'],
      rule: 'read-bucket-differs',
      message:
        'must differ from bucket: read_bucket is a read-only seed, bucket is where this pipeline writes',
    });
  }
}

function collectSyncWarnings(
  sync: Record<string, unknown>,
  path: PathSegment[],
  report: WalkReport,
): void {
  const warn = (key: PathSegment[], rule: string, message: string): void => {
    report.warnings.push({ path: formatJsonPath([...path, ...key]), rule, message });
  };
  if (sync.provider === undefined) {
    warn(
      ['provider'],
      'provider-default',
      'not set; using "Other". Set your store\'s rclone provider name (e.g. "AWS", "Minio", "Ceph") so rclone applies its quirks',
    );
  }
  for (const key of ['bucket', 'read_bucket']) {
    const value = sync[key];
    if (typeof value === 'string' && checkBucketLocation(value).legacyName) {
      warn(
        [key],
        'bucket-name-legacy',
        'bucket name has uppercase letters or "_": only legacy AWS us-east-1 buckets and relaxed S3-compatible stores accept it',
      );
    }
  }
  const cutoff = sync.multi_thread_cutoff;
  if (typeof cutoff === 'string' && /^\d+(\.\d+)?$/.test(cutoff)) {
    warn(
      ['multi_thread_cutoff'],
      'size-unit',
      `has no unit suffix; rclone reads it as ${cutoff} KiB. Write e.g. "${cutoff}M" if you meant MiB`,
    );
  }
  if (sync.fail_if_no_checkpoint === true && !isSet(sync, 'start_from_checkpoint')) {
    warn(
      ['fail_if_no_checkpoint'],
      'ignored-setting',
      'has no effect without start_from_checkpoint',
    );
  }
  const flags = sync.flags;
  if (Array.isArray(flags) && flags.every((flag): flag is string => typeof flag === 'string')) {
    for (const override of checkRcloneFlags(flags).overrides) {
      warn(
        ['flags', override.index],
        'flag-overrides-field',
        `${override.flag} overrides the ${override.field} setting (flags are appended last); set ${override.field} instead`,
      );
    }
  }
}
