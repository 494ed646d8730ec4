// Private test helpers; never published. Object stores (owned by the rclone work) and
// storage-directory generators (owned by the checkpoint work) live in separate files.
export * from './object-stores.js';
export * from './storage-generator.js';
export * from './feldera-restore-check.js';
export * from './feldera-fixture.js';
