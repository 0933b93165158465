import * as tf from '@tensorflow/tfjs-core';
import { seededValues } from './compare';
import { batchNormTrain } from '../../nn/batch-norm-train';
import { SGD_STEP_KERNEL } from '../kernels/sgd-step';
import { fusedConvBias } from '../../nn/fused-conv';
import { sigmoidFocalLoss } from '../../losses/focal-loss';
import { smoothL1Loss } from '../../losses/smooth-l1-loss';

/**
 * ENVIRONMENT.md's reference training step, as bench/train-step/network.js defines it (same
 * layers and loss): 8 × (conv3×3 → BatchNorm with batch statistics → ReLU), a cls head
 * (conv3×3 → 9·C logits, sigmoid focal loss) and a reg head (conv3×3 → 36, smooth-L1), SGD with
 * momentum 0.9 — written with det's own building blocks, so that where det's kernels are
 * registered (webgpu) it runs what det's detectors run: fused BatchNorm, conv + bias in one
 * kernel, the fused focal and smooth L1 losses, the one-kernel SGD (PyTorch's twin,
 * torch_step.py, likewise uses F.smooth_l1_loss). Elsewhere (cpu; `--stock`) the same functions
 * run op by op. Differences, for webgpu: every read is async, and weights/targets come from a
 * backend-independent generator so two backends start from identical numbers.
 */
export const REFERENCE_LAYERS: [number, number, number][] = [
  [3, 16, 1], [16, 32, 2], [32, 32, 1], [32, 64, 2], [64, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2],
];
const ANCHORS = 9;

export interface ReferenceConfig {
  batch: number;
  size: number;
  numClasses: number;
  /** Channel widths divided by this (1 = the reference; tests use 8 to stay cheap on cpu). */
  widthDivisor?: number;
  lr?: number;
  momentum?: number;
  seed?: number;
}

/** Multiply-adds ×2 of one step: forward, input gradient (not layer 1), filter gradient. */
export function referenceStepFlops(cfg: ReferenceConfig): number {
  let h = cfg.size;
  let flops = 0;
  const conv = (cin: number, cout: number, stride: number, first: boolean) => {
    h = Math.ceil(h / stride);
    flops += 2 * cfg.batch * h * h * 9 * cin * cout * (first ? 2 : 3);
  };
  layers(cfg).forEach(([cin, cout, s], i) => conv(cin, cout, s, i === 0));
  const top = layers(cfg)[REFERENCE_LAYERS.length - 1][1];
  conv(top, ANCHORS * cfg.numClasses, 1, false);
  conv(top, ANCHORS * 4, 1, false);
  return flops;
}

/** det's webgpu kernels are registered (not `--stock`): the SGD kernel stands for all of them. */
function detKernels(): boolean {
  return tf.getKernel(SGD_STEP_KERNEL, tf.getBackend()) != null;
}

function layers(cfg: ReferenceConfig): [number, number, number][] {
  const d = cfg.widthDivisor ?? 1;
  return REFERENCE_LAYERS.map(([cin, cout, s], i) => [i === 0 ? cin : Math.max(1, cin / d), Math.max(1, cout / d), s]);
}

/** A variable that owns its initial value (tf.variable keeps its own reference to the data). */
function toVariable(init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

function seededTensor(shape: number[], seed: number, scale: number, offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = seededValues(n, seed);
  for (let i = 0; i < n; i++) v[i] = v[i] * scale + offset;
  return tf.tensor(v, shape);
}

export interface ReferenceStep {
  params: Record<string, tf.Variable>;
  /** One SGD step; resolves to the loss before the update (read asynchronously). */
  step(): Promise<number>;
  dispose(): void;
}

export function buildReferenceStep(cfg: ReferenceConfig): ReferenceStep {
  const seed = cfg.seed ?? 1;
  const lr = cfg.lr ?? 0.01;
  const momentum = cfg.momentum ?? 0.9;
  const defs = layers(cfg);
  const top = defs[defs.length - 1][1];
  const params: Record<string, tf.Variable> = {};
  // Uniform in ±√3·std has the std of the reference's normal init.
  defs.forEach(([cin, cout], i) => {
    params[`conv${i}.weight`] = toVariable(seededTensor([3, 3, cin, cout], seed + i, Math.sqrt(3) * Math.sqrt(2 / (9 * cout))));
    params[`bn${i}.weight`] = toVariable(tf.ones([cout]));
    params[`bn${i}.bias`] = toVariable(tf.zeros([cout]));
  });
  params['cls.weight'] = toVariable(seededTensor([3, 3, top, ANCHORS * cfg.numClasses], seed + 20, Math.sqrt(3) * 0.01));
  params['cls.bias'] = toVariable(tf.fill([ANCHORS * cfg.numClasses], -4.595));
  params['reg.weight'] = toVariable(seededTensor([3, 3, top, ANCHORS * 4], seed + 21, Math.sqrt(3) * 0.01));
  params['reg.bias'] = toVariable(tf.zeros([ANCHORS * 4]));
  const velocity = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, toVariable(tf.zerosLike(p), false)]));

  // Fixed batch: inputs, ~1% positive cls targets, reg targets.
  const fm = defs.reduce((h, [, , s]) => Math.ceil(h / s), cfg.size);
  const x = seededTensor([cfg.batch, cfg.size, cfg.size, 3], seed + 100, Math.sqrt(3));
  const u = seededValues(cfg.batch * fm * fm * ANCHORS * cfg.numClasses, seed + 101);
  const clsValues = u.map((v) => ((v + 1) / 2 < 0.01 ? 1 : 0));
  const numPos = Math.max(1, clsValues.reduce((a, b) => a + b, 0));
  const clsTarget = tf.tensor(clsValues, [cfg.batch * fm * fm * ANCHORS, cfg.numClasses]);
  const regTarget = seededTensor([cfg.batch, fm, fm, ANCHORS * 4], seed + 102, Math.sqrt(3) * 0.5);

  function loss(): tf.Scalar {
    let y = x as tf.Tensor4D;
    defs.forEach(([, , stride], i) => {
      y = tf.conv2d(y, params[`conv${i}.weight`] as tf.Tensor4D, stride, 'same');
      // BatchNorm with batch statistics + ReLU: det's fused kernels on webgpu, tf.moments +
      // tf.batchNorm + tf.relu elsewhere (the same function)
      y = batchNormTrain(y, params[`bn${i}.weight`], params[`bn${i}.bias`], 1e-5, true) as tf.Tensor4D;
    });
    // the heads and losses as det's detectors run them: bias in the conv's epilogue and the fused
    // losses where det's kernels are registered (webgpu), the same functions from ops elsewhere
    const head = (name: string) => (detKernels()
      ? fusedConvBias(y, params[`${name}.weight`] as tf.Tensor4D, params[`${name}.bias`] as tf.Tensor1D, 1, 'same', 'linear')
      : tf.add(tf.conv2d(y, params[`${name}.weight`] as tf.Tensor4D, 1, 'same'), params[`${name}.bias`]));
    const cls = tf.reshape(head('cls'), [-1, cfg.numClasses]);
    // Sigmoid focal loss (alpha 0.25, gamma 2) summed, / numPos; smooth L1 (beta 1/9) averaged.
    const focal = tf.div(sigmoidFocalLoss(cls, clsTarget, { gamma: 2, alpha: 0.25, reduction: 'sum' }), numPos);
    const smooth = smoothL1Loss(head('reg'), regTarget, { beta: 1 / 9, reduction: 'mean' });
    return tf.add(focal, smooth) as tf.Scalar;
  }

  return {
    params,
    async step() {
      const value = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, Object.values(params));
        const fused = detKernels();
        for (const [name, p] of Object.entries(params)) {
          const v = velocity[name];
          if (fused) {
            // det's one-kernel SGD update (webgpu): same math, 1 dispatch instead of 4
            const [newP, newV] = tf.engine().runKernel(SGD_STEP_KERNEL, { param: p, grad: grads[p.name], buf: v },
              { lr, momentum, dampening: 0, weightDecay: 0, nesterov: false } as unknown as tf.NamedAttrMap) as tf.Tensor[];
            v.assign(newV);
            p.assign(newP);
            continue;
          }
          v.assign(tf.add(tf.mul(v, momentum), grads[p.name]));
          p.assign(tf.sub(p, tf.mul(v, lr)));
        }
        return value;
      });
      const out = (await value.data())[0];
      value.dispose();
      return out;
    },
    dispose() {
      tf.dispose([...Object.values(params), ...Object.values(velocity), x, clsTarget, regTarget]);
    },
  };
}
