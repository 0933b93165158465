import * as tf from '@tensorflow/tfjs-core';
import { bufferId } from './buffer-pool';

const INSTALLED = Symbol.for('det.webgpu.leanDispatch');

// GPUBufferUsage.UNIFORM | COPY_DST
const UNIFORM_USAGE = 0x40 | 0x08;
/** Uniform bytes one submit may hold; a fuller arena submits early. */
const ARENA_BYTES = 256 * 1024;
/** Bind groups kept; the cache is dropped whole past this (a step of RetinaNet needs ~2000). */
const BIND_GROUP_CACHE_LIMIT = 16384;

type Uniform = { type: string; data: number[] };
interface ProgramLike {
  pipeline: object;
  dispatch: [number, number, number];
  outputShape: number[];
  outputComponent?: number;
  size?: boolean;
  pixelsOpType?: number | null;
}
interface BufferLike { size: number; mapAsync?: unknown }
interface PassLike {
  setPipeline(p: object): void;
  setBindGroup(i: number, g: object): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
  end(): void;
}
interface DeviceLike {
  limits: Record<string, number>;
  createBuffer(d: { size: number; usage: number }): BufferLike & { destroy(): void };
  createBindGroup(d: { layout: object; entries: { binding: number; resource: object }[] }): object;
}
/** The parts of tfjs-backend-webgpu's `WebGPUBackend` this path replaces or reads. */
interface DispatchingBackend {
  device: DeviceLike;
  queue: { writeBuffer(b: object, offset: number, data: ArrayBuffer, dataOffset: number, size: number): void };
  tensorMap: { get(dataId: object): { resource?: unknown } | undefined };
  commandQueueOwnedIds: WeakSet<object>;
  commandEncoder: { beginComputePass(d: object): PassLike } | null;
  computePassEncoder: PassLike | null;
  dispatchCountInPass: number;
  activeTimers?: unknown[] | null;
  recordAndSubmit(program: ProgramLike, output: tf.TensorInfo, inputs: tf.TensorInfo[], uniforms?: Uniform[]): void;
  submitQueue(): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  dispose(): void;
  [INSTALLED]?: () => void;
}

/**
 * A leaner dispatch path for tfjs-backend-webgpu, where recording a dispatch cost the host about
 * as much as the GPU spent on it (H200: ~65 µs each, ~260 dispatches per reference step).
 * tfjs makes, per dispatch, a pooled uniform buffer plus a queue write for ~100 bytes, looks up
 * the pipeline's bind group layout, and creates a new bind group. Here:
 * - uniforms go into one arena buffer, each dispatch at its own 256-byte-aligned offset, written
 *   with a single `queue.writeBuffer` just before the submit that reads them. Queue operations
 *   run in order, so the next batch's write lands after the previous batch's commands;
 * - bind groups are cached by (pipeline, buffers, uniform offset). A training step repeats the
 *   same ops on the same pooled buffers, so after the first step nearly every lookup hits.
 *   Pooled buffers are only destroyed when the backend is, so a cached group never points at a
 *   destroyed buffer that could come back.
 * Same shaders, same uniform layout, same dispatch order: results are bit-identical to tfjs's
 * path (lean-dispatch.spec.ts). Programs under tf.profile's timers, texture bindings and
 * draw programs keep tfjs's path. Returns a function that restores tfjs's path.
 */
export function installLeanDispatch(backend: tf.KernelBackend): () => void {
  const b = backend as unknown as DispatchingBackend;
  if (b[INSTALLED]) return b[INSTALLED];
  if (typeof b.recordAndSubmit !== 'function' || typeof b.submitQueue !== 'function' || !b.device || !b.queue) return () => {};

  const originalRecord = b.recordAndSubmit;
  const originalSubmit = b.submitQueue;
  const align = b.device.limits.minUniformBufferOffsetAlignment ?? 256;
  const arenaHost = new ArrayBuffer(ARENA_BYTES);
  const arenaF32 = new Float32Array(arenaHost);
  const arenaI32 = new Int32Array(arenaHost);
  const arenaU32 = new Uint32Array(arenaHost);
  const arena = b.device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM_USAGE });
  let arenaUsed = 0;
  const bindGroups = new Map<string, object>();

  b.submitQueue = function submitQueue(this: DispatchingBackend) {
    if (arenaUsed > 0) {
      b.queue.writeBuffer(arena, 0, arenaHost, 0, arenaUsed);
      arenaUsed = 0;
    }
    originalSubmit.call(this);
  };

  b.recordAndSubmit = function recordAndSubmit(this: DispatchingBackend, program, output, inputs, programUniforms) {
    if (program.pipeline instanceof Promise || this.activeTimers != null || program.pixelsOpType != null) {
      return originalRecord.call(this, program, output, inputs, programUniforms);
    }
    const buffers: BufferLike[] = [];
    for (const t of [output, ...inputs]) {
      const resource = this.tensorMap.get(t.dataId)?.resource as BufferLike | undefined;
      if (!resource || typeof resource.mapAsync !== 'function') {
        return originalRecord.call(this, program, output, inputs, programUniforms); // a texture
      }
      buffers.push(resource);
    }

    const fields = uniformFields(program, output, inputs, programUniforms);
    const size = uniformLayout(fields, layoutScratch);
    let offset = Math.ceil(arenaUsed / align) * align;
    if (offset + size > ARENA_BYTES) {
      this.endComputePassEncoder();
      this.submitQueue(); // writes the full arena, empties it
      offset = 0;
    }
    writeUniforms(fields, layoutScratch, offset, arenaF32, arenaI32, arenaU32);
    arenaUsed = offset + size;

    let key = `${bufferId(program.pipeline)}:${offset}:${size}`;
    for (const buf of buffers) key += `,${bufferId(buf)}`;
    let bindGroup = bindGroups.get(key);
    if (!bindGroup) {
      if (bindGroups.size >= BIND_GROUP_CACHE_LIMIT) bindGroups.clear();
      const entries = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
      entries.push({ binding: buffers.length, resource: { buffer: arena, offset, size } as never });
      const layout = (program.pipeline as { getBindGroupLayout(i: number): object }).getBindGroupLayout(0);
      bindGroup = this.device.createBindGroup({ layout, entries });
      bindGroups.set(key, bindGroup);
    }

    for (const t of inputs) this.commandQueueOwnedIds.add(t.dataId);
    this.commandQueueOwnedIds.add(output.dataId);
    this.ensureCommandEncoderReady();
    if (!this.computePassEncoder) this.computePassEncoder = this.commandEncoder!.beginComputePass({});
    const pass = this.computePassEncoder;
    pass.setPipeline(program.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(program.dispatch[0], program.dispatch[1], program.dispatch[2]);
    this.dispatchCountInPass++;
    if (this.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
      this.endComputePassEncoder();
      this.submitQueue();
    }
  };

  const originalDispose = b.dispose;
  const uninstall = () => {
    if (b[INSTALLED] !== uninstall) return;
    if (arenaUsed > 0 && b.commandEncoder) {
      b.endComputePassEncoder();
      b.submitQueue(); // what was recorded still reads the arena
    }
    b.recordAndSubmit = originalRecord;
    b.submitQueue = originalSubmit;
    b.dispose = originalDispose;
    bindGroups.clear();
    delete b[INSTALLED];
  };
  b.dispose = function dispose(this: DispatchingBackend) {
    uninstall();
    originalDispose.call(this);
    arena.destroy();
  };
  b[INSTALLED] = uninstall;
  return uninstall;
}

/**
 * The uniforms tfjs-backend-webgpu declares for every non-pixel program, in its order: NaN,
 * Infinity, each input's then the output's shape and strides, the output size (if the program
 * asks for it), then the program's own.
 */
function uniformFields(program: ProgramLike, output: tf.TensorInfo, inputs: tf.TensorInfo[], own?: Uniform[]): Uniform[] {
  const fields: Uniform[] = [{ type: 'float32', data: [NaN] }, { type: 'float32', data: [Infinity] }];
  for (const t of [...inputs, output]) {
    fields.push({ type: 'int32', data: t.shape }, { type: 'int32', data: tf.util.computeStrides(t.shape) });
  }
  if (program.size) {
    const n = tf.util.sizeFromShape(program.outputShape);
    fields.push({ type: 'int32', data: [program.outputComponent ? n / program.outputComponent : n] });
  }
  return own ? fields.concat(own) : fields;
}

const layoutScratch: number[] = [];

/**
 * Byte offsets of `fields` in the uniform struct tfjs's shader generator emits (WGSL alignment:
 * scalar 4, vec2 8, vec3/vec4 16; its 5- and 6-element arrays align to 16 and so does the field
 * after one; an empty field is stored as [1]). Fills `offsets`, returns the struct's size.
 */
export function uniformLayout(fields: Uniform[], offsets: number[]): number {
  let at = 0;
  let maxAlign = 4;
  let previousLength = 0;
  offsets.length = fields.length;
  fields.forEach((f, i) => {
    if (f.data.length === 0) f.data = [1];
    const n = f.data.length;
    if (n > 6) throw new Error(`webgpu uniform with ${n} elements: at most 6 are supported`);
    let fieldAlign = n === 1 ? 4 : n === 2 ? 8 : 16;
    if (previousLength === 5 || previousLength === 6) fieldAlign = 16;
    maxAlign = Math.max(maxAlign, fieldAlign);
    at = Math.ceil(at / fieldAlign) * fieldAlign;
    offsets[i] = at;
    at += n * 4;
    previousLength = n;
  });
  return Math.ceil(at / maxAlign) * maxAlign;
}

function writeUniforms(fields: Uniform[], offsets: number[], base: number, f32: Float32Array, i32: Int32Array, u32: Uint32Array): void {
  fields.forEach((f, k) => {
    const view = f.type === 'int32' ? i32 : f.type === 'uint32' ? u32 : f32;
    view.set(f.data, (base + offsets[k]) / 4);
  });
}
