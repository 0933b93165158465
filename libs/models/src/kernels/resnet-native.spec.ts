import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@det/registry';
import { ResNet } from '../backbones/resnet';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { randomData, relativeError } from './__fixtures__/compare';

const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

// End to end through det's own layers (Conv2d, BatchNorm2d, max pool, residual adds): a ResNet-18
// training step's loss and gradients agree between the native backend and the stock cpu backend.
describeNative('ResNet-18 (det backbone) on the native backend', () => {
  it('gives the loss and parameter gradients of the cpu backend (relative error ≤ 1e-4)', async () => {
    tf.env().set('IS_TEST', true);
    const load = loadNativeAddon();
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    registerNativeBackend(load.addon);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const net = new ResNet({ depth: 18, baseChannels: 8, rng: new Rng(0) });
      net.train(true);
      const x = tf.tensor(randomData(2 * 32 * 32 * 3, 5), [2, 32, 32, 3]);
      const params = net.parameters();
      const { value, grads } = tf.variableGrads(() => {
        const outs = net.forward(x);
        return tf.addN(outs.map((o, i) => tf.mul(tf.mean(tf.square(o)), i + 1))) as tf.Scalar;
      }, Object.values(params));
      const result = {
        loss: value.dataSync()[0],
        grads: Object.fromEntries(Object.entries(params).map(([name, v]) => [name, Float32Array.from(grads[v.name].dataSync())])),
      };
      tf.dispose([value, x, ...Object.values(grads)]);
      net.dispose();
      return result;
    };
    const ref = await run('cpu');
    const got = await run(NATIVE_BACKEND);
    expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
    const names = Object.keys(ref.grads);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const err = relativeError(got.grads[name], ref.grads[name]);
      if (!(err <= 1e-4)) throw new Error(`gradient of ${name}: relative error ${err}`);
    }
    await tf.setBackend('cpu');
  });
});
