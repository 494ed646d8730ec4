import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact.js';

describe('createRedactor', () => {
  const redact = createRedactor(['AKIAEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG', undefined, 'ab']);

  it('masks known secret values wherever they appear', () => {
    expect(redact('key AKIAEXAMPLEKEY secret wJalrXUtnFEMI/K7MDENG!')).toBe('key *** secret ***!');
    expect(redact('ab stays, too short to be a secret')).toBe('ab stays, too short to be a secret');
  });

  it('masks credential-shaped fragments with unknown values', () => {
    expect(redact('GET /b?X-Amz-Credential=OTHER%2F2026&X-Amz-Signature=abc123 HTTP')).toBe(
      'GET /b?X-Amz-Credential=***&X-Amz-Signature=*** HTTP',
    );
    expect(
      redact(
        'Authorization: AWS4-HMAC-SHA256 Credential=OTHER/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=deadbeef',
      ),
    ).toBe('Authorization: AWS4-HMAC-SHA256 Credential=***, SignedHeaders=host, Signature=***');
    expect(redact('Setting secret_access_key="zzz" for "r"')).toBe(
      'Setting secret_access_key="***" for "r"',
    );
    expect(redact('RCLONE_CONFIG_FSYNC_SECRET_ACCESS_KEY=zzz AWS_SESSION_TOKEN=tok')).toBe(
      'RCLONE_CONFIG_FSYNC_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=***',
    );
  });
});
