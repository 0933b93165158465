import { normCfg } from './helper';

export const model = { type: 'FCOS', backbone: { type: 'ResNet', depth: 18, normCfg } };
export const seed = 11;
