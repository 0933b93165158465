/**
 * Loads an optional npm module by id; throws like `require` when it is not installed. Injectable
 * so tests can fake which optional backends (tfjs-node, webgpu, …) are present.
 */
export type ModuleLoader = (id: string) => unknown;

export const nodeModuleLoader: ModuleLoader = (id) => require(id);

/** True when `err` says that module `id` itself (not one of its dependencies) is not installed. */
export function isModuleMissing(err: unknown, id: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && String(e.message ?? '').includes(`'${id}'`);
}
