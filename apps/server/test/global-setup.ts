import { cephGlobalSetup } from '@feldera-sync/test-utils';

// Starts Ceph RGW on 127.0.0.1 when it is not running (fails loudly in CI when it cannot).
export default cephGlobalSetup;
