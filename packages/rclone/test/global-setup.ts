import { cephGlobalSetup } from '@feldera-sync/test-utils';

export default cephGlobalSetup;
