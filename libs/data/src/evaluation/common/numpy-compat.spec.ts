import { arange, linspace, numpyMean, pairwiseSum, searchSortedLeft } from './numpy-compat';
import { formatFixed3 } from '../coco/summarize';

describe('numpy-compatible arithmetic', () => {
  it('linspace reproduces numpy values bit for bit (printed by numpy 2.4)', () => {
    // np.linspace(.5, .95, 10).tolist(): note 0.8999999999999999, not 0.9.
    expect(linspace(0.5, 0.95, 10)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
    const rec = linspace(0, 1, 101);
    expect(rec.slice(0, 8)).toEqual([0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]);
    expect(rec[100]).toBe(1);
  });

  it('arange reproduces np.arange(0, 1 + 1e-3, 0.1)', () => {
    expect(arange(0, 1 + 1e-3, 0.1)).toEqual([0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1]);
  });

  it('pairwise summation differs from a plain loop exactly as numpy does', () => {
    // 0.1 repeated: numpy's np.sum([0.1] * 10) == 1.0 while a left-to-right loop gives 0.9999999999999999.
    const tenths = new Array(10).fill(0.1);
    expect(tenths.reduce((a, b) => a + b, 0)).toBe(0.9999999999999999);
    expect(pairwiseSum(tenths)).toBe(1);
    // np.sum([0.1] * 1000) == 100.00000000000001 (printed by numpy 2.4; a plain loop gives 99.9999999999986).
    expect(pairwiseSum(new Array(1000).fill(0.1))).toBe(100.00000000000001);
    expect(numpyMean([1, 2, 3, 4])).toBe(2.5);
  });

  it('searchsorted(side=left) returns the first index >= value', () => {
    const a = [0, 0.1, 0.1, 0.5];
    expect(searchSortedLeft(a, 4, 0.1)).toBe(1);
    expect(searchSortedLeft(a, 4, 0.6)).toBe(4);
    expect(searchSortedLeft(a, 4, -1)).toBe(0);
  });

  it("formats like Python's '{:0.3f}' (ties to even)", () => {
    expect(formatFixed3(0.0625)).toBe('0.062'); // JS toFixed gives 0.063
    expect(formatFixed3(0.1875)).toBe('0.188');
    expect(formatFixed3(-1)).toBe('-1.000');
    expect(formatFixed3(0.2210926449787836)).toBe('0.221');
    expect(formatFixed3(0.0005)).toBe('0.001'); // 0.0005 is slightly above the tie in binary
  });
});
