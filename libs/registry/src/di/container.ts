import 'reflect-metadata';
import { container, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { REGISTRIES } from '../registry/root';
import { registryToken } from './tokens';

for (const [kind, registry] of Object.entries(REGISTRIES)) {
  container.register(registryToken(kind), { useValue: registry });
}

/** The root DI container, with every registry registered under `registryToken(kind)`. */
export const rootContainer: DependencyContainer = container;

/**
 * Registers `value` as the default for `token` unless something (a plugin, a test) already did.
 * Libraries call this for the services they implement.
 */
export function provideDefault<T>(token: InjectionToken<T>, factory: () => T): void {
  if (!container.isRegistered(token)) {
    let instance: T | undefined;
    container.register(token, { useFactory: () => (instance ??= factory()) });
  }
}

/** Resolves a service; the error names the token when nothing provides it. */
export function resolveService<T>(token: InjectionToken<T>): T {
  if (!container.isRegistered(token)) {
    throw new Error(`no service registered for DI token '${String(token)}'`);
  }
  return container.resolve(token);
}
