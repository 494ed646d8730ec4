import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  JSON_SCHEMA_REGENERATE_COMMAND,
  RUNTIME_CONFIG_JSON_SCHEMA,
  SYNC_CONFIG_JSON_SCHEMA,
  jsonSchemaFiles,
} from './json-schema.js';
import { SYNC_CONFIG_KEYS } from './sync-config-schema.js';
import { MAX_TIMER_INTERVAL_SECS } from '@feldera-sync/clock';

describe('committed JSON Schema', () => {
  it.each(Object.entries(jsonSchemaFiles()))(
    'schema/%s matches the zod schema',
    (name, generated) => {
      let committed = '';
      try {
        committed = readFileSync(new URL(`../schema/${name}`, import.meta.url), 'utf8');
      } catch {
        // A missing file fails below with the same instruction.
      }
      expect(
        committed === generated,
        `schema/${name} is stale; run \`${JSON_SCHEMA_REGENERATE_COMMAND}\``,
      ).toBe(true);
    },
  );

  it('describes every sync key with its default and bounds', () => {
    const properties = SYNC_CONFIG_JSON_SCHEMA.properties as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(properties)).toEqual(SYNC_CONFIG_KEYS);
    expect(SYNC_CONFIG_JSON_SCHEMA.required).toEqual(['bucket']);
    expect(properties.transfers).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 255,
      default: 20,
    });
    expect(properties.multi_thread_cutoff).toMatchObject({ type: 'string', default: '100M' });
    // Intervals end in Node timers, which cannot wait longer than 2^31-1 ms.
    expect(properties.pull_interval).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_INTERVAL_SECS,
      default: 10,
    });
    expect(properties.push_interval?.anyOf).toContainEqual({
      type: 'integer',
      minimum: 1,
      maximum: MAX_TIMER_INTERVAL_SECS,
    });
    expect(properties.provider?.enum).toContain('Minio');
    // Unknown keys are warnings, so the schema must not forbid them.
    expect(SYNC_CONFIG_JSON_SCHEMA.additionalProperties).toBeUndefined();
  });

  it('describes the runtime config around the same sync schema', () => {
    const text = JSON.stringify(RUNTIME_CONFIG_JSON_SCHEMA);
    expect(text).toContain(JSON.stringify(SYNC_CONFIG_JSON_SCHEMA.properties));
    const faultTolerance = (RUNTIME_CONFIG_JSON_SCHEMA.properties as Record<string, unknown>)
      .fault_tolerance;
    expect(JSON.stringify(faultTolerance)).toContain(
      JSON.stringify({ type: 'integer', minimum: 1, maximum: MAX_TIMER_INTERVAL_SECS }),
    );
  });
});
