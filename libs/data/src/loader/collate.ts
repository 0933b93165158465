import { DetError } from '@det/registry';
import type { AugmentedSample, CollectedSample, ImgMeta } from '../pipelines/types';

/** One batch as the models receive it (docs/contracts.md). */
export interface DetBatch {
  /** NHWC, normalised, zero-padded at bottom/right to the batch's largest image. */
  img: { data: Float32Array; shape: [number, number, number, number] };
  imgMetas: ImgMeta[];
  gtBboxes?: Float32Array[];
  gtLabels?: Int32Array[];
  gtBboxesIgnore?: Float32Array[];
  /** Test-time augmentation: batch k holds augmentation k of every image; augs[0] is this batch. */
  augs?: DetBatch[];
}

const isAugmented = (s: CollectedSample | AugmentedSample): s is AugmentedSample => Array.isArray((s as AugmentedSample).augs);

/** Stacks pipeline outputs into a DetBatch (boxes and labels stay per image). */
export function collate(samples: (CollectedSample | AugmentedSample)[]): DetBatch {
  if (!samples.length) throw new DetError('collate: empty batch');
  if (!samples.every(isAugmented)) {
    if (samples.some(isAugmented)) throw new DetError('collate: batch mixes augmented and plain samples');
    return collateViews(samples as CollectedSample[]);
  }
  const aug = samples as AugmentedSample[];
  const numAugs = aug[0].augs.length;
  if (aug.some((s) => s.augs.length !== numAugs)) throw new DetError('collate: samples have different numbers of augmentations');
  const views = Array.from({ length: numAugs }, (_, k) => collateViews(aug.map((s) => s.augs[k])));
  return { ...views[0], augs: views };
}

function collateViews(samples: CollectedSample[]): DetBatch {
  samples.forEach((s, i) => {
    if (!s?.img?.data || s.img.shape?.length !== 3 || s.img.shape[2] !== 3) {
      throw new DetError(`collate: sample ${i} has no HWC 3-channel 'img' — end the pipeline with DefaultFormatBundle and Collect`);
    }
  });
  const H = Math.max(...samples.map((s) => s.img.shape[0]));
  const W = Math.max(...samples.map((s) => s.img.shape[1]));
  const data = new Float32Array(samples.length * H * W * 3);
  samples.forEach((s, n) => {
    const [h, w] = s.img.shape;
    const row = w * 3;
    for (let y = 0; y < h; y++) data.set(s.img.data.subarray(y * row, (y + 1) * row), ((n * H + y) * W) * 3);
  });
  const batch: DetBatch = {
    img: { data, shape: [samples.length, H, W, 3] },
    imgMetas: samples.map((s) => ({ ...s.imgMetas, batchInputShape: [H, W] })),
  };
  for (const key of ['gtBboxes', 'gtLabels', 'gtBboxesIgnore'] as const) {
    if (samples.some((s) => s[key] !== undefined)) {
      const empty = key === 'gtLabels' ? () => new Int32Array(0) : () => new Float32Array(0);
      (batch as unknown as Record<string, unknown>)[key] = samples.map((s) => s[key] ?? empty());
    }
  }
  return batch;
}
