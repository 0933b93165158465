import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { selectBackend } from '../backend/select-backend';
import { REFERENCE_LAYERS } from './testing/reference-network';
import { seededValues } from './testing/compare';
import { fusedConvBias } from '../nn/fused-conv';

// The GPU bench's shapes: the reference network's 8 conv layers at batch 16, 320² (conv + bias:
// forward, dx, dW, db) on webgpu — the kernels and tilings det picks for them — against det's
// native backend, within 2e-5 of each output's largest value (seen ≤ 5.1e-6 on lavapipe). The
// fuzz specs reach at most 3×17² inputs; here grids of up to 25 600 workgroups and split-K
// filter gradients over 1.6 M positions run. About 4 minutes on lavapipe, so opt-in:
// DET_WEBGPU_LARGE=1. (Linear: with a ReLU the two backends' masks differ where y rounds to
// either side of 0, which moves dx, dW and db by up to 1e-2 relative at these sizes.)
const TOL = 2e-5;
const describeLarge = process.env.DET_WEBGPU_LARGE === '1' ? describeIfGpu : describe.skip;
const suffix = process.env.DET_WEBGPU_LARGE === '1' ? '' : ' (skipped: set DET_WEBGPU_LARGE=1, ~4 min on lavapipe)';

async function convAndGradients(backend: string, size: number, [cin, cout, stride]: [number, number, number]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const x = tf.tensor(seededValues(16 * size * size * cin, 1), [16, size, size, cin]);
    const w = tf.tensor(seededValues(9 * cin * cout, 2).map((v) => v * 0.2), [3, 3, cin, cout]);
    const b = tf.tensor(seededValues(cout, 3), [cout]);
    const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => fusedConvBias(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, stride, 1, 'linear');
    const y = f(x, w, b);
    const dy = tf.tensor(seededValues(y.size, 4), y.shape);
    return [y, ...tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, c, d), dy)))([x, w, b])];
  });
  const data = await Promise.all(outs.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  tf.dispose(outs);
  return data;
}

describeLarge(gpuSuite(`the reference network's layers at batch 16, 320² on webgpu vs native${suffix}`), () => {
  it('conv + bias: forward, dx, dW, db of all 8 layers', async () => {
    await selectBackend('webgpu');
    await selectBackend('native');
    const failures: string[] = [];
    let size = 320;
    for (const layer of REFERENCE_LAYERS) {
      const ref = await convAndGradients('native', size, layer);
      const got = await convAndGradients('webgpu', size, layer);
      ['y', 'dx', 'dW', 'db'].forEach((name, i) => {
        let [diff, scale] = [0, 1];
        for (let j = 0; j < ref[i].length; j++) [diff, scale] = [Math.max(diff, Math.abs(ref[i][j] - got[i][j])), Math.max(scale, Math.abs(ref[i][j]))];
        if (!(diff / scale < TOL)) failures.push(`16×${size}²×${layer[0]}→${layer[1]} stride ${layer[2]}: ${name} error ${diff / scale}`);
      });
      size = Math.ceil(size / layer[2]);
    }
    expect(failures).toEqual([]);
  }, 1_200_000);
});
