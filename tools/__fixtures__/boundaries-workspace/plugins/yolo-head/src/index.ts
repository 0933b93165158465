import { Registry } from '@det/registry';
import type { R } from '@det/models';
export const plugin = { name: 'yolo', apiVersion: 1, register: (r: Registry, _t?: R) => r };
