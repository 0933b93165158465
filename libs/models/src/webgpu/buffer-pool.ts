import type * as tf from '@tensorflow/tfjs-core';
import { backend as tfBackend } from '@tensorflow/tfjs-core';

const INSTALLED = Symbol.for('det.webgpu.bufferPool');

interface PooledBuffer {
  size: number;
  usage: number;
  destroy(): void;
}
interface DeviceLike {
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): PooledBuffer;
}
/** tfjs-backend-webgpu's BufferManager: the fields this pool adopts and the surface tfjs calls. */
interface TfjsBufferManager {
  device: DeviceLike;
  freeBuffers: Map<string, PooledBuffer[]>;
  usedBuffers: Map<string, PooledBuffer[]>;
  numBytesUsed: number;
  numBytesAllocated: number;
}

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A stable small integer per object (GPU buffers: their creation order), for cache keys. */
export function bufferId(buffer: object): number {
  let id = ids.get(buffer);
  if (id === undefined) ids.set(buffer, (id = nextId++));
  return id;
}

// usage flags fit in 10 bits (QUERY_RESOLVE = 0x200 is the highest)
const poolKey = (size: number, usage: number) => size * 1024 + usage;

/**
 * GPU buffer pool with tfjs's BufferManager surface, where a free buffer is always the oldest
 * free one of its size and usage. tfjs's pool is a stack, so which buffer an op gets depends
 * on the order earlier tensors were disposed in, and a training step rarely got the same
 * buffers twice. Here the choice depends only on which buffers are free, so every step of a
 * training loop binds the same buffers in the same places, and the lean dispatch path's bind
 * group cache (lean-dispatch.ts) hits. Lookups use numeric keys and a Set of used buffers
 * instead of tfjs's string keys and linear search.
 */
export class OldestFirstBufferPool {
  numBytesUsed = 0;
  numBytesAllocated = 0;
  /** per size×usage, free buffers sorted by id, newest first: pop() gives the oldest */
  private readonly free = new Map<number, PooledBuffer[]>();
  private readonly used = new Set<PooledBuffer>();
  /** the step count when each buffer was last acquired (releaseIdle advances it) */
  private readonly lastStep = new WeakMap<PooledBuffer, number>();
  private step = 0;
  private numFree = 0;
  private disposed = false;

  constructor(private readonly device: DeviceLike) {}

  acquireBuffer(size: number, usage: number, mappedAtCreation = false, reuse = true): PooledBuffer {
    let buffer = reuse && !mappedAtCreation ? this.free.get(poolKey(size, usage))?.pop() : undefined;
    if (buffer) this.numFree--;
    else {
      buffer = this.device.createBuffer({ size, usage, mappedAtCreation });
      bufferId(buffer);
      this.numBytesAllocated += size;
    }
    this.used.add(buffer);
    this.lastStep.set(buffer, this.step);
    this.numBytesUsed += size;
    return buffer;
  }

  /**
   * Ends a step: destroys the free buffers no step acquired in the last `keepSteps` steps and
   * returns the bytes freed. A fixed-shape training loop reuses every buffer each step and loses
   * none; where shapes vary (proposal counts, multi-scale or keep-ratio images) the buffers of
   * sizes no longer met go, instead of the pool growing with every size it has seen. A destroyed
   * buffer's pending GPU work still completes (WebGPU keeps it alive until then).
   */
  releaseIdle(keepSteps: number): number {
    const now = ++this.step;
    let freed = 0;
    for (const [key, list] of this.free) {
      const keep: PooledBuffer[] = [];
      for (const b of list) {
        if ((this.lastStep.get(b) ?? 0) >= now - keepSteps) keep.push(b);
        else {
          b.destroy();
          freed += b.size;
          this.numFree--;
        }
      }
      if (keep.length === list.length) continue;
      if (keep.length) this.free.set(key, keep);
      else this.free.delete(key);
    }
    this.numBytesAllocated -= freed;
    return freed;
  }

  releaseBuffer(buffer: PooledBuffer, reuse = true): void {
    if (this.disposed) return;
    if (!this.used.delete(buffer)) throw new Error('Cannot find the buffer in buffer manager');
    this.numBytesUsed -= buffer.size;
    if (!reuse) {
      buffer.destroy();
      this.numBytesAllocated -= buffer.size;
      return;
    }
    this.insertFree(buffer);
  }

  getNumUsedBuffers(): number {
    return this.used.size;
  }

  getNumFreeBuffers(): number {
    return this.numFree;
  }

  dispose(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.used) b.destroy();
    this.free.clear();
    this.used.clear();
    this.disposed = true;
    this.numFree = this.numBytesUsed = this.numBytesAllocated = 0;
  }

  /** Takes over what tfjs's BufferManager holds (buffers made before this pool was installed). */
  adopt(old: TfjsBufferManager): void {
    for (const list of old.freeBuffers.values()) for (const b of list) { bufferId(b); this.insertFree(b); }
    for (const list of old.usedBuffers.values()) for (const b of list) { bufferId(b); this.used.add(b); }
    this.numBytesUsed = old.numBytesUsed;
    this.numBytesAllocated = old.numBytesAllocated;
  }

  private insertFree(buffer: PooledBuffer): void {
    const key = poolKey(buffer.size, buffer.usage);
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    const id = bufferId(buffer);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bufferId(list[mid]) > id) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, buffer);
    this.numFree++;
  }
}

/** Steps a pooled buffer may sit unused before `releaseIdleGpuBuffers` destroys it. */
export const IDLE_BUFFER_STEPS = 2;

/**
 * Called after each training, validation or test step (BaseDetector): on webgpu, destroys the
 * pooled buffers the last IDLE_BUFFER_STEPS steps did not use; elsewhere a no-op. Returns bytes freed.
 */
export function releaseIdleGpuBuffers(backend: tf.KernelBackend = tfBackend()): number {
  const pool = (backend as unknown as { bufferManager?: unknown }).bufferManager;
  return pool instanceof OldestFirstBufferPool ? pool.releaseIdle(IDLE_BUFFER_STEPS) : 0;
}

/** Replaces the backend's tfjs BufferManager with an OldestFirstBufferPool (once). */
export function installOldestFirstBufferPool(backend: tf.KernelBackend): void {
  const b = backend as unknown as { bufferManager?: TfjsBufferManager | OldestFirstBufferPool; [INSTALLED]?: boolean };
  const old = b.bufferManager as TfjsBufferManager | undefined;
  if (b[INSTALLED] || !old || !(old.freeBuffers instanceof Map) || !(old.usedBuffers instanceof Map) || !old.device) return;
  const pool = new OldestFirstBufferPool(old.device);
  pool.adopt(old);
  b.bufferManager = pool;
  b[INSTALLED] = true;
}
