import { DetError } from '@det/registry';

export interface GridAssignerOptions {
  /** A responsible prior with IoU above this becomes positive. */
  posIouThr: number;
  /** A prior whose best IoU with any gt is in [0, negIouThr] is negative (else ignored). */
  negIouThr: number;
  /** Each gt also takes its best responsible prior when that IoU is above this. */
  minPosIou?: number;
}

/** IoU of every prior (rows) with every gt (columns), x1y1x2y2 boxes, row-major priors × gts. */
export function iouMatrix(priors: Float32Array, gts: Float32Array): Float32Array {
  const n = priors.length / 4;
  const k = gts.length / 4;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const [ax0, ay0, ax1, ay1] = [priors[i * 4], priors[i * 4 + 1], priors[i * 4 + 2], priors[i * 4 + 3]];
    const areaA = (ax1 - ax0) * (ay1 - ay0);
    for (let j = 0; j < k; j++) {
      const [bx0, by0, bx1, by1] = [gts[j * 4], gts[j * 4 + 1], gts[j * 4 + 2], gts[j * 4 + 3]];
      const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
      const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
      const inter = iw > 0 && ih > 0 ? iw * ih : 0;
      const union = areaA + (bx1 - bx0) * (by1 - by0) - inter;
      out[i * k + j] = union > 0 ? inter / union : 0;
    }
  }
  return out;
}

/**
 * MMDetection's GridAssigner (YOLOv3): every prior starts ignored (-1); priors whose best IoU is
 * at most negIouThr become negative (0); among priors in a cell that holds a gt centre
 * ("responsible"), those above posIouThr take their best gt, and then each gt takes its best
 * responsible prior (if above minPosIou). Positives are `gt index + 1`.
 */
export class GridAssigner {
  readonly posIouThr: number;
  readonly negIouThr: number;
  readonly minPosIou: number;

  constructor(options: GridAssignerOptions) {
    if (typeof options?.posIouThr !== 'number' || typeof options?.negIouThr !== 'number') {
      throw new DetError(`GridAssigner: posIouThr and negIouThr are required numbers, got ${JSON.stringify(options)}`);
    }
    this.posIouThr = options.posIouThr;
    this.negIouThr = options.negIouThr;
    this.minPosIou = options.minPosIou ?? 0;
  }

  /** `responsible[i]` is 1 when prior i lies in a cell containing some gt's centre. */
  assign(priors: Float32Array, responsible: Uint8Array, gts: Float32Array): Int32Array {
    const n = priors.length / 4;
    const k = gts.length / 4;
    const assigned = new Int32Array(n).fill(-1);
    if (k === 0) return assigned.fill(0);
    const iou = iouMatrix(priors, gts);
    for (let i = 0; i < n; i++) {
      let best = -Infinity;
      for (let j = 0; j < k; j++) best = Math.max(best, iou[i * k + j]);
      if (best >= 0 && best <= this.negIouThr) assigned[i] = 0;
    }
    // Non-responsible priors cannot become positive (their IoUs count as -1 from here on).
    const gtBest = new Float32Array(k).fill(-1);
    const gtBestPrior = new Int32Array(k).fill(-1);
    for (let i = 0; i < n; i++) {
      if (!responsible[i]) continue;
      let best = -1;
      let arg = -1;
      for (let j = 0; j < k; j++) {
        const v = iou[i * k + j];
        if (v > best) [best, arg] = [v, j];
        if (v > gtBest[j]) [gtBest[j], gtBestPrior[j]] = [v, i];
      }
      if (best > this.posIouThr) assigned[i] = arg + 1;
    }
    for (let j = 0; j < k; j++) {
      if (gtBestPrior[j] >= 0 && gtBest[j] > this.minPosIou) assigned[gtBestPrior[j]] = j + 1;
    }
    return assigned;
  }
}
