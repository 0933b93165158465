// The outcome of assigning candidate boxes to ground truths (MMDetection AssignResult).

export class AssignResult {
  /**
   * @param numGts number of ground-truth boxes
   * @param gtInds per candidate: 0 = negative, -1 = ignored, k + 1 = assigned to gt k
   * @param maxOverlaps per candidate: its best IoU with any gt (-1 where ignore boxes cover it)
   * @param labels per candidate: gt label of positives, -1 elsewhere; null without gt labels
   */
  constructor(
    public numGts: number,
    public gtInds: Int32Array,
    public maxOverlaps: Float32Array,
    public labels: Int32Array | null = null,
  ) {}

  get numPreds(): number {
    return this.gtInds.length;
  }

  /** Prepends the gts themselves as candidates assigned to themselves (for addGtAsProposals). */
  addGt(gtLabels: Int32Array): void {
    const n = gtLabels.length;
    const gtInds = new Int32Array(n + this.gtInds.length);
    for (let i = 0; i < n; i++) gtInds[i] = i + 1;
    gtInds.set(this.gtInds, n);
    const maxOverlaps = new Float32Array(n + this.maxOverlaps.length);
    maxOverlaps.fill(1, 0, n);
    maxOverlaps.set(this.maxOverlaps, n);
    this.gtInds = gtInds;
    this.maxOverlaps = maxOverlaps;
    if (this.labels) {
      const labels = new Int32Array(n + this.labels.length);
      labels.set(gtLabels);
      labels.set(this.labels, n);
      this.labels = labels;
    }
  }
}
