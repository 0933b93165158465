import { Registry } from '@det/registry';
export const DATASETS = new Registry();
