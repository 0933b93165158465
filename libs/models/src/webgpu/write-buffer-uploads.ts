import * as tf from '@tensorflow/tfjs-core';

const INSTALLED = Symbol.for('det.webgpu.writeBufferUploads');

/** The parts of tfjs-backend-webgpu's backend the upload path touches. */
interface UploadingBackend {
  tensorMap: { get(dataId: object): { dtype: tf.DataType; shape: number[]; values: tf.backend_util.BackendValues | null; resource: unknown } | undefined };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBufferLike };
  queue: { writeBuffer(buffer: GPUBufferLike, offset: number, data: ArrayBufferView): void };
  uploadToGPU(dataId: object): void;
  [INSTALLED]?: boolean;
}
type GPUBufferLike = object;

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST: what tfjs gives every tensor buffer (same pool).
const TENSOR_USAGE = 0x80 | 0x04 | 0x08;

/**
 * Host → GPU uploads through `queue.writeBuffer` into a pooled buffer, instead of tfjs's
 * per-upload staging buffer (createBuffer with mappedAtCreation, a copy command, destroy),
 * which also ends the open compute pass. Every `tf.mul(x, 0.9)` uploads its scalar, so a
 * training step made ~75 of them (H200: ~140 µs of host time per dispatch before).
 * Ordering is what WebGPU guarantees for queue writes: they land after every command buffer
 * already submitted (earlier users of a pooled buffer — tfjs returns a buffer to the pool only
 * once the commands using it were submitted) and before the command buffer being recorded now.
 */
export function installWriteBufferUploads(backend: tf.KernelBackend): void {
  const b = backend as unknown as UploadingBackend;
  if (b[INSTALLED] || typeof b.uploadToGPU !== 'function' || !b.bufferManager || !b.queue) return;
  const original = b.uploadToGPU.bind(b);
  b.uploadToGPU = (dataId: object) => {
    const data = b.tensorMap.get(dataId);
    if (!data || data.resource != null || data.values == null || (data.dtype !== 'float32' && data.dtype !== 'int32' && data.dtype !== 'bool')) {
      return original(dataId);
    }
    const values = data.dtype === 'float32' ? toFloat32(data.values) : toInt32(data.values);
    if (values.byteLength === 0) return original(dataId);
    const buffer = b.bufferManager.acquireBuffer(values.byteLength, TENSOR_USAGE);
    b.queue.writeBuffer(buffer, 0, values);
    data.values = null; // once uploaded, tfjs keeps no host copy
    data.resource = buffer;
  };
  b[INSTALLED] = true;
}

function toFloat32(v: tf.backend_util.BackendValues): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function toInt32(v: tf.backend_util.BackendValues): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
}
