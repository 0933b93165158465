/**
 * Imports the core libraries so their `@XXX.register()` decorators run and `det list` sees core
 * components. Lazy, so `det --help` and `det print-config` do not pay for loading tfjs.
 */
export async function loadCoreLibs(): Promise<void> {
  await import('@det/data');
  await import('@det/models');
  await import('@det/runner');
  await import('@det/hooks');
}
