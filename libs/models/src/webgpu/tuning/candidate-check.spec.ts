import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { withWebGpuErrors } from './candidate-check';

// Device-free: a fake device's error scopes on the cpu backend object.
describe('withWebGpuErrors', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  function fakeDevice(errorIn: string | null) {
    const stack: string[] = [];
    const device = {
      pushErrorScope: (filter: string) => { stack.push(filter); },
      popErrorScope: async () => {
        const filter = stack.pop();
        return filter === errorIn ? { message: `${filter} failure` } : null;
      },
    };
    (tf.backend() as unknown as { device?: unknown }).device = device;
    return stack;
  }
  afterEach(() => { delete (tf.backend() as unknown as { device?: unknown }).device; });

  // a driver that fails to compile a shader Dawn accepted reports it as an internal error: the
  // f16 check and kernel tuning must see it, not time an empty dispatch
  it.each(['internal', 'out-of-memory', 'validation'])('turns an error in the %s scope into a throw, after cleanup', async (scope) => {
    const stack = fakeDevice(scope);
    const cleanup = jest.fn();
    await expect(withWebGpuErrors(async () => 1, cleanup)).rejects.toThrow(`WebGPU error: ${scope} failure`);
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(stack).toEqual([]); // every scope it pushed was popped
  });

  it('returns the work\'s result when no scope reports an error', async () => {
    const stack = fakeDevice(null);
    await expect(withWebGpuErrors(async () => 42)).resolves.toBe(42);
    expect(stack).toEqual([]);
  });
});
