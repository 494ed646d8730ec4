/**
 * Keys of Feldera's runtime config that feldera-sync does not read. A config copied from Feldera
 * carries them; they are reported as "ignored" instead of as typos.
 */
export const FELDERA_RUNTIME_KEYS = [
  'workers',
  'hosts',
  'cpu_profiler',
  'tracing',
  'tracing_endpoint_jaeger',
  'min_batch_size_records',
  'max_buffering_delay_usecs',
  'resources',
  'clock_resolution_usecs',
  'pin_cpus',
  'provisioning_timeout_secs',
  'max_parallel_connector_init',
  'init_containers',
  'checkpoint_during_suspend',
  'http_workers',
  'io_workers',
  'dev_tweaks',
  'logging',
] as const;

/** Keys of Feldera's `storage` section other than `backend`. */
export const FELDERA_STORAGE_KEYS = [
  'min_storage_bytes',
  'min_step_storage_bytes',
  'compression',
  'cache_mib',
] as const;

/** Keys of Feldera's `file` backend config other than `sync`. */
export const FELDERA_FILE_BACKEND_KEYS = ['async_threads', 'ioop_delay'] as const;

/** Storage backends Feldera knows; only `file` supports sync. */
export const FELDERA_STORAGE_BACKENDS = ['default', 'file', 'object'] as const;
