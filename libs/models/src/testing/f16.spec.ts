import { roundToF16 } from './f16';

describe('roundToF16', () => {
  it('keeps f16 values, rounds to 11 significant bits with ties to even, overflows and underflows like binary16', () => {
    expect([1, -2, 0.5, 65504, 2 ** -24].map(roundToF16)).toEqual([1, -2, 0.5, 65504, 2 ** -24]);
    expect(roundToF16(1 + 2 ** -11)).toBe(1); // tie between 1 and 1 + 2^-10: the even one
    expect(roundToF16(1 + 3 * 2 ** -11)).toBe(1 + 2 * 2 ** -10); // tie: to even
    expect(roundToF16(1 + 2 ** -11 + 2 ** -20)).toBe(1 + 2 ** -10);
    expect(roundToF16(70000)).toBe(Infinity);
    expect(roundToF16(-70000)).toBe(-Infinity);
    expect(roundToF16(2 ** -26)).toBe(0); // below half the smallest subnormal
    expect(roundToF16(3 * 2 ** -25)).toBe(2 * 2 ** -24); // subnormal tie to even
  });
});
