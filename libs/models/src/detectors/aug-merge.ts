import { DetResult, ImgMeta } from './types';
import { mergeLevels, rescaleBoxes } from '../heads/post-process';

/** Undoes the test-time flip of boxes in the network-input frame (MMDetection bbox_flip on imgShape). */
export function unflipBoxes(boxes: Float32Array, meta: ImgMeta): Float32Array {
  if (!meta.flip) return boxes;
  const [h, w] = meta.imgShape;
  const dir = meta.flipDirection ?? 'horizontal';
  const out = Float32Array.from(boxes);
  for (let i = 0; i < boxes.length; i += 4) {
    if (dir === 'horizontal' || dir === 'diagonal') {
      out[i] = w - boxes[i + 2];
      out[i + 2] = w - boxes[i];
    }
    if (dir === 'vertical' || dir === 'diagonal') {
      out[i + 1] = h - boxes[i + 3];
      out[i + 3] = h - boxes[i + 1];
    }
  }
  return out;
}

/** Maps one augmentation's detections back to the original image: unflip, then divide by scaleFactor. */
export function mapBackToOriginal(d: DetResult, meta: ImgMeta): DetResult {
  return { ...d, bboxes: rescaleBoxes(unflipBoxes(d.bboxes, meta), meta) };
}

/** Concatenates every augmentation's detections of one image (already in the original frame). */
export function mergeAugDetections(perAug: DetResult[]): DetResult {
  return mergeLevels(perAug);
}
