import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { DetError } from '@det/registry';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { setupWebGpu, noAdapterError, webgpuAdapterInfo, overriddenWebGpuKernels } from './index';
import { selectBackend } from '../backend';

describeIfGpu(gpuSuite('setupWebGpu'), () => {
  it('selects webgpu, reports the adapter and installs det kernels; a second call is a no-op', async () => {
    const first = await setupWebGpu();
    expect(tf.getBackend()).toBe('webgpu');
    expect(first.adapter.length).toBeGreaterThan(0);
    expect(first.detKernels).toEqual(expect.arrayContaining(['AddN', 'Conv2DBackpropFilter']));
    expect(overriddenWebGpuKernels()).toEqual(expect.arrayContaining(['AddN', 'Conv2DBackpropFilter']));
    await tf.setBackend('cpu');
    const second = await setupWebGpu();
    expect(second).toBe(first);
    expect(tf.getBackend()).toBe('webgpu');
  });

  it("selectBackend('webgpu') goes through setupWebGpu (det kernels installed)", async () => {
    await tf.setBackend('cpu');
    await expect(selectBackend('webgpu')).resolves.toBe('webgpu');
    expect(overriddenWebGpuKernels()).toEqual(expect.arrayContaining(['AddN', 'Conv2DBackpropFilter']));
  });

  it('webgpuAdapterInfo names the same adapter', async () => {
    const info = await webgpuAdapterInfo();
    const setup = await setupWebGpu();
    expect(info.available).toBe(true);
    if (info.available) expect(info.adapter).toBe(setup.adapter);
  });

  it('reads back asynchronously; dataSync of GPU data fails with a DetError that says to await', async () => {
    await setupWebGpu();
    const t = tf.mul(tf.tensor1d([1, 2, 3]), 2);
    expect(Array.from(await t.data())).toEqual([2, 4, 6]);
    t.dispose();
    // Big enough to stay on the GPU (tfjs forwards tiny ops to the CPU, whose data reads sync).
    const onGpu = tf.sum(tf.ones([64, 64]));
    expect(() => onGpu.dataSync()).toThrow(/cannot read GPU tensors synchronously.*await tensor\.data\(\).*Called from .*setup\.spec\.ts/);
    expect(Array.from(await onGpu.data())).toEqual([4096]);
    expect(Array.from(onGpu.dataSync())).toEqual([4096]); // cached on the host after the await
    onGpu.dispose();
  });
});

describe('webgpu without an adapter', () => {
  it('explains which ICD was tried and how to get a device', () => {
    const saved = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json';
    try {
      const err = noAdapterError();
      expect(err).toBeInstanceOf(DetError);
      expect(err.message).toContain('VK_ICD_FILENAMES=/nonexistent/icd.json');
      expect(err.message).toContain('tools/lavapipe/install.sh');
      expect(err.message).toContain('--backend wasm|cpu');
    } finally {
      if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = saved;
    }
  });
});
