import { DetError, HOOKS, type ComponentConfig } from '@det/registry';
import { isHook, type Hook } from '../hooks/hook';
import type { PriorityLike } from '../hooks/priority';

/** The config sections `registerTrainingHooks` reads (camelCase MMCV/MMDetection keys). */
export interface TrainingHooksConfig {
  lrConfig?: (Record<string, unknown> & { policy: string }) | Hook | null;
  momentumConfig?: (Record<string, unknown> & { policy: string }) | Hook | null;
  optimizerConfig?: Record<string, unknown> | Hook | null;
  checkpointConfig?: Record<string, unknown> | Hook | null;
  logConfig?: { interval?: number; hooks: ComponentConfig[] } | null;
  timerConfig?: Record<string, unknown> | Hook | null;
  customHooks?: (ComponentConfig & { priority?: PriorityLike })[] | null;
}

/** MMCV turns `policy: 'step'` into `StepLrUpdaterHook`; an all-lower-case policy gets a capital first letter. */
export function policyHookType(policy: string, suffix: 'LrUpdaterHook' | 'MomentumUpdaterHook'): string {
  const name = policy === policy.toLowerCase() ? policy.charAt(0).toUpperCase() + policy.slice(1) : policy;
  return `${name}${suffix}`;
}

/** Builds a hook from a config or passes an instance through. */
export function buildHook(cfg: ComponentConfig | Hook, keyPath: string): Hook {
  if (isHook(cfg)) return cfg;
  const hook = HOOKS.build(cfg, { keyPath });
  if (!isHook(hook)) {
    throw new DetError(`${keyPath}: '${cfg.type}' from the hook registry is not a Hook (extend Hook from @det/runner)`);
  }
  return hook;
}

export function policyHookConfig(
  cfg: Record<string, unknown> & { policy: string },
  suffix: 'LrUpdaterHook' | 'MomentumUpdaterHook',
  keyPath: string,
): ComponentConfig {
  if (typeof cfg.policy !== 'string') throw new DetError(`${keyPath}.policy must be a string such as 'step', got ${JSON.stringify(cfg.policy)}`);
  const { policy, ...rest } = cfg;
  return { ...rest, type: policyHookType(policy, suffix) };
}
