import { didYouMean } from './did-you-mean.js';

/** S3 provider names known to rclone v1.60.1 (Debian 12's rclone), in rclone's own order. */
export const RCLONE_1_60_S3_PROVIDERS = [
  'AWS',
  'Alibaba',
  'Ceph',
  'ChinaMobile',
  'Cloudflare',
  'ArvanCloud',
  'DigitalOcean',
  'Dreamhost',
  'HuaweiOBS',
  'IBMCOS',
  'IDrive',
  'IONOS',
  'LyveCloud',
  'Minio',
  'Netease',
  'RackCorp',
  'Scaleway',
  'SeaweedFS',
  'StackPath',
  'Storj',
  'TencentCOS',
  'Wasabi',
  'Qiniu',
  'Other',
] as const;

/**
 * Provider names added by rclone releases after 1.60, as listed by rclone's own docs for the
 * 1.7x series (`rclone config` storage list). Newer development builds add a few more
 * (Fastly, HCP, ImpossibleCloud, Scality, US3, Zadara, ZeroServices); they are left out until
 * they ship in a release. Configs written for a newer rclone must still validate here, and the
 * app warns when the installed rclone lacks the name (see `rcloneKnownProviders`).
 */
export const NEWER_RCLONE_S3_PROVIDERS = [
  'BizflyCloud',
  'Cubbit',
  'Exaba',
  'FileLu',
  'FlashBlade',
  'GCS',
  'Hetzner',
  'Intercolo',
  'Leviia',
  'Liara',
  'Linode',
  'Magalu',
  'Mega',
  'OVHcloud',
  'Outscale',
  'Petabox',
  'Rabata',
  'Rclone',
  'Selectel',
  'Servercore',
  'SpectraLogic',
  'Synology',
  'Zata',
] as const;

/** Every accepted `provider` value (case-sensitive, as rclone spells it). */
export const S3_PROVIDERS = [...RCLONE_1_60_S3_PROVIDERS, ...NEWER_RCLONE_S3_PROVIDERS] as const;

/** One accepted `provider` value. */
export type S3Provider = (typeof S3_PROVIDERS)[number];

/** True when `name` is an accepted provider, spelled exactly (rclone matches case-sensitively). */
export function isS3Provider(name: unknown): name is S3Provider {
  return typeof name === 'string' && (S3_PROVIDERS as readonly string[]).includes(name);
}

/** "Did you mean" for a mistyped provider: a case-insensitive match first, then the closest by edit distance. */
export function suggestProvider(name: string): S3Provider | undefined {
  return didYouMean(name, S3_PROVIDERS) as S3Provider | undefined;
}
