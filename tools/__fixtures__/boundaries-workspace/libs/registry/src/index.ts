import { container } from 'tsyringe';
export * from './registry';
export const root = container;
