import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { expectSameAsCpu, randomData } from './__fixtures__/compare';

// The addon is built at install (libs/models/native/build.js); DET_NATIVE=0 opts out of it.
const load = loadNativeAddon();
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

const t = (shape: number[], seed: number) => tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape);

describeNative('native kernels match the stock cpu backend (relative error ≤ 1e-4)', () => {
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    registerNativeBackend(load.addon);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  const convCases: { name: string; x: number[]; f: number[]; stride: number; pad: 'same' | 'valid' | number; dilation?: number }[] = [
    { name: 'stride 1 same', x: [2, 9, 8, 5], f: [3, 3, 5, 7], stride: 1, pad: 'same' },
    { name: 'stride 2 same', x: [2, 9, 10, 4], f: [3, 3, 4, 6], stride: 2, pad: 'same' },
    { name: 'stride 1 valid', x: [1, 7, 7, 3], f: [3, 3, 3, 17], stride: 1, pad: 'valid' },
    { name: 'stride 2 valid', x: [2, 8, 7, 3], f: [3, 3, 3, 5], stride: 2, pad: 'valid' },
    { name: 'stride 2 explicit pad 1', x: [1, 10, 10, 8], f: [3, 3, 8, 20], stride: 2, pad: 1 },
    { name: '1x1 pointwise', x: [2, 5, 6, 9], f: [1, 1, 9, 33], stride: 1, pad: 'valid' },
    // an empty output (input narrower than the filter): dx was a division by zero in the addon (SIGFPE)
    { name: 'empty output', x: [3, 8, 3, 2], f: [5, 5, 2, 4], stride: 3, pad: 'valid' },
  ];

  for (const c of convCases) {
    it(`conv2d forward and gradients (x and filter): ${c.name}`, async () => {
      await expectSameAsCpu(NATIVE_BACKEND, () => {
        const x = t(c.x, 1), f = t(c.f, 2);
        const dy = t(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad).shape, 3);
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy));
        const [dx, df] = tf.grads(loss)([x, f]);
        return [tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad), dx, df];
      });
    });
  }

  it('conv2d forward with dilation 2', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => tf.conv2d(t([1, 11, 11, 3], 4) as tf.Tensor4D, t([3, 3, 3, 4], 5) as tf.Tensor4D, 1, 'same', 'NHWC', 2));
  });

  it('fused conv2d (bias + relu / leakyrelu / linear) and its gradients', async () => {
    for (const activation of ['relu', 'leakyrelu', 'linear'] as const) {
      await expectSameAsCpu(NATIVE_BACKEND, () => {
        const x = t([2, 6, 6, 4], 6), filter = t([3, 3, 4, 8], 7), bias = t([8], 8);
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.square(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, bias: c, strides: 1, pad: 'same', activation, leakyreluAlpha: 0.1 })));
        return [tf.fused.conv2d({ x, filter, bias, strides: 2, pad: 'same', activation, leakyreluAlpha: 0.1 }), ...tf.grads(f)([x, filter, bias])];
      });
    }
  });

  it('matMul with every transpose combination, batched and broadcast, and its gradients', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      await expectSameAsCpu(NATIVE_BACKEND, () => {
        const a = t(ta ? [3, 37, 19] : [3, 19, 37], 9), b = t(tb ? [3, 23, 37] : [3, 37, 23], 10);
        const b1 = t(tb ? [1, 23, 37] : [1, 37, 23], 11);
        const loss = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, ta, tb)));
        return [tf.matMul(a, b, ta, tb), tf.matMul(a, b1, ta, tb), ...tf.grads(loss)([a, b])];
      });
    }
  });

  it('large matMul (threaded split paths: rows, columns, reduction)', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => [
      tf.matMul(t([300, 64], 12), t([64, 40], 13)),
      tf.matMul(t([8, 64], 14), t([64, 400], 15)),
      tf.matMul(t([9000, 6], 16), t([9000, 5], 17), true, false),
    ]);
  });

  it('batch norm in training mode (moments + batchNorm) with gradients for x, gamma and beta', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = tf.add(tf.mul(t([2, 5, 6, 7], 18), 3), 1), gamma = t([7], 19), beta = t([7], 20), dy = t([2, 5, 6, 7], 21);
      const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(xi, [0, 1, 2]);
        return tf.sum(tf.mul(tf.relu(tf.batchNorm(xi, mean, variance, b, g, 1e-5)), dy));
      };
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return [tf.batchNorm(x, mean, variance, beta, gamma, 1e-5), ...tf.grads(f)([x, gamma, beta])];
    });
  });

  it('batch norm on rank-2 input (dense features) with gradients for every input', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = t([12, 5], 22);
      const f = (xi: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const { mean, variance } = tf.moments(xi, [0]);
        return tf.sum(tf.square(tf.batchNorm(xi, mean, variance, o, s, 1e-3)));
      };
      return tf.grads(f)([x, t([5], 27), t([5], 28)]);
    });
  });

  it('element-wise ops with same-shape, scalar, channel and general broadcasts', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const a = t([4, 3, 5], 23), c = t([5], 24), row = t([4, 1, 5], 25), pos = tf.add(tf.abs(a), 0.5);
      return [
        tf.add(a, c), tf.sub(c, a), tf.mul(a, 2), tf.div(a, pos), tf.squaredDifference(a, c), tf.maximum(a, c),
        tf.minimum(a, row), tf.relu(a), tf.relu6(tf.mul(a, 8)), tf.square(a), tf.neg(a), tf.sigmoid(a), tf.exp(a),
        tf.log(pos), tf.sqrt(pos), tf.rsqrt(pos), tf.abs(a), tf.step(a, 0.3), tf.tile(tf.reshape(c, [1, 1, 5]), [2, 3, 1]),
        tf.tile(a, [2, 1, 1]),
      ];
    });
  });

  it('element-wise ops with general broadcasts (middle axes, both operands broadcasting, rank 5)', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const a = t([2, 3, 1, 5], 29), b = t([1, 3, 4, 1], 30), g = t([2, 4, 3, 2, 6], 31), gs = t([2, 1, 1, 2, 1], 32);
      const col = t([7, 1], 33), row = t([1, 9], 34);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.mul(tf.sub(x, y), y)));
      return [
        tf.add(a, b), tf.mul(a, b), tf.sub(b, a), tf.div(a, tf.add(tf.abs(b), 1)), tf.squaredDifference(g, gs),
        tf.maximum(col, row), tf.minimum(gs, g), tf.mul(col, row), ...tf.grads(f)([g, gs]),
      ];
    });
  });

  it('transpose (any permutation up to rank 5) and its gradient', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const a = t([2, 3, 4, 5], 40), b = t([3, 1, 4, 2, 5], 41), w = t([5, 4, 2, 3], 42);
      const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.transpose(x, [3, 2, 0, 1]), w));
      return [
        tf.transpose(a, [0, 3, 1, 2]), tf.transpose(a, [3, 2, 1, 0]), tf.transpose(a, [1, 0, 2, 3]), tf.transpose(a),
        tf.transpose(b, [4, 0, 3, 1, 2]), tf.transpose(t([7, 9], 43)), tf.grad(f)(a),
      ];
    });
  });

  it('sum and mean over leading, trailing, middle and scattered axes (GroupNorm), with keepDims, and gradients', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const a = t([4, 3, 5, 2], 26);
      const f = (x: tf.Tensor) => tf.add(tf.sum(tf.square(tf.mean(x, [0, 1]))), tf.sum(tf.mean(x, [2, 3])));
      const g = t([2, 3, 4, 2, 5], 35);
      const w = t([2, 3, 4, 2, 5], 36);
      const gn = (x: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [1, 2, 4], true);  // GroupNorm's statistics
        // Weighted: the plain sum of squared standardised values is constant (its gradient is noise).
        return tf.sum(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), w));
      };
      return [
        tf.sum(a, [0, 1, 2]), tf.mean(a, [0], true), tf.sum(a, [2, 3]), tf.mean(a, -1), tf.sum(a, [1]), tf.mean(a),
        tf.grad(f)(a), tf.sum(a, [0, 2]), tf.mean(a, [1, 3], true), tf.sum(g, [1, 2, 4]), tf.mean(g, [0, 3]), tf.grad(gn)(g),
      ];
    });
  });

  it('max pooling forward and gradient (3×3 s2 same, 2×2 s2 valid, ties and padding)', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = t([2, 9, 8, 5], 37);
      const ties = tf.round(tf.mul(t([1, 6, 6, 3], 38), 2));  // many equal maxima: tie rule matters
      const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 3, 2, 'same'), t([2, 5, 4, 5], 39)));
      const g = (v: tf.Tensor) => tf.sum(tf.square(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')));
      return [
        tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'), tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.maxPool(x as tf.Tensor4D, [3, 2], 1, 1),
        tf.grad(f)(x), tf.grad(g)(x), tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 3, 1, 'same')))(ties),
      ];
    });
  });

  it('average pooling forward and gradient (2×2 s2 valid, 3×3 s2 same with padding)', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = t([2, 9, 8, 5], 44);
      const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(v as tf.Tensor4D, 3, 2, 'same'), t([2, 5, 4, 5], 45)));
      const g = (v: tf.Tensor) => tf.sum(tf.square(tf.avgPool(v as tf.Tensor4D, 2, 2, 'valid')));
      return [tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'), tf.grad(f)(x), tf.grad(g)(x)];
    });
  });

  it('nearest-neighbour resize (×2, odd sizes, alignCorners, halfPixelCenters)', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = t([2, 5, 7, 3], 46);
      return [
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [10, 14]), tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [7, 9]),
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 4]), tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [9, 13], true),
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 11], false, true), tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [1, 1], true),
      ];
    });
  });

  it('keeps non-float inputs on the stock kernels', async () => {
    await tf.setBackend(NATIVE_BACKEND);
    const r = tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4, 5, 6], [3], 'int32'));
    expect(r.dtype).toBe('int32');
    expect(Array.from(r.dataSync())).toEqual([5, 7, 9]);
    r.dispose();
  });
});
