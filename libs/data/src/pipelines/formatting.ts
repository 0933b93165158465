import { DetError, TRANSFORMS } from '@det/registry';
import { toFloat32 } from '../image/image-buffer';
import { requireImage } from './options';
import type { CollectedSample, ImgMeta, PipelineResults, Transform } from './types';

/**
 * Puts the results in the shape the loader collates: float32 HWC image, typed-array boxes and
 * labels, and defaults for the metas that earlier steps may not have set.
 */
@TRANSFORMS.register()
export class DefaultFormatBundle implements Transform {
  apply(results: PipelineResults): PipelineResults {
    const img = toFloat32(requireImage('DefaultFormatBundle', results.img));
    const shape: [number, number, number] = [img.height, img.width, img.channels];
    const out: PipelineResults = {
      ...results,
      img,
      imgShape: results.imgShape ?? shape,
      padShape: results.padShape ?? shape,
      scaleFactor: results.scaleFactor ?? [1, 1, 1, 1],
      flip: results.flip ?? false,
      imgNormCfg: results.imgNormCfg ?? { mean: [0, 0, 0], std: [1, 1, 1], toRgb: true },
    };
    // The padded image defines padShape; keep them consistent even if Pad was skipped.
    out.padShape = shape;
    for (const key of ['gtBboxes', 'gtBboxesIgnore'] as const) {
      if (results[key]) out[key] = Float32Array.from(results[key]!);
    }
    if (results.gtLabels) out.gtLabels = Int32Array.from(results.gtLabels);
    return out;
  }
}

export const DEFAULT_META_KEYS = [
  'filename', 'oriFilename', 'imageId', 'oriShape', 'imgShape', 'padShape', 'scaleFactor', 'flip', 'flipDirection',
  'imgNormCfg',
];

export interface CollectOptions {
  keys: string[];
  metaKeys?: string[];
}

/** Keeps `keys` as data and gathers `metaKeys` into `imgMetas`. */
@TRANSFORMS.register()
export class Collect implements Transform {
  private readonly keys: string[];
  private readonly metaKeys: string[];

  constructor(options: CollectOptions) {
    if (!Array.isArray(options?.keys) || !options.keys.length) {
      throw new DetError(`Collect: 'keys' must be a non-empty list, got ${JSON.stringify(options?.keys)}`);
    }
    this.keys = options.keys;
    this.metaKeys = options.metaKeys ?? DEFAULT_META_KEYS;
  }

  apply(results: PipelineResults): PipelineResults {
    const meta: Record<string, unknown> = {};
    for (const k of this.metaKeys) if (results[k] !== undefined) meta[k] = results[k];
    const out: Record<string, unknown> = { imgMetas: meta as unknown as ImgMeta };
    for (const k of this.keys) {
      const v = results[k];
      if (v === undefined) {
        if (k === 'gtBboxesIgnore') continue; // optional: only images with ignore boxes carry it
        throw new DetError(`Collect: key '${k}' is missing from the results of '${results.filename}'`);
      }
      if (k === 'img') {
        const img = v as PipelineResults['img'] & object;
        if (!(img.data instanceof Float32Array)) {
          throw new DetError("Collect: 'img' is not float32 — put DefaultFormatBundle (or Normalize) before Collect");
        }
        out.img = { data: img.data, shape: [img.height, img.width, img.channels] };
      } else out[k] = v;
    }
    return out as unknown as PipelineResults & CollectedSample;
  }
}
