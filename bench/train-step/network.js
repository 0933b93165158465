// The reference network of ENVIRONMENT.md in plain tfjs ops: 8 × (conv3×3 → BatchNorm (batch
// statistics) → ReLU), a classification head (conv3×3 → 9·C logits, sigmoid focal loss) and a
// regression head (conv3×3 → 36, smooth-L1), trained with SGD + momentum 0.9.
'use strict';

const LAYERS = [
  [3, 16, 1], [16, 32, 2], [32, 32, 1], [32, 64, 2], [64, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2],
];
const ANCHORS = 9;

/** FLOPs of one training step (multiply-add = 2): forward, input gradient (not for layer 1), filter gradient. */
function stepFlops({ batch, size, numClasses }) {
  let h = size, flops = 0;
  const conv = (cin, cout, stride, first) => {
    h = Math.ceil(h / stride);
    const fwd = 2 * batch * h * h * 9 * cin * cout;
    flops += fwd * (first ? 2 : 3);
  };
  LAYERS.forEach(([cin, cout, s], i) => conv(cin, cout, s, i === 0));
  conv(256, ANCHORS * numClasses, 1, false);
  conv(256, ANCHORS * 4, 1, false);
  return flops;
}

/**
 * `bn: 'fused'` normalises with tf.batchNorm (one FusedBatchNorm kernel); `bn: 'ops'` spells it as
 * (x − mean)·(rsqrt(var + eps)·gamma) + beta, as det's BatchNorm2d layer does.
 */
function buildNetwork(tf, { numClasses, seed = 1, bn = 'fused' }) {
  const params = {};
  LAYERS.forEach(([cin, cout], i) => {
    params[`conv${i}.weight`] = tf.variable(tf.randomNormal([3, 3, cin, cout], 0, Math.sqrt(2 / (9 * cout)), 'float32', seed + i));
    params[`bn${i}.weight`] = tf.variable(tf.ones([cout]));
    params[`bn${i}.bias`] = tf.variable(tf.zeros([cout]));
  });
  params['cls.weight'] = tf.variable(tf.randomNormal([3, 3, 256, ANCHORS * numClasses], 0, 0.01, 'float32', seed + 20));
  params['cls.bias'] = tf.variable(tf.fill([ANCHORS * numClasses], -4.595));
  params['reg.weight'] = tf.variable(tf.randomNormal([3, 3, 256, ANCHORS * 4], 0, 0.01, 'float32', seed + 21));
  params['reg.bias'] = tf.variable(tf.zeros([ANCHORS * 4]));

  function forward(x) {
    let y = x;
    LAYERS.forEach(([, , stride], i) => {
      y = tf.conv2d(y, params[`conv${i}.weight`], stride, 'same');
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const gamma = params[`bn${i}.weight`], beta = params[`bn${i}.bias`];
      const normed = bn === 'fused'
        ? tf.batchNorm(y, mean, variance, beta, gamma, 1e-5)
        : tf.add(tf.mul(tf.sub(y, mean), tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), gamma)), beta);
      y = tf.relu(normed);
    });
    const cls = tf.add(tf.conv2d(y, params['cls.weight'], 1, 'same'), params['cls.bias']);
    const reg = tf.add(tf.conv2d(y, params['reg.weight'], 1, 'same'), params['reg.bias']);
    return { cls, reg };
  }

  function loss(x, targets) {
    const { cls, reg } = forward(x);
    const t = targets.cls;
    // Sigmoid focal loss (alpha 0.25, gamma 2), normalised by the number of positives.
    const p = tf.sigmoid(cls);
    const ce = tf.add(tf.sub(tf.relu(cls), tf.mul(cls, t)), tf.log1p(tf.exp(tf.neg(tf.abs(cls)))));
    const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t)));
    const alpha = tf.add(tf.mul(t, 0.25), tf.mul(tf.sub(1, t), 0.75));
    const focal = tf.div(tf.sum(tf.mul(tf.mul(ce, tf.square(tf.sub(1, pt))), alpha)), targets.numPos);
    // Smooth L1 (beta 1/9), averaged.
    const beta = 1 / 9;
    const diff = tf.abs(tf.sub(reg, targets.reg));
    // 0.5·d²/β below β, d − β/2 above, written without a (non-differentiable) comparison.
    const small = tf.minimum(diff, beta);
    const smooth = tf.add(tf.div(tf.mul(tf.square(small), 0.5), beta), tf.relu(tf.sub(diff, beta)));
    return tf.add(focal, tf.mean(smooth));
  }

  return { params, forward, loss };
}

function makeBatch(tf, { batch, size, numClasses, seed = 7 }) {
  const fm = Math.ceil(size / 16);
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed);
  const clsTarget = tf.cast(tf.less(tf.randomUniform([batch, fm, fm, ANCHORS * numClasses], 0, 1, 'float32', seed + 1), 0.01), 'float32');
  const numPos = Math.max(1, tf.sum(clsTarget).dataSync()[0]);
  const reg = tf.randomNormal([batch, fm, fm, ANCHORS * 4], 0, 0.5, 'float32', seed + 2);
  return { x, targets: { cls: clsTarget, reg, numPos } };
}

module.exports = { LAYERS, stepFlops, buildNetwork, makeBatch };
