/** Flag bits per detection, IoU threshold and area range (pycocotools' dtMatches / dtIgnore). */
export const MATCHED = 1;
export const IGNORED = 2;

/**
 * Everything `accumulate` needs about one category, concatenated over images in image order:
 * each detection's score, its rank within its image (for the maxDets caps), match/ignore flags
 * per (area, IoU threshold), and the number of non-ignored GT per area range.
 */
export class CategoryRecords {
  scores: Float64Array;
  rank: Int32Array;
  /** flags[(a * T + t) * capacity + j] */
  flags: Uint8Array;
  /** Non-ignored GT count per area range (pycocotools' npig). */
  readonly npig: Float64Array;
  count = 0;
  capacity = 0;

  constructor(readonly areaCount: number, readonly thrCount: number) {
    this.scores = new Float64Array(0);
    this.rank = new Int32Array(0);
    this.flags = new Uint8Array(0);
    this.npig = new Float64Array(areaCount);
  }

  /** Empties the records, growing the buffers to hold `capacity` detections. */
  reset(capacity: number): void {
    if (capacity > this.scores.length) {
      this.scores = new Float64Array(capacity);
      this.rank = new Int32Array(capacity);
    }
    const flagSize = this.areaCount * this.thrCount * capacity;
    if (flagSize > this.flags.length) this.flags = new Uint8Array(flagSize);
    this.capacity = capacity;
    this.count = 0;
    this.npig.fill(0);
  }

  flagOffset(a: number, t: number): number {
    return (a * this.thrCount + t) * this.capacity;
  }
}
