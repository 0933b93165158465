/**
 * IoU between detections and GT boxes in COCO [x, y, w, h] form, with pycocotools' arithmetic
 * (maskApi.c `bbIou`): a crowd GT is scored by intersection over the detection's area. Writes
 * `out[d * gtCount + g]`; `dets`/`gts` list box indices into `detBoxes`/`gtBoxes` (4 per box).
 */
export function cocoBoxIou(
  detBoxes: Float64Array, dets: ArrayLike<number>, detCount: number,
  gtBoxes: Float64Array, gts: ArrayLike<number>, gtCount: number,
  gtCrowd: Uint8Array, out: Float64Array,
): void {
  for (let g = 0; g < gtCount; g++) {
    const go = 4 * gts[g];
    const gx = gtBoxes[go], gy = gtBoxes[go + 1], gw = gtBoxes[go + 2], gh = gtBoxes[go + 3];
    const gtArea = gw * gh;
    const crowd = gtCrowd[gts[g]] === 1;
    for (let d = 0; d < detCount; d++) {
      const o = 4 * dets[d];
      const dx = detBoxes[o], dy = detBoxes[o + 1], dw = detBoxes[o + 2], dh = detBoxes[o + 3];
      let iou = 0;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w > 0) {
        const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (h > 0) {
          const inter = w * h;
          const detArea = dw * dh;
          iou = inter / (crowd ? detArea : detArea + gtArea - inter);
        }
      }
      out[d * gtCount + g] = iou;
    }
  }
}
