import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfMatrixUnits, matrixUnitSuite } from './testing/describe-if-gpu';
import { setupWebGpu } from './setup';
import { activeMatrixUnit, setActiveMatrixUnit } from './conv-precision';
import { checkMatrixUnits } from './matrix-unit-check';

type KernelFunc = (args: { inputs: Record<string, tf.TensorInfo>; backend: { disposeData(id: object): void }; attrs?: unknown }) => tf.TensorInfo;

/** Replaces webgpu's `name` kernel with `make(current)` for the duration of `body`. */
async function withKernel<T>(name: string, make: (current: KernelFunc) => KernelFunc, body: () => Promise<T>): Promise<T> {
  const current = tf.getKernel(name, 'webgpu')!.kernelFunc as unknown as KernelFunc;
  const swap = (f: KernelFunc) => {
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: f as unknown as tf.KernelFunc });
  };
  swap(make(current));
  try {
    return await body();
  } finally {
    swap(current);
  }
}

describeIfMatrixUnits(matrixUnitSuite('checkMatrixUnits: the f16 kernels checked against f32 before training trusts them'), () => {
  beforeAll(async () => {
    const setup = await setupWebGpu({ convPrecision: 'f16' });
    expect(setup.convPrecision).toBe('f16'); // setup ran the check and it passed
    expect(setup.convPrecisionFallback).toBeUndefined();
  }, 180_000);

  it('passes on this adapter, runs every kind of matrix-unit program, leaves the unit active and leaks no tensor', async () => {
    const unit = activeMatrixUnit();
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
    const run = backend.runWebGPUProgram;
    const programs = new Set<string>();
    backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
      programs.add((args[0] as { constructor: { name: string } }).constructor.name);
      return run.apply(this, args);
    };
    try {
      expect(await checkMatrixUnits()).toBeNull();
    } finally {
      backend.runWebGPUProgram = run;
    }
    // forward convs and input gradients on the phase GEMM, filter gradients on their own program
    expect([...programs]).toEqual(expect.arrayContaining(['SgmatPhaseGemmProgram', 'SgmatFilterGradProgram', 'MaxAbsBitsProgram']));
    expect(activeMatrixUnit()).toBe(unit);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('names the output a wrong f16 kernel spoils (here: filter gradients squared when matrix units are on)', async () => {
    const unit = activeMatrixUnit();
    const multiply = tf.getKernel(tf.Multiply, 'webgpu')!.kernelFunc as unknown as KernelFunc;
    const squaredUnderF16 = (det: KernelFunc): KernelFunc => (args) => {
      const out = det(args);
      if (!activeMatrixUnit()) return out;
      const wrong = multiply({ inputs: { a: out, b: out }, backend: args.backend });
      args.backend.disposeData(out.dataId);
      return wrong;
    };
    const why = await withKernel(tf.Conv2DBackpropFilter, squaredUnderF16, () => checkMatrixUnits());
    expect(why).toMatch(/^first filter gradient: output differs from the f32 result's by [\d.e-]+ of its largest value$/);
    expect(activeMatrixUnit()).toBe(unit);
  }, 120_000);

  it('reports a WebGPU error (a matrix shape the device does not offer: its shaders are rejected)', async () => {
    const unit = activeMatrixUnit()!;
    setActiveMatrixUnit({ ...unit, M: 2 * unit.M, N: 2 * unit.N, K: 2 * unit.K });
    try {
      expect(await checkMatrixUnits()).toMatch(/WebGPU error/);
    } finally {
      setActiveMatrixUnit(unit);
    }
  }, 180_000);
});
