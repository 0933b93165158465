import * as path from 'node:path';
import { TRANSFORMS } from '@det/registry';
import { getImageDecoder } from '../image/sharp-decoder';
import type { PipelineResults, Transform } from './types';

export interface LoadImageOptions {
  /** Convert to float32 right away (MMDetection's `to_float32`); uint8 otherwise. */
  toFloat32?: boolean;
}

/** Decodes `imgPrefix/imgInfo.filename` to RGB HWC through the IMAGE_DECODER service. */
@TRANSFORMS.register()
export class LoadImageFromFile implements Transform {
  constructor(readonly options: LoadImageOptions = {}) {}

  async apply(results: PipelineResults): Promise<PipelineResults> {
    const prefix = results.imgPrefix as string | undefined;
    const filename = prefix ? path.resolve(prefix, results.imgInfo.filename) : results.imgInfo.filename;
    const decoded = await getImageDecoder().decode(filename, { channels: 3 });
    const data = this.options.toFloat32 ? Float32Array.from(decoded.data) : decoded.data;
    const shape: [number, number, number] = [decoded.height, decoded.width, 3];
    return {
      ...results,
      filename,
      oriFilename: results.imgInfo.filename,
      imageId: results.imgInfo.id,
      img: { data, height: decoded.height, width: decoded.width, channels: 3 },
      imgShape: shape,
      oriShape: [...shape],
    };
  }
}

export interface LoadAnnotationsOptions {
  withBbox?: boolean;
  withLabel?: boolean;
}

/** Copies the dataset's annotations into gtBboxes / gtLabels / gtBboxesIgnore. */
@TRANSFORMS.register()
export class LoadAnnotations implements Transform {
  constructor(readonly options: LoadAnnotationsOptions = {}) {}

  apply(results: PipelineResults): PipelineResults {
    const ann = results.annInfo;
    if (!ann) return results;
    const out: PipelineResults = { ...results, bboxFields: [...results.bboxFields] };
    if (this.options.withBbox ?? true) {
      out.gtBboxes = ann.bboxes.slice();
      out.bboxFields.push('gtBboxes');
      if (ann.bboxesIgnore.length) {
        out.gtBboxesIgnore = ann.bboxesIgnore.slice();
        out.bboxFields.push('gtBboxesIgnore');
      }
    }
    if (this.options.withLabel ?? true) out.gtLabels = ann.labels.slice();
    return out;
  }
}
