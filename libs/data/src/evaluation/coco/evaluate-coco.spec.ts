import { readVectors } from '../__fixtures__/vectors';
import { evaluateCoco, cocoSummaryLines, perCategoryAp } from './evaluate-coco';
import { summarizeEntry } from './summarize';
import type { CocoGtDict, CocoResult } from './types';

interface CocoCase {
  name: string;
  inputs: { gt: CocoGtDict; detections: CocoResult[] };
  expected: {
    stats: number[];
    per_category: Record<string, { AP: number; AP50: number; AP75: number }>;
    summary_text: string;
    diagnostics: { AP_all_if_maxDets_1000: number; stats_if_detections_list_reversed: number[] };
  };
}

const { cases } = readVectors<{ cases: CocoCase[] }>('coco_eval.json');
// Every number is a mean of float64 ratios computed in the same order as numpy; only the last
// bits could differ, so 1e-12 is ~4 orders of magnitude above double rounding noise.
const TOL = 1e-12;

const expectClose = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(TOL));
};

describe('evaluateCoco against pycocotools (shared vectors)', () => {
  it('has cases to check', () => expect(cases.length).toBeGreaterThan(0));

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluateCoco(c.inputs.gt, c.inputs.detections);

    it('matches the 12 stats', () => expectClose(result.stats, c.expected.stats));

    it('matches per-category AP, AP50 and AP75', () => {
      const ap50 = perCategoryAp(result.params, result.precision, result.recall, 0.5);
      const ap75 = perCategoryAp(result.params, result.precision, result.recall, 0.75);
      expect(Object.keys(result.perCategory).sort()).toEqual(Object.keys(c.expected.per_category).sort());
      for (const [cat, want] of Object.entries(c.expected.per_category)) {
        expectClose([result.perCategory[cat], ap50[cat], ap75[cat]], [want.AP, want.AP50, want.AP75]);
      }
    });

    it('prints the summary text', () => expect(cocoSummaryLines(result).join('\n')).toBe(c.expected.summary_text));

    it('matches the diagnostics (maxDets 1000, reversed detection list)', () => {
      const big = evaluateCoco(c.inputs.gt, c.inputs.detections, { maxDets: [1, 10, 1000] });
      const apAt1000 = summarizeEntry({ ap: true, area: 'all', maxDets: 1000 }, big.params, big.precision, big.recall);
      expectClose([apAt1000], [c.expected.diagnostics.AP_all_if_maxDets_1000]);
      // pycocotools' stats[0] reads maxDets=100 literally: undefined here.
      expect(big.stats[0]).toBe(-1);
      const reversed = evaluateCoco(c.inputs.gt, [...c.inputs.detections].reverse());
      expectClose(reversed.stats, c.expected.diagnostics.stats_if_detections_list_reversed);
    });
  });
});
