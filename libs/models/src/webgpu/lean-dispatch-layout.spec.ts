import { uniformLayout } from './lean-dispatch';
import { Rng } from '@det/registry';

// The lean dispatch path (lean-dispatch.ts) packs uniforms itself, so its layout must be exactly
// the struct tfjs-backend-webgpu's shaders declare. Checked byte for byte against tfjs's own
// packing (WebGPUBackend.prototype.makeUniforms run on a stand-in backend), device-free.

type Uniform = { type: string; data: number[] };

function tfjsPacking(fields: Uniform[]): Uint8Array {
  const g = globalThis as Record<string, unknown>;
  const hadUsage = 'GPUBufferUsage' in g;
  if (!hadUsage) g.GPUBufferUsage = { COPY_DST: 8, UNIFORM: 64 };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: { prototype: Record<string, (...a: unknown[]) => unknown> } };
    let written = new Uint8Array(0);
    const standIn = {
      bufferManager: { acquireBuffer: () => ({}) },
      queue: { writeBuffer: (_b: unknown, _o: number, data: ArrayBuffer, dataOffset: number, size: number) => { written = new Uint8Array(data.slice(dataOffset, dataOffset + size)); } },
      uniformPendingDisposal: [] as unknown[],
    };
    WebGPUBackend.prototype.makeUniforms.call(standIn, fields.map((f) => ({ type: f.type, data: [...f.data] })));
    return written;
  } finally {
    if (!hadUsage) delete g.GPUBufferUsage;
  }
}

function detPacking(fields: Uniform[]): Uint8Array {
  const offsets: number[] = [];
  const copy = fields.map((f) => ({ type: f.type, data: [...f.data] }));
  const size = uniformLayout(copy, offsets);
  const bytes = new ArrayBuffer(size);
  copy.forEach((f, i) => {
    const View = f.type === 'int32' ? Int32Array : f.type === 'uint32' ? Uint32Array : Float32Array;
    new View(bytes, offsets[i], f.data.length).set(f.data);
  });
  return new Uint8Array(bytes);
}

describe('lean dispatch: uniform layout', () => {
  it('matches tfjs for the fields every program has (two rank-4 inputs, rank-4 output, size)', () => {
    const fields: Uniform[] = [
      { type: 'float32', data: [NaN] }, { type: 'float32', data: [Infinity] },
      ...[[2, 8, 8, 16], [2, 8, 8, 16], [2, 8, 8, 16]].flatMap((s) => [{ type: 'int32', data: s }, { type: 'int32', data: [1024, 128, 16, 1] }]),
      { type: 'int32', data: [2048] },
    ];
    expect(detPacking(fields)).toEqual(tfjsPacking(fields));
  });

  it('matches tfjs for 300 random field lists of ranks 0–6 and all three types', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const fields: Uniform[] = Array.from({ length: 1 + Math.floor(rng.next() * 12) }, () => {
        const n = Math.floor(rng.next() * 7);
        const type = ['float32', 'int32', 'uint32'][Math.floor(rng.next() * 3)];
        return { type, data: Array.from({ length: n }, () => Math.floor(rng.next() * 1000)) };
      });
      expect({ trial, bytes: detPacking(fields) }).toEqual({ trial, bytes: tfjsPacking(fields) });
    }
  });

  it('refuses a field of more than 6 elements', () => {
    expect(() => uniformLayout([{ type: 'int32', data: [1, 2, 3, 4, 5, 6, 7] }], [])).toThrow(/at most 6/);
  });
});
