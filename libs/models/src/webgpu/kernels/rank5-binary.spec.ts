import { mergedBroadcastShapes } from './rank5-binary';

// Device-free: the merged shapes broadcast exactly as the originals (same element count, every
// operand's axes either full or 1 where the output's are): axes of size 1 everywhere dropped,
// neighbours merged only where both operands broadcast alike.
describe('mergedBroadcastShapes', () => {
  it.each([
    [[2, 1, 1, 1, 1], [7], { a: [2, 1], b: [1, 7], out: [2, 7] }],
    [[2, 3, 1, 4, 5], [3, 1, 1, 5], { a: [2, 3, 4, 5], b: [1, 3, 1, 5], out: [2, 3, 4, 5] }],
    [[1, 1, 1, 1, 1], [1], { a: [], b: [], out: [] }],
    [[2, 3, 4, 5, 6], [2, 3, 4, 5, 6], { a: [720], b: [720], out: [720] }],
  ])('%j with %j', (a, b, want) => {
    expect(mergedBroadcastShapes(a, b)).toEqual(want);
  });

  it('null where no axis can go', () => {
    expect(mergedBroadcastShapes([2, 1, 4, 1, 6], [1, 3, 1, 5, 1])).toBeNull();
  });
});
