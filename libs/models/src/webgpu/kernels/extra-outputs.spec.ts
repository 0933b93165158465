import type * as tf from '@tensorflow/tfjs-core';
import { runWithExtraOutputs } from './extra-outputs';
import { ChannelFinalizeProgram } from './batch-norm-programs';
import { rewriteShader } from '../shader-hooks';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';

// Device-free: how programs with extra outputs are bound (the values are checked on a device by
// the SGD and BatchNorm specs).

function fakeBackend(maxStorage = 8) {
  const made: number[][] = [];
  const disposed: object[] = [];
  const ran: { program: WebGpuProgramLike; inputs: tf.TensorInfo[] }[] = [];
  const backend = {
    device: { limits: { maxStorageBuffersPerShaderStage: maxStorage } },
    makeTensorInfo: (shape: number[]) => {
      made.push(shape);
      return { dataId: {}, shape, dtype: 'float32' } as tf.TensorInfo;
    },
    runWebGPUProgram: (program: WebGpuProgramLike, inputs: tf.TensorInfo[]) => {
      ran.push({ program, inputs });
      return { dataId: {}, shape: program.outputShape, dtype: 'float32' } as tf.TensorInfo;
    },
    disposeData: (dataId: object) => disposed.push(dataId) > 0,
  } as unknown as WebGpuBackendLike;
  return { backend, made, ran, disposed };
}

const input = (shape: number[]) => ({ dataId: {}, shape, dtype: 'float32' }) as tf.TensorInfo;

describe('runWithExtraOutputs', () => {
  it('binds new tensors after the inputs and returns them after the result', () => {
    const { backend, made, ran } = fakeBackend();
    const program = new ChannelFinalizeProgram(100, 8, 4, ['dxCoef', 'dGamma', 'dBeta'], 1e-5);
    const [partial, mean, variance, gamma] = [input([8, 8]), input([8]), input([8]), input([8])];
    const out = runWithExtraOutputs(backend, program, [partial, mean, variance, gamma], program.extraShapes());
    expect(made).toEqual([[8], [8]]);
    expect(ran[0].inputs.slice(0, 4)).toEqual([partial, mean, variance, gamma]);
    expect(ran[0].inputs.slice(4)).toEqual(out.slice(1));
    expect(out.map((t) => t.shape)).toEqual([[3, 8], [8], [8]]);
  });

  it('says so when the names and tensors disagree, or the shader would need too many storage buffers', () => {
    const { backend } = fakeBackend(6);
    const program = new ChannelFinalizeProgram(100, 8, 4, ['dxCoef', 'dGamma', 'dBeta'], 1e-5);
    expect(() => runWithExtraOutputs(backend, program, [input([8, 8])], program.extraShapes())).toThrow(/6 bindings named for 1 inputs \+ 2 extra outputs/);
    expect(() => runWithExtraOutputs(backend, program, [0, 1, 2, 3].map(() => input([8])), program.extraShapes()))
      .toThrow(/7 storage buffers, the device allows 6 per shader/);
  });

  it('frees the extra outputs when the program fails to run', () => {
    const { backend, disposed } = fakeBackend();
    (backend as { runWebGPUProgram: unknown }).runWebGPUProgram = () => { throw new Error('pipeline failed'); };
    const program = new ChannelFinalizeProgram(100, 8, 4, ['mean', 'variance']);
    expect(() => runWithExtraOutputs(backend, program, [input([8, 8]), input([2, 8])], program.extraShapes())).toThrow('pipeline failed');
    expect(disposed).toHaveLength(1);
  });
});

describe('ChannelFinalizeProgram with several kinds', () => {
  it('reads only what its kinds need, in binding order, and writes the extra kinds to writable bindings', () => {
    const stats = new ChannelFinalizeProgram(50, 4, 2, ['mean', 'variance']);
    expect(stats.variableNames).toEqual(['partial', 'x', 'out_variance']);
    expect(stats.outputShape).toEqual([4]);
    const frozen = new ChannelFinalizeProgram(50, 4, 2, ['dGamma', 'dBeta', 'dMean'], 1e-3, { scale: 'vector' });
    expect(frozen.inputNames).toEqual(['partial', 'variance', 'gamma']);
    expect(frozen.variableNames).toEqual(['partial', 'variance', 'gamma', 'out_dBeta', 'out_dMean']);
    // what tfjs would declare, then the hook's rewrite
    const declared = frozen.variableNames.map((n, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${n}: array<f32>;`).join('\n');
    const shader = rewriteShader(`${declared}\n${frozen.getUserCode()}`);
    expect(shader).toContain('var<storage, read_write> out_dBeta: array<f32>;');
    expect(shader).toContain('var<storage, read_write> out_dMean: array<f32>;');
    expect(shader).toContain('var<storage, read> gamma: array<f32>;');
    expect(shader).toMatch(/result\[c\] = s1 \* inverseSqrt/); // dGamma, the first kind, is the result
    expect(shader).toContain('out_dBeta[c] = s0;');
  });

  it('needs at least one kind', () => {
    expect(() => new ChannelFinalizeProgram(50, 4, 2, [])).toThrow(/no kind/);
  });
});
