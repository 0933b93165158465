import { DetError } from '@det/registry';

/** MMCV's `paramwise_cfg` (camelCase); every multiplier defaults to 1. */
export interface ParamwiseCfg {
  /** Substring of a parameter name → multipliers; the longest matching key wins (ties: alphabetical). */
  customKeys?: Record<string, { lrMult?: number; decayMult?: number }>;
  biasLrMult?: number;
  biasDecayMult?: number;
  normDecayMult?: number;
}

/** One group's settings; further keys (momentum, betas, …) come from the optimizer's defaults. */
export interface ParamGroupSettings {
  params: string[];
  lr: number;
  weightDecay: number;
}

/**
 * Whether a parameter belongs to a normalisation layer, judged by name only (det has no module
 * types to inspect): the module segment right before the parameter name is `bn`, `gn`, `ln`
 * (optionally followed by digits, e.g. `bn1`) or contains `norm` (`norm`, `norm1`, `layer_norm`).
 * Norm layers named otherwise (e.g. torchvision's `downsample.1`) are not detected.
 */
export function isNormParam(name: string): boolean {
  const parts = name.split('.');
  if (parts.length < 2) return false;
  const module = parts[parts.length - 2].toLowerCase();
  return /^(bn|gn|ln)\d*$/.test(module) || module.includes('norm');
}

/** A bias outside norm layers: the parameter's own name is `bias`. */
export function isBiasParam(name: string): boolean {
  return name.split('.').pop() === 'bias' && !isNormParam(name);
}

/**
 * Splits parameters into groups with their own lr / weight decay (MMCV's
 * DefaultOptimizerConstructor rules: a custom key match takes precedence over the bias / norm
 * rules). Parameters with equal settings share one group, in first-appearance order.
 */
export function buildParamGroups(
  names: string[],
  base: { lr: number; weightDecay: number },
  cfg: ParamwiseCfg = {},
): ParamGroupSettings[] {
  const keys = Object.keys(cfg.customKeys ?? {}).sort().sort((a, b) => b.length - a.length);
  for (const k of keys) {
    const m = cfg.customKeys![k];
    for (const field of Object.keys(m)) {
      if (field !== 'lrMult' && field !== 'decayMult') {
        throw new DetError(`optimizer.paramwiseCfg.customKeys.${k}: unknown option '${field}' (use lrMult, decayMult)`);
      }
    }
  }
  const groups: ParamGroupSettings[] = [];
  for (const name of names) {
    let lr = base.lr;
    let wd = base.weightDecay;
    const key = keys.find((k) => name.includes(k));
    if (key !== undefined) {
      const m = cfg.customKeys![key];
      lr = base.lr * (m.lrMult ?? 1);
      wd = base.weightDecay * (m.decayMult ?? 1);
    } else if (isNormParam(name)) {
      wd = base.weightDecay * (cfg.normDecayMult ?? 1);
    } else if (isBiasParam(name)) {
      lr = base.lr * (cfg.biasLrMult ?? 1);
      wd = base.weightDecay * (cfg.biasDecayMult ?? 1);
    }
    const same = groups.find((g) => g.lr === lr && g.weightDecay === wd);
    if (same) same.params.push(name);
    else groups.push({ params: [name], lr, weightDecay: wd });
  }
  return groups;
}
