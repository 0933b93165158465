import { DetError, nearestName } from '@det/registry';

/**
 * Rejects option keys a hook does not know, so a key copied from an MMDetection config in
 * snake_case (`warmup_iters`) or misspelt fails loudly instead of being ignored.
 */
export function rejectUnknownOptions(options: object | undefined, allowed: readonly string[], hook: string): void {
  for (const key of Object.keys(options ?? {})) {
    if (allowed.includes(key)) continue;
    const near = nearestName(key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), [...allowed]);
    throw new DetError(`${hook}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; options: ${allowed.join(', ')}`);
  }
}
