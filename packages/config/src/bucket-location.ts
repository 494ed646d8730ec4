/** A problem with a bucket location: rule name plus a human message. */
export interface BucketProblem {
  rule: 'bucket-format' | 'bucket-name';
  message: string;
}

/** Result of checking a `bucket`/`read_bucket` value. */
export interface BucketCheck {
  /** Trailing slashes removed: the form used for comparison and in the normalised config. */
  normalised: string;
  problems: BucketProblem[];
  /** True when the bucket name is only valid under legacy rules (uppercase or `_`). */
  legacyName: boolean;
}

const STRICT_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// AWS allowed these in us-east-1 before March 2018, and Ceph/MinIO-style stores can be relaxed.
const LEGACY_BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Removes trailing slashes: `a/b/` and `a/b` name the same location. */
export function normaliseBucketLocation(location: string): string {
  return location.replace(/\/+$/, '');
}

/** Splits a normalised location into bucket name and key prefix (no leading/trailing slash). */
export function splitBucketLocation(location: string): { bucket: string; prefix: string } {
  const normalised = normaliseBucketLocation(location);
  const slash = normalised.indexOf('/');
  return slash < 0
    ? { bucket: normalised, prefix: '' }
    : { bucket: normalised.slice(0, slash), prefix: normalised.slice(slash + 1) };
}

/** Checks `name` or `name/prefix/...` against the S3 bucket-naming rules and the path rules of docs/configuration.md. */
export function checkBucketLocation(location: string): BucketCheck {
  const normalised = normaliseBucketLocation(location);
  const problems: BucketProblem[] = [];
  let legacyName = false;
  if (location.startsWith('/')) {
    problems.push({
      rule: 'bucket-format',
      message: 'must not start with "/"; write "bucket" or "bucket/prefix"',
    });
    return { normalised, problems, legacyName };
  }
  if (normalised.length === 0) {
    problems.push({
      rule: 'bucket-format',
      message: 'must name a bucket: "bucket" or "bucket/prefix"',
    });
    return { normalised, problems, legacyName };
  }
  const [name = '', ...prefix] = normalised.split('/');
  if (prefix.some((segment) => segment === '')) {
    problems.push({
      rule: 'bucket-format',
      message: 'must not contain empty path segments ("//")',
    });
  }
  if (prefix.some((segment) => segment === '..' || segment === '.')) {
    problems.push({ rule: 'bucket-format', message: 'must not contain "." or ".." path segments' });
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(normalised)) {
    problems.push({
      rule: 'bucket-format',
      message: 'must not contain control characters or backslashes',
    });
  }
  if (!STRICT_BUCKET.test(name) || name.includes('..') || IPV4.test(name)) {
    if (
      LEGACY_BUCKET.test(name) &&
      !name.includes('..') &&
      !IPV4.test(name) &&
      /[A-Z_]/.test(name)
    ) {
      legacyName = true;
    } else {
      problems.push({
        rule: 'bucket-name',
        message:
          `bucket name ${JSON.stringify(name)} is not a valid S3 bucket name: 3-63 characters of lowercase ` +
          'letters, digits, dots and hyphens, starting and ending with a letter or digit, no "..", not an IP address',
      });
    }
  }
  return { normalised, problems, legacyName };
}
