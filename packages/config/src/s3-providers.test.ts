import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rcloneKnownProviders } from './rclone-known-providers.js';
import {
  RCLONE_1_60_S3_PROVIDERS,
  S3_PROVIDERS,
  isS3Provider,
  suggestProvider,
} from './s3-providers.js';

const HELP_1_60 = readFileSync(
  new URL('./test-support/rclone-1.60.1-help-backend-s3.txt', import.meta.url),
  'utf8',
);

describe('S3_PROVIDERS', () => {
  it('has no duplicates and includes 1.60.1 and newer names', () => {
    expect(new Set(S3_PROVIDERS).size).toBe(S3_PROVIDERS.length);
    for (const name of [
      'AWS',
      'Minio',
      'Ceph',
      'Other',
      'GCS',
      'Magalu',
      'Petabox',
      'Synology',
      'Leviia',
      'Liara',
      'Linode',
      'Outscale',
      'FlashBlade',
      'Exaba',
      'Mega',
      'Rabata',
      'Selectel',
      'Intercolo',
      'OVHcloud',
      'Zata',
      'Hetzner',
    ]) {
      expect(isS3Provider(name), name).toBe(true);
    }
    expect(isS3Provider('aws')).toBe(false);
    expect(isS3Provider(undefined)).toBe(false);
  });

  it.each([
    ['aws', 'AWS'],
    ['MINIO', 'Minio'],
    ['Minoi', 'Minio'],
    ['cloudfare', 'Cloudflare'],
    ['Digital Ocean', 'DigitalOcean'],
    ['digital-ocean', 'DigitalOcean'],
    ['Tencent', undefined],
    ['gcs', 'GCS'],
    ['ovh', undefined],
    ['Backblaze', undefined],
    ['', undefined],
  ])('suggests %j -> %j', (input, expected) => {
    expect(suggestProvider(input)).toBe(expected);
  });
});

describe('rcloneKnownProviders', () => {
  it('reads the provider list of rclone 1.60.1 and nothing from other options', () => {
    expect(rcloneKnownProviders(HELP_1_60)).toEqual([...RCLONE_1_60_S3_PROVIDERS]);
  });

  it('copes with CRLF, other heading depths and missing sections', () => {
    const help =
      '## --s3-provider\r\n\r\n- Examples:\r\n    - "AWS"\r\n        - Amazon\r\n    - "GCS"\r\n## --s3-env-auth\r\n    - "true"\r\n';
    expect(rcloneKnownProviders(help)).toEqual(['AWS', 'GCS']);
    expect(rcloneKnownProviders('')).toEqual([]);
    expect(rcloneKnownProviders('Error: unknown backend "s3"')).toEqual([]);
  });
});
