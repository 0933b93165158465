/** Per-image FCOS targets (MMDetection FCOSHead._get_target_single) on typed arrays. */
export interface FcosTargetInputs {
  /** Points of all levels, x y per point. */
  points: Float32Array;
  /** [lo, hi] per point: the range of max(l, t, r, b) this point's level regresses. */
  regressRanges: Float32Array;
  /** Stride of each point's level. */
  strides: Float32Array;
  gtBboxes: Float32Array;
  gtLabels: Int32Array;
  numClasses: number;
  centerSampling: boolean;
  centerSampleRadius: number;
  /** Divide distance targets by the level's stride. */
  normOnBbox: boolean;
}

export interface FcosTargets {
  labels: Int32Array;
  /** l, t, r, b per point (meaningful at positives). */
  bboxTargets: Float32Array;
}

export function fcosTargetsSingle(x: FcosTargetInputs): FcosTargets {
  const numPoints = x.points.length / 2;
  const numGts = x.gtLabels.length;
  const labels = new Int32Array(numPoints).fill(x.numClasses);
  const bboxTargets = new Float32Array(numPoints * 4);
  if (numGts === 0) return { labels, bboxTargets };
  const g = x.gtBboxes;
  for (let p = 0; p < numPoints; p++) {
    const px = x.points[p * 2];
    const py = x.points[p * 2 + 1];
    const lo = x.regressRanges[p * 2];
    const hi = x.regressRanges[p * 2 + 1];
    let best = -1;
    let bestArea = Infinity;
    for (let k = 0; k < numGts; k++) {
      const [x1, y1, x2, y2] = [g[k * 4], g[k * 4 + 1], g[k * 4 + 2], g[k * 4 + 3]];
      const l = px - x1;
      const t = py - y1;
      const r = x2 - px;
      const b = y2 - py;
      let inside: boolean;
      if (x.centerSampling) {
        // The gt's centre region: radius·stride around its centre, clipped to the gt box.
        const cx = (x1 + x2) / 2;
        const cy = (y1 + y2) / 2;
        const s = x.strides[p] * x.centerSampleRadius;
        const cx1 = Math.max(cx - s, x1);
        const cy1 = Math.max(cy - s, y1);
        const cx2 = Math.min(cx + s, x2);
        const cy2 = Math.min(cy + s, y2);
        inside = Math.min(px - cx1, py - cy1, cx2 - px, cy2 - py) > 0;
      } else {
        inside = Math.min(l, t, r, b) > 0;
      }
      if (!inside) continue;
      const maxReg = Math.max(l, t, r, b);
      if (maxReg < lo || maxReg > hi) continue;
      const area = (x2 - x1) * (y2 - y1);
      // smallest area wins; ties keep the first gt
      if (area < bestArea) {
        bestArea = area;
        best = k;
      }
    }
    const k = best >= 0 ? best : 0;
    const div = x.normOnBbox ? x.strides[p] : 1;
    bboxTargets[p * 4] = (px - g[k * 4]) / div;
    bboxTargets[p * 4 + 1] = (py - g[k * 4 + 1]) / div;
    bboxTargets[p * 4 + 2] = (g[k * 4 + 2] - px) / div;
    bboxTargets[p * 4 + 3] = (g[k * 4 + 3] - py) / div;
    if (best >= 0) labels[p] = x.gtLabels[best];
  }
  return { labels, bboxTargets };
}

/** sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b)) per row of l,t,r,b targets. */
export function centernessTargets(ltrb: Float32Array): Float32Array {
  const n = ltrb.length / 4;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [l, t, r, b] = [ltrb[i * 4], ltrb[i * 4 + 1], ltrb[i * 4 + 2], ltrb[i * 4 + 3]];
    out[i] = Math.sqrt((Math.min(l, r) / Math.max(l, r)) * (Math.min(t, b) / Math.max(t, b)));
  }
  return out;
}
