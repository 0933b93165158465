import * as tf from '@tensorflow/tfjs-core';
import { seededValues } from './compare';
import { batchNormTrain } from '../../nn/batch-norm-train';
import { SGD_STEP_KERNEL } from '../kernels/sgd-step';

/**
 * ENVIRONMENT.md's reference training step in plain tfjs ops, as bench/train-step/network.js
 * defines it (same layers): 8 × (conv3×3 → BatchNorm with batch statistics → ReLU), a cls head
 * (conv3×3 → 9·C logits, sigmoid focal loss) and a reg head (conv3×3 → 36, smooth-L1), SGD with
 * momentum 0.9. Differences, for webgpu: every read is async, and weights/targets come from a
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
  const clsTarget = tf.tensor(clsValues, [cfg.batch, fm, fm, ANCHORS * cfg.numClasses]);
  const regTarget = seededTensor([cfg.batch, fm, fm, ANCHORS * 4], seed + 102, Math.sqrt(3) * 0.5);

  function loss(): tf.Scalar {
    let y = x as tf.Tensor4D;
    defs.forEach(([, , stride], i) => {
      y = tf.conv2d(y, params[`conv${i}.weight`] as tf.Tensor4D, stride, 'same');
      // BatchNorm with batch statistics + ReLU: det's fused kernels on webgpu, tf.moments +
      // tf.batchNorm + tf.relu elsewhere (the same function)
      y = batchNormTrain(y, params[`bn${i}.weight`], params[`bn${i}.bias`], 1e-5, true) as tf.Tensor4D;
    });
    const cls = tf.add(tf.conv2d(y, params['cls.weight'] as tf.Tensor4D, 1, 'same'), params['cls.bias']);
    const reg = tf.add(tf.conv2d(y, params['reg.weight'] as tf.Tensor4D, 1, 'same'), params['reg.bias']);
    const t = clsTarget;
    // Sigmoid focal loss (alpha 0.25, gamma 2) / numPos, in a numerically stable form.
    const p = tf.sigmoid(cls);
    const ce = tf.add(tf.sub(tf.relu(cls), tf.mul(cls, t)), tf.log1p(tf.exp(tf.neg(tf.abs(cls)))));
    const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t)));
    const alpha = tf.add(tf.mul(t, 0.25), tf.mul(tf.sub(1, t), 0.75));
    const focal = tf.div(tf.sum(tf.mul(tf.mul(ce, tf.square(tf.sub(1, pt))), alpha)), numPos);
    // Smooth L1 (beta 1/9), averaged; written without a comparison so it stays differentiable.
    const beta = 1 / 9;
    const diff = tf.abs(tf.sub(reg, regTarget));
    const small = tf.minimum(diff, beta);
    const smooth = tf.add(tf.div(tf.mul(tf.square(small), 0.5), beta), tf.relu(tf.sub(diff, beta)));
    return tf.add(focal, tf.mean(smooth)) as tf.Scalar;
  }

  return {
    params,
    async step() {
      const value = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, Object.values(params));
        const fused = tf.getKernel(SGD_STEP_KERNEL, tf.getBackend()) != null;
        for (const [name, p] of Object.entries(params)) {
          const v = velocity[name];
          if (fused) {
            // det's one-kernel SGD update (webgpu): same math, 2 dispatches instead of 4
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
