import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { registerCpuResizeBilinearGrad } from './resize-bilinear-grad';

// The bilinear resize gradient against the transpose of tfjs's own forward op: resizing one-hot
// images gives the linear map A column by column, and dx must be Aᵀ·dy per image and channel
// (float64 here; 1e-5 of the largest value). tfjs-backend-cpu's stock kernel returns dx with
// height and width swapped (non-square inputs fail in backprop) and ignores halfPixelCenters.
describe('ResizeBilinearGrad on cpu (det replaces the stock kernel)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ensureGradients();
    registerCpuResizeBilinearGrad();
  });

  it.each([
    [[2, 7, 6, 3], [5, 4], false, false],
    [[1, 7, 6, 1], [13, 12], false, true],
    [[2, 3, 5, 2], [8, 9], true, false],
    [[1, 4, 4, 1], [7, 7], false, true], // square: the stock kernel's shapes fit, its values did not (halfPixelCenters)
    [[2, 1, 3, 2], [1, 5], true, false], // one input row
    [[1, 9, 8, 1], [3, 2], false, true], // downsampling
  ] as const)('images %j → %j (alignCorners %s, halfPixelCenters %s) is Aᵀ·dy', async (shape, size, align, half) => {
    const [n, h, w, c] = shape;
    const [oh, ow] = size;
    // A[(oy, ox), (y, x)]: the forward of each one-hot single-channel image
    const basis = tf.reshape(tf.oneHot(tf.range(0, h * w, 1, 'int32'), h * w), [h * w, h, w, 1]) as tf.Tensor4D;
    const columns = await tf.image.resizeBilinear(tf.cast(basis, 'float32') as tf.Tensor4D, [oh, ow], align, half).data();
    const dyValues = Float32Array.from({ length: n * oh * ow * c }, (_, i) => ((i * 37) % 11) / 3 - 1.5);
    const want = new Float64Array(n * h * w * c);
    for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) for (let q = 0; q < oh * ow; q++) {
      const a = columns[p * oh * ow + q];
      if (a !== 0) for (let k = 0; k < c; k++) want[(i * h * w + p) * c + k] += a * dyValues[(i * oh * ow + q) * c + k];
    }
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 3);
    const dy = tf.tensor(dyValues, [n, oh, ow, c]);
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(xi as tf.Tensor4D, [oh, ow], align, half), dy)))(x);
    expect(dx.shape).toEqual([...shape]);
    const got = await dx.data();
    const scale = Math.max(1, ...Array.from(want, Math.abs));
    want.forEach((v, i) => expect(Math.abs(got[i] - v) / scale).toBeLessThan(1e-5));
    tf.dispose([basis, x, dy, dx]);
  });
});
