import { TRANSFORMS } from '@det/registry';
import { checkTriple, requireImage } from './options';
import type { PipelineResults, Transform } from './types';

export interface NormalizeOptions {
  mean: number[];
  std: number[];
  /**
   * Channel order of the output. Images are decoded as RGB, so `true` keeps RGB and `false`
   * swaps to BGR (for Caffe-style weights). `mean`/`std` are given in the output order.
   */
  toRgb?: boolean;
}

/** (img - mean) / std per channel → float32. */
@TRANSFORMS.register()
export class Normalize implements Transform {
  private readonly mean: [number, number, number];
  private readonly std: [number, number, number];
  private readonly toRgb: boolean;

  constructor(options: NormalizeOptions) {
    this.mean = checkTriple('Normalize', 'mean', options?.mean);
    this.std = checkTriple('Normalize', 'std', options?.std);
    this.toRgb = options.toRgb ?? true;
  }

  apply(results: PipelineResults): PipelineResults {
    const img = requireImage('Normalize', results.img);
    const src = img.data;
    const out = new Float32Array(src.length);
    const [m0, m1, m2] = this.mean;
    const [i0, i1, i2] = this.std.map((s) => 1 / s);
    // Output channel k reads input channel k (RGB) or 2-k (BGR).
    const a = this.toRgb ? 0 : 2, c = this.toRgb ? 2 : 0;
    for (let p = 0; p < src.length; p += 3) {
      out[p] = (src[p + a] - m0) * i0;
      out[p + 1] = (src[p + 1] - m1) * i1;
      out[p + 2] = (src[p + c] - m2) * i2;
    }
    return {
      ...results,
      img: { ...img, data: out },
      imgNormCfg: { mean: [...this.mean], std: [...this.std], toRgb: this.toRgb },
    };
  }
}
