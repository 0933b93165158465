// Guards the vector-driven specs: every ops_*.json / anchors*.json in DET_VECTORS must be one
// this package's specs read, so a new file (or a new op in a known file) cannot be skipped silently.
import { listVectorFiles, loadVectors, vectorsDir } from './vectors';

/** Vector file → the spec that runs every case of it. */
const HANDLED: Record<string, string> = {
  'anchors.json': 'anchors/anchor-generator.spec.ts',
  'ops_batched_nms.json': 'ops/nms.spec.ts',
  'ops_bbox_coder.json': 'bbox/coders/coders.spec.ts',
  'ops_box_iou.json': 'ops/iou.spec.ts',
  'ops_giou_loss.json': 'losses/losses.vectors.spec.ts',
  'ops_l1_loss.json': 'losses/losses.vectors.spec.ts',
  'ops_nms.json': 'ops/nms.spec.ts',
  'ops_roi_align.json': 'ops/roi-align.spec.ts',
  'ops_sigmoid_focal_loss.json': 'losses/losses.vectors.spec.ts',
  'ops_smooth_l1_loss.json': 'losses/losses.vectors.spec.ts',
};

describe(`vector files in ${vectorsDir()}`, () => {
  const files = listVectorFiles(/^(ops_.*|anchors.*)\.json$/);

  it('are all handled by a spec of @det/models', () => {
    expect(files.length).toBeGreaterThan(0);
    const unhandled = files.filter((f) => !HANDLED[f]);
    if (unhandled.length) throw new Error(`no @det/models spec runs these vector files: ${unhandled.join(', ')}`);
  });

  it('hold only case kinds the specs know', () => {
    for (const f of files) {
      const v = loadVectors(f);
      for (const [i, c] of v.cases.entries()) {
        if (!c.inputs || !c.expected) throw new Error(`${v.file} case ${i}: missing inputs/expected`);
        if (f === 'ops_bbox_coder.json' && c.op !== 'encode' && c.op !== 'decode') {
          throw new Error(`${v.file} case ${i}: op '${String(c.op)}' is neither encode nor decode`);
        }
      }
    }
  });
});
