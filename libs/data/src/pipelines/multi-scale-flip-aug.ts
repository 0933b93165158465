import { DetError, TRANSFORMS, type ComponentConfig } from '@det/registry';
import type { FlipDirection } from '../image/geometry';
import { Compose } from './compose';
import { checkScaleList } from './options';
import type { AugmentedSample, CollectedSample, PipelineResults, Transform, TransformContext } from './types';

export interface MultiScaleFlipAugOptions {
  transforms: ComponentConfig[];
  /** One [w, h] or a list; every scale is run. */
  imgScale: [number, number] | [number, number][];
  flip?: boolean;
  flipDirection?: FlipDirection | FlipDirection[];
}

/**
 * Test-time augmentation: runs the inner transforms once per (scale, flip) pair, forcing
 * `scale`, `flip` and `flipDirection` so Resize and RandomFlip do not draw. The unflipped first
 * scale comes first, so `augs[0]` is the plain single-scale view.
 */
@TRANSFORMS.register()
export class MultiScaleFlipAug implements Transform {
  private readonly inner: Compose;
  private readonly scales: [number, number][];
  private readonly flips: { flip: boolean; direction?: FlipDirection }[];

  constructor(options: MultiScaleFlipAugOptions) {
    if (!Array.isArray(options?.transforms)) throw new DetError("MultiScaleFlipAug: 'transforms' must be a list");
    this.inner = new Compose(options.transforms, 'MultiScaleFlipAug.transforms');
    this.scales = checkScaleList('MultiScaleFlipAug', 'imgScale', options.imgScale);
    const dirs = options.flipDirection ?? 'horizontal';
    this.flips = [{ flip: false }];
    if (options.flip) for (const d of Array.isArray(dirs) ? dirs : [dirs]) this.flips.push({ flip: true, direction: d });
  }

  async apply(results: PipelineResults, ctx: TransformContext): Promise<PipelineResults> {
    const augs: CollectedSample[] = [];
    for (const scale of this.scales) {
      for (const { flip, direction } of this.flips) {
        const view = await this.inner.apply({ ...results, scale, flip, flipDirection: direction }, ctx);
        if (!view) throw new DetError(`MultiScaleFlipAug: an inner transform dropped '${results.filename}'`);
        augs.push(view as unknown as CollectedSample);
      }
    }
    return { augs } as AugmentedSample as unknown as PipelineResults;
  }
}
