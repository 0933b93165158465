/**
 * Recycles the Float32Arrays native kernels allocate. A fresh multi-megabyte array costs more
 * (page faults + zeroing) than the element-wise kernel that fills it, and training frees and
 * reallocates the same sizes every step. A buffer is reused only when no tensor on the backend
 * holds any view of it and its data never left through read/readSync.
 */
interface PooledBackend {
  data: { get(dataId: object): { values?: unknown } | undefined; has(dataId: object): boolean };
  write(values: unknown, shape: number[], dtype: string): object;
  move(dataId: object, values: unknown, shape: number[], dtype: string, refCount: number): void;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
}

const MAX_POOLED_BYTES = 512 * 1024 * 1024;
const MIN_POOLED_LENGTH = 4096;  // small arrays are cheap to allocate; pooling them only costs bookkeeping

class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly holders = new Map<ArrayBufferLike, number>();  // owned buffer → tensors holding a view
  private readonly escaped = new WeakSet<ArrayBufferLike>();
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private pooledBytes = 0;

  allocate(length: number): Float32Array {
    if (length < MIN_POOLED_LENGTH) return new Float32Array(length);
    const reuse = this.free.get(length)?.pop();
    if (reuse) {
      this.pooledBytes -= reuse.byteLength;
      return reuse;
    }
    const fresh = new Float32Array(length);
    this.owned.add(fresh.buffer);
    return fresh;
  }

  held(values: unknown): void {
    const buffer = (values as Float32Array | undefined)?.buffer;
    if (buffer && this.owned.has(buffer)) this.holders.set(buffer, (this.holders.get(buffer) ?? 0) + 1);
  }

  released(values: unknown): void {
    const array = values as Float32Array | undefined;
    const buffer = array?.buffer;
    if (!array || !buffer || !this.holders.has(buffer)) return;
    const left = this.holders.get(buffer)! - 1;
    if (left > 0) {
      this.holders.set(buffer, left);
      return;
    }
    this.holders.delete(buffer);
    if (this.escaped.has(buffer) || this.pooledBytes + buffer.byteLength > MAX_POOLED_BYTES) return;
    const whole = new Float32Array(buffer);
    const list = this.free.get(whole.length) ?? [];
    list.push(whole);
    this.free.set(whole.length, list);
    this.pooledBytes += whole.byteLength;
  }

  escape(values: unknown): void {
    const buffer = (values as Float32Array | undefined)?.buffer;
    if (buffer) this.escaped.add(buffer);
  }
}

const pools = new WeakMap<object, BufferPool>();

/** Hooks the pool into a MathBackendCPU instance (write/dispose/read track buffer ownership). */
export function attachBufferPool(backend: PooledBackend): void {
  if (pools.has(backend)) return;
  const pool = new BufferPool();
  pools.set(backend, pool);
  const { write, move, disposeData, readSync, read } = backend;
  backend.write = function (values, shape, dtype) {
    pool.held(values);
    return write.call(this, values, shape, dtype);
  };
  backend.move = function (dataId, values, shape, dtype, refCount) {
    pool.held(values);
    return move.call(this, dataId, values, shape, dtype, refCount);
  };
  backend.disposeData = function (dataId, force) {
    const values = this.data.get(dataId)?.values;
    const result = disposeData.call(this, dataId, force);
    if (!this.data.has(dataId)) pool.released(values);
    return result;
  };
  backend.readSync = function (dataId) {
    const values = readSync.call(this, dataId);
    pool.escape(values);
    return values;
  };
  backend.read = async function (dataId) {
    const values = await read.call(this, dataId);
    pool.escape(values);
    return values;
  };
}

/** A Float32Array of `length` for a kernel output (recycled when the backend has a pool). */
export function allocateF32(backend: object, length: number): Float32Array {
  const pool = pools.get(backend);
  return pool ? pool.allocate(length) : new Float32Array(length);
}
