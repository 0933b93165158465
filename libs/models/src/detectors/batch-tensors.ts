import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { DetBatch } from './types';

/** The batch's NHWC image tensor (the caller disposes it). */
export function imageTensor(batch: DetBatch): tf.Tensor4D {
  const img = batch?.img;
  if (!img || !(img.data instanceof Float32Array) || !Array.isArray(img.shape) || img.shape.length !== 4) {
    throw new DetError('detector: batch.img must be { data: Float32Array, shape: [n, h, w, 3] } (see docs/contracts.md DetBatch)');
  }
  const size = img.shape.reduce((a, b) => a * b, 1);
  if (size !== img.data.length) throw new DetError(`detector: batch.img.shape [${img.shape}] needs ${size} values, data has ${img.data.length}`);
  if (!Array.isArray(batch.imgMetas) || batch.imgMetas.length !== img.shape[0]) {
    throw new DetError(`detector: batch.imgMetas has ${batch.imgMetas?.length ?? 0} entries for ${img.shape[0]} images`);
  }
  return tf.tensor4d(img.data, img.shape);
}

/** Ground truth of a training batch, checked against the image count. */
export function groundTruth(batch: DetBatch): { gtBboxes: Float32Array[]; gtLabels: Int32Array[]; gtBboxesIgnore?: Float32Array[] } {
  const n = batch.imgMetas.length;
  if (!batch.gtBboxes || !batch.gtLabels || batch.gtBboxes.length !== n || batch.gtLabels.length !== n) {
    throw new DetError(`detector: training needs gtBboxes and gtLabels for each of the ${n} images`);
  }
  batch.gtBboxes.forEach((b, i) => {
    if (b.length !== batch.gtLabels![i].length * 4) {
      throw new DetError(`detector: image ${i} (${batch.imgMetas[i].filename}) has ${b.length / 4} boxes but ${batch.gtLabels![i].length} labels`);
    }
  });
  return { gtBboxes: batch.gtBboxes, gtLabels: batch.gtLabels, gtBboxesIgnore: batch.gtBboxesIgnore };
}
