import { Registry } from '@det/registry';
import { DATASETS } from '@det/data';
// import { R } from '@det/models';  -- commented out, so not an import
/* require('@det/cli') inside a block comment */
export const runner = () => import('@det/runner');
export { Registry, DATASETS };
