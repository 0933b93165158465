import '@det/data';
import '@det/models';
import '@det/runner';
import { DATASETS } from '@det/data';
export const hooks = require('@det/hooks');
export { DATASETS };
