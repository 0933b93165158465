// MMDetection 2.x MlvlPointGenerator: one prior point per feature cell (FCOS-style heads).
import * as tf from '@tensorflow/tfjs-core';
import { DetError, PRIOR_GENERATORS } from '@det/registry';
import { singleLevelValidFlags } from './anchor-generator';

export interface MlvlPointGeneratorOptions {
  strides: (number | [number, number])[];
  /** Point position inside its cell, in strides (0.5 = cell centre). */
  offset?: number;
}

@PRIOR_GENERATORS.register()
export class MlvlPointGenerator {
  readonly strides: [number, number][];
  readonly offset: number;

  constructor(options: MlvlPointGeneratorOptions) {
    if (!Array.isArray(options.strides) || options.strides.length === 0) {
      throw new DetError(`MlvlPointGenerator: 'strides' must be a non-empty list, got ${JSON.stringify(options.strides)}`);
    }
    this.strides = options.strides.map((s) => (Array.isArray(s) ? [s[0], s[1]] : [s, s]));
    this.offset = options.offset ?? 0.5;
  }

  get numLevels(): number {
    return this.strides.length;
  }

  get numBasePriors(): number[] {
    return this.strides.map(() => 1);
  }

  /** Points (x, y) — or (x, y, strideW, strideH) with `withStride` — ordered y-major then x. */
  singleLevelGridPriorsData(featmapSize: [number, number], level: number, withStride = false): Float32Array {
    const [featH, featW] = featmapSize;
    const stride = this.strides[level];
    if (!stride) throw new DetError(`MlvlPointGenerator: level ${level} out of range (numLevels ${this.numLevels})`);
    const [strideW, strideH] = stride;
    const dims = withStride ? 4 : 2;
    const out = new Float32Array(featH * featW * dims);
    let o = 0;
    for (let y = 0; y < featH; y++) {
      for (let x = 0; x < featW; x++) {
        out[o++] = (x + this.offset) * strideW;
        out[o++] = (y + this.offset) * strideH;
        if (withStride) {
          out[o++] = strideW;
          out[o++] = strideH;
        }
      }
    }
    return out;
  }

  gridPriors(featmapSizes: [number, number][], options: { withStride?: boolean } = {}): tf.Tensor2D[] {
    if (featmapSizes.length !== this.numLevels) {
      throw new DetError(`MlvlPointGenerator: got ${featmapSizes.length} feature map sizes for ${this.numLevels} levels`);
    }
    const dims = options.withStride ? 4 : 2;
    return featmapSizes.map((size, level) => {
      const data = this.singleLevelGridPriorsData(size, level, options.withStride);
      return tf.tensor2d(data, [data.length / dims, dims]);
    });
  }

  validFlags(featmapSizes: [number, number][], padShape: [number, number] | number[]): Uint8Array[] {
    const [h, w] = padShape;
    return featmapSizes.map(([featH, featW], level) => {
      const [strideW, strideH] = this.strides[level];
      const valid: [number, number] = [Math.min(Math.ceil(h / strideH), featH), Math.min(Math.ceil(w / strideW), featW)];
      return singleLevelValidFlags([featH, featW], valid, 1);
    });
  }
}
