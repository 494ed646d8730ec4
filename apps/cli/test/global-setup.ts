import { cephGlobalSetup } from '@feldera-sync/test-utils';

/** Starts Ceph RGW for the end-to-end tests when it is not already running. */
export default async function setup(): Promise<void> {
  await cephGlobalSetup();
}
