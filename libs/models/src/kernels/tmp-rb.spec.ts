import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../backend/select-backend';
import { shapeOpFuzzCases } from '../testing/shape-op-fuzz-cases';
it('rb', async () => {
  for (const b of ['cpu', 'native', 'wasm']) {
    await selectBackend(b as 'cpu');
    for (const [shape, out, align, half] of [[[1, 7, 6, 1], [5, 4], false, false], [[1, 7, 6, 1], [5, 4], false, true], [[1, 7, 6, 1], [5, 4], true, false], [[2, 7, 6, 3], [13, 12], false, false]] as const) {
      try {
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.image.resizeBilinear(x as tf.Tensor4D, out as [number, number], align, half)))(tf.ones(shape as unknown as number[]));
        console.log(b, shape, out, align, half, 'ok', g.shape);
      } catch (e) { console.log(b, shape, out, align, half, 'ERR', (e as Error).message.slice(0, 150)); }
    }
  }
  const c = shapeOpFuzzCases(300, 43).find((x) => x.desc.startsWith('resizeBilinear [2,7,6,3]'));
  console.log(c?.desc);
});
