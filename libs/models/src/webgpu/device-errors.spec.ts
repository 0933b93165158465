import * as tf from '@tensorflow/tfjs-core';
import { throwIfWebGpuFailed, watchDeviceErrors, type ErrorReportingDevice } from './device-errors';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { setupWebGpu } from './setup';
import { BaseDetector } from '../detectors/base-detector';
import type { DetBatch } from '../detectors/types';

/** A device whose uncaptured errors and loss the test triggers. */
function fakeDevice(): ErrorReportingDevice & { fail(message: string): void; lose(reason: string): Promise<void> } {
  const listeners: ((e: { error: { message: string } }) => void)[] = [];
  let lose!: (info: { reason: string; message: string }) => void;
  const lost = new Promise<{ reason: string; message: string }>((resolve) => { lose = resolve; });
  return {
    addEventListener: (_type, listener) => { listeners.push(listener as (e: { error: { message: string } }) => void); },
    lost,
    fail: (message) => listeners.forEach((l) => l({ error: { message } })),
    lose: async (reason) => { lose({ reason, message: 'the driver reset' }); await lost; await Promise.resolve(); },
  };
}

describe('watchDeviceErrors / throwIfWebGpuFailed', () => {
  it('is a no-op while the device reports nothing', () => {
    watchDeviceErrors(fakeDevice(), 'fake GPU');
    expect(() => throwIfWebGpuFailed()).not.toThrow();
  });

  it('turns the first uncaptured error into a DetError naming the adapter, the message and how many more there were, once', () => {
    const device = fakeDevice();
    watchDeviceErrors(device, 'fake GPU');
    device.fail('Invalid ComputePipeline "detSgmatPhaseGemm_…"');
    device.fail('a second one');
    expect(() => throwIfWebGpuFailed()).toThrow(/^WebGPU error on "fake GPU" \(and 1 more\): Invalid ComputePipeline "detSgmatPhaseGemm_…"\nDawn drops a command/);
    expect(() => throwIfWebGpuFailed()).not.toThrow(); // reported once
  });

  it('reports a lost device, but not one destroyed on purpose', async () => {
    const lost = fakeDevice();
    watchDeviceErrors(lost, 'fake GPU');
    await lost.lose('unknown');
    expect(() => throwIfWebGpuFailed()).toThrow(/WebGPU device on "fake GPU" was lost \(unknown: the driver reset\).*--resume auto/);
    const destroyed = fakeDevice();
    watchDeviceErrors(destroyed, 'fake GPU');
    await destroyed.lose('destroyed');
    expect(() => throwIfWebGpuFailed()).not.toThrow();
  });
});

/** The smallest detector: one weight, loss = w². */
class OneWeight extends BaseDetector {
  readonly w = this.addParameter('w', tf.scalar(2));
  extractFeat(img: tf.Tensor): tf.Tensor[] { return [img]; }
  forwardTrain(): Record<string, tf.Scalar> { return { loss: tf.square(this.w) as tf.Scalar }; }
  simpleTest(): [] { return []; }
  augTest(): [] { return []; }
}

describe('BaseDetector steps check the WebGPU device after awaiting it', () => {
  const batch = { img: { data: new Float32Array(4 * 4 * 3), shape: [1, 4, 4, 3] }, imgMetas: [{}] } as unknown as DetBatch;

  it('trainStep, valStep and forwardTest reject with the device\'s error, and go on once it is reported', async () => {
    const detector = new OneWeight();
    const device = fakeDevice();
    watchDeviceErrors(device, 'fake GPU');
    for (const step of [() => detector.trainStep(batch), () => detector.valStep(batch), () => detector.forwardTest(batch)]) {
      device.fail('Invalid CommandBuffer');
      await expect(step()).rejects.toThrow(/WebGPU error on "fake GPU": Invalid CommandBuffer/);
    }
    const out = await detector.trainStep(batch);
    expect(out.loss).toBe(4);
    tf.dispose(Object.values(out.grads ?? {}));
  });
});

describeIfGpu(gpuSuite('WebGPU errors nobody captured stop the next step'), () => {
  it('an invalid command on the device tfjs uses is reported by throwIfWebGpuFailed after the next await', async () => {
    await setupWebGpu();
    const device = (tf.backend() as unknown as { device: { createBuffer(d: object): { destroy(): void }; queue: { onSubmittedWorkDone(): Promise<void> } } }).device;
    expect(() => throwIfWebGpuFailed()).not.toThrow();
    device.createBuffer({ size: 4, usage: 0x0001 | 0x0080 }); // MAP_READ | STORAGE: invalid together
    await device.queue.onSubmittedWorkDone();
    expect(() => throwIfWebGpuFailed()).toThrow(/WebGPU error on ".+": .*usage/i);
  }, 60_000);
});
