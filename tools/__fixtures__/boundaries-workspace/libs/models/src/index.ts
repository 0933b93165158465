import type { Registry } from '@det/registry';
export type R = Registry;
