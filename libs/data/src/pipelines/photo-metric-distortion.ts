import { TRANSFORMS } from '@det/registry';
import { toFloat32 } from '../image/image-buffer';
import { requireImage } from './options';
import type { PipelineResults, Transform, TransformContext } from './types';

// Local aliases: global lookups of `Math` are slow inside jest's vm sandbox.
const { abs, max, min } = Math;

export interface PhotoMetricDistortionOptions {
  brightnessDelta?: number;
  contrastRange?: [number, number];
  saturationRange?: [number, number];
  hueDelta?: number;
}

/**
 * MMDetection's SSD-style colour jitter, each step applied with probability 0.5: brightness,
 * contrast (before or after the HSV steps), saturation, hue, channel permutation. Output float32,
 * unclipped like the original.
 */
@TRANSFORMS.register()
export class PhotoMetricDistortion implements Transform {
  private readonly delta: number;
  private readonly contrast: [number, number];
  private readonly saturation: [number, number];
  private readonly hueDelta: number;

  constructor(options: PhotoMetricDistortionOptions = {}) {
    this.delta = options.brightnessDelta ?? 32;
    this.contrast = options.contrastRange ?? [0.5, 1.5];
    this.saturation = options.saturationRange ?? [0.5, 1.5];
    this.hueDelta = options.hueDelta ?? 18;
  }

  apply(results: PipelineResults, { rng }: TransformContext): PipelineResults {
    const img = toFloat32(requireImage('PhotoMetricDistortion', results.img));
    const d = img.data === results.img!.data ? img.data.slice() : img.data;
    const n = d.length;
    if (rng.nextInt(2)) {
      const delta = rng.uniform(-this.delta, this.delta);
      for (let i = 0; i < n; i++) d[i] += delta;
    }
    const contrastFirst = rng.nextInt(2) === 1;
    const contrast = () => {
      if (!rng.nextInt(2)) return;
      const alpha = rng.uniform(this.contrast[0], this.contrast[1]);
      for (let i = 0; i < n; i++) d[i] *= alpha;
    };
    if (contrastFirst) contrast();
    const satScale = rng.nextInt(2) ? rng.uniform(this.saturation[0], this.saturation[1]) : 1;
    const hueShift = rng.nextInt(2) ? rng.uniform(-this.hueDelta, this.hueDelta) : 0;
    if (satScale !== 1 || hueShift !== 0) adjustHsv(d, satScale, hueShift);
    if (!contrastFirst) contrast();
    if (rng.nextInt(2)) {
      const perm = rng.permutation(3);
      for (let i = 0; i < n; i += 3) {
        const p = [d[i], d[i + 1], d[i + 2]];
        d[i] = p[perm[0]];
        d[i + 1] = p[perm[1]];
        d[i + 2] = p[perm[2]];
      }
    }
    return { ...results, img: { ...img, data: d } };
  }
}

/** In place on RGB floats: S *= satScale, H += hueShift degrees (wrapped), via HSV (H in degrees, as OpenCV float). */
export function adjustHsv(d: Float32Array, satScale: number, hueShift: number): void {
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    const v = max(r, g, b);
    const mn = min(r, g, b);
    const diff = v - mn;
    let s = v !== 0 ? diff / v : 0;
    let h = 0;
    if (diff !== 0) {
      if (v === r) h = (60 * (g - b)) / diff;
      else if (v === g) h = 120 + (60 * (b - r)) / diff;
      else h = 240 + (60 * (r - g)) / diff;
    }
    if (h < 0) h += 360;
    s *= satScale;
    h += hueShift;
    if (h >= 360) h -= 360;
    if (h < 0) h += 360;
    // HSV → RGB
    const c = v * s;
    const hp = h / 60;
    const x = c * (1 - abs((hp % 2) - 1));
    const m = v - c;
    let rr = 0, gg = 0, bb = 0;
    if (hp < 1) [rr, gg, bb] = [c, x, 0];
    else if (hp < 2) [rr, gg, bb] = [x, c, 0];
    else if (hp < 3) [rr, gg, bb] = [0, c, x];
    else if (hp < 4) [rr, gg, bb] = [0, x, c];
    else if (hp < 5) [rr, gg, bb] = [x, 0, c];
    else [rr, gg, bb] = [c, 0, x];
    d[i] = rr + m;
    d[i + 1] = gg + m;
    d[i + 2] = bb + m;
  }
}
