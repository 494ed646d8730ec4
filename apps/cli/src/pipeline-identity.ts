import { createHash } from 'node:crypto';
import { SyncError } from '@feldera-sync/errors';
import { CliErrorCodes } from './error-codes.js';

/** Namespace of derived pipeline ids (a fixed random UUID): `pipeline-<uuidv5(namespace, name)>`. */
export const PIPELINE_ID_NAMESPACE = '6f1d5c2e-3b7a-4e58-9c41-0d2f8a7b6e13';

const SYSTEM_NAME_RE = /^pipeline-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The owner identity a push writes to (and checks against) `owner.json`. */
export interface PipelineIdentity {
  /** `pipeline-<uuid>`: what ownership is decided by. */
  systemName: string;
  /** The human name, recorded in `owner.json`. */
  givenName: string;
}

/** An RFC 4122 version-5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidv5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The stable system name derived from a given name: `pipeline-<uuidv5(PIPELINE_ID_NAMESPACE, name)>`. */
export function derivePipelineSystemName(givenName: string): string {
  return `pipeline-${uuidv5(givenName, PIPELINE_ID_NAMESPACE)}`;
}

/** True for `pipeline-<lowercase uuid>`. */
export function isPipelineSystemName(value: string): boolean {
  return SYSTEM_NAME_RE.test(value);
}

/** Where an identity can come from, strongest first within each field. */
export interface IdentitySources {
  /** `--pipeline NAME`. */
  pipelineFlag?: string | undefined;
  /** `--pipeline-id pipeline-<uuid>`. */
  pipelineIdFlag?: string | undefined;
  /** The config file's `name`. */
  configName?: string | undefined;
  /** The config file's `system_name`. */
  configSystemName?: string | undefined;
}

/**
 * Resolves the owner identity of a push: given name from `--pipeline`, else the config's `name`;
 * system name from `--pipeline-id`, else the config's `system_name`, else derived from the given
 * name. Throws `ERR_CLI_NO_PIPELINE_IDENTITY` when there is neither.
 */
export function resolvePipelineIdentity(sources: IdentitySources): PipelineIdentity {
  const givenName = nonEmpty(sources.pipelineFlag) ?? nonEmpty(sources.configName);
  const explicitId = nonEmpty(sources.pipelineIdFlag) ?? nonEmpty(sources.configSystemName);
  if (explicitId !== undefined && !isPipelineSystemName(explicitId)) {
    const origin =
      nonEmpty(sources.pipelineIdFlag) !== undefined ? '--pipeline-id' : "the config's system_name";
    throw new SyncError(
      CliErrorCodes.usage,
      `${origin} must look like pipeline-<uuid> (lowercase), got '${explicitId}'`,
      {
        hint: "copy the id from the bucket's owner.json or from `feldera-sync remote status <pipeline>` (system_name)",
      },
    );
  }
  if (givenName === undefined && explicitId === undefined) {
    throw new SyncError(
      CliErrorCodes.noPipelineIdentity,
      'refusing to push: no pipeline identity to own the bucket with',
      {
        hint: "pass --pipeline NAME (or --pipeline-id pipeline-<uuid> to act as a server's pipeline), or set `name` in the config file",
      },
    );
  }
  const systemName = explicitId ?? derivePipelineSystemName(givenName!);
  return { systemName, givenName: givenName ?? systemName };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
