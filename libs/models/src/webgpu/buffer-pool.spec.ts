import { OldestFirstBufferPool } from './buffer-pool';

// Device-free: a fake device hands out numbered buffers and records which were destroyed.
function fakeDevice() {
  const destroyed: number[] = [];
  let next = 0;
  return {
    destroyed,
    createBuffer: ({ size, usage }: { size: number; usage: number }) => {
      const id = next++;
      return { id, size, usage, destroy: () => void destroyed.push(id) };
    },
  };
}
type FakeBuffer = { id: number; size: number };

describe('OldestFirstBufferPool', () => {
  it('hands out the oldest free buffer of a size and usage, whatever order they were released in', () => {
    const device = fakeDevice();
    const pool = new OldestFirstBufferPool(device);
    const [a, b, c] = [pool.acquireBuffer(64, 1), pool.acquireBuffer(64, 1), pool.acquireBuffer(64, 1)] as unknown as FakeBuffer[];
    for (const x of [c, a, b]) pool.releaseBuffer(x as never);
    expect((pool.acquireBuffer(64, 1) as unknown as FakeBuffer).id).toBe(a.id);
    expect((pool.acquireBuffer(64, 1) as unknown as FakeBuffer).id).toBe(b.id);
    expect((pool.acquireBuffer(64, 2) as unknown as FakeBuffer).id).toBe(3); // another usage: a new buffer
  });

  it('releaseIdle keeps what every step reuses (a fixed-shape loop stays as it is)', () => {
    const device = fakeDevice();
    const pool = new OldestFirstBufferPool(device);
    for (let step = 0; step < 6; step++) {
      const bufs = [pool.acquireBuffer(256, 1), pool.acquireBuffer(1024, 1)];
      for (const b of bufs) pool.releaseBuffer(b);
      expect(pool.releaseIdle(2)).toBe(0);
    }
    expect(device.destroyed).toEqual([]);
    expect(pool.numBytesAllocated).toBe(1280);
    expect(pool.getNumFreeBuffers()).toBe(2);
  });

  it('releaseIdle destroys free buffers no step used in the last 2 steps (sizes no longer met), never used ones', () => {
    const device = fakeDevice();
    const pool = new OldestFirstBufferPool(device);
    // step 0 uses a 4 KB buffer, later steps only 8 KB ones (a new shape)
    pool.releaseBuffer(pool.acquireBuffer(4096, 1));
    expect(pool.releaseIdle(2)).toBe(0);
    const held = pool.acquireBuffer(2048, 1); // in use throughout: never destroyed
    pool.releaseBuffer(pool.acquireBuffer(8192, 1));
    expect(pool.releaseIdle(2)).toBe(0); // step 1 ends: the 4 KB one was used 1 step ago
    pool.releaseBuffer(pool.acquireBuffer(8192, 1));
    expect(pool.releaseIdle(2)).toBe(4096); // step 2 ends: steps 1 and 2 did not use it
    expect(device.destroyed).toEqual([0]);
    expect(pool.numBytesAllocated).toBe(8192 + 2048);
    expect(pool.getNumFreeBuffers()).toBe(1);
    expect((pool.acquireBuffer(4096, 1) as unknown as FakeBuffer).id).not.toBe(0); // made anew
    pool.releaseBuffer(held);
  });
});
