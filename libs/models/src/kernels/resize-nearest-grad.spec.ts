import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { registerCpuResizeNearestGrad } from './resize-nearest-grad';

// The resize gradient against the adjoint of tfjs's own forward op: resizing a tensor of unique
// ids tells each output pixel its source, and dx[source] += dy must follow. tfjs-backend-cpu's
// stock kernel fails this from the second image of a batch on.
describe('ResizeNearestNeighborGrad on cpu (det replaces the stock kernel)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ensureGradients();
    registerCpuResizeNearestGrad();
  });

  it.each([
    [[2, 2, 2, 3], [4, 4], false, false],
    [[3, 5, 4, 2], [7, 9], false, true],
    [[2, 4, 3, 1], [3, 8], true, false],
    [[2, 1, 3, 2], [1, 5], true, false], // one input row: the stock kernel loops forever on such shapes with alignCorners
  ] as const)('images %j → %j (alignCorners %s, halfPixelCenters %s) is the adjoint of the forward', async (shape, size, align, half) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ids = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => i), [...shape]);
    const source = Array.from(await tf.image.resizeNearestNeighbor(ids, [...size], align, half).data());
    const dyValues = Float32Array.from({ length: source.length }, (_, i) => ((i * 37) % 11) - 5);
    const want = new Float32Array(n);
    source.forEach((src, i) => { want[src] += dyValues[i]; });
    const dy = tf.tensor(dyValues, [shape[0], size[0], size[1], shape[3]]);
    const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [...size], align, half), dy)))(ids);
    expect(Array.from(await dx.data())).toEqual(Array.from(want));
    tf.dispose([ids, dy, dx]);
  });
});
