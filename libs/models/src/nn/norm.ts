import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { Layer } from './module';
import { BatchNorm2d } from './batch-norm';
import { GroupNorm } from './group-norm';
import { ReLU } from './simple-layers';

/** MMCV-style norm config: `{ type: 'BN' | 'GN', requiresGrad?, numGroups? (GN), eps?, momentum? }`. */
export interface NormConfig {
  type: string;
  requiresGrad?: boolean;
  numGroups?: number;
  eps?: number;
  momentum?: number;
}

/** MMCV-style activation config; only ReLU is provided. */
export interface ActConfig {
  type: string;
}

/** Builds a norm layer and the child name MMCV gives it ('bn' or 'gn'), so checkpoint keys match. */
export function buildNormLayer(cfg: NormConfig, numFeatures: number, keyPath = 'normCfg'): { name: string; layer: Layer } {
  switch (cfg.type) {
    case 'BN':
    case 'BN2d':
    case 'SyncBN':
      return { name: 'bn', layer: new BatchNorm2d({ numFeatures, eps: cfg.eps, momentum: cfg.momentum, requiresGrad: cfg.requiresGrad }) };
    case 'GN':
      if (!cfg.numGroups) throw new DetError(`${keyPath}: GN needs numGroups`);
      return { name: 'gn', layer: new GroupNorm({ numGroups: cfg.numGroups, numChannels: numFeatures, eps: cfg.eps, requiresGrad: cfg.requiresGrad }) };
    default:
      throw new DetError(`${keyPath}.type: unknown norm '${cfg.type}' (known: BN, BN2d, SyncBN, GN)`);
  }
}

export function buildActivation(cfg: ActConfig, keyPath = 'actCfg'): Layer {
  if (cfg.type === 'ReLU') return new ReLU();
  throw new DetError(`${keyPath}.type: unknown activation '${cfg.type}' (known: ReLU)`);
}

/** relu(norm(x)): one fused op for BatchNorm2d and GroupNorm (det's kernels on webgpu), the two ops otherwise. */
export function normRelu(norm: Layer, x: tf.Tensor): tf.Tensor {
  return norm instanceof BatchNorm2d || norm instanceof GroupNorm ? norm.forwardWithActivation(x, true) : tf.relu(norm.forward(x));
}
