import * as tf from '@tensorflow/tfjs-core';
import { globalRng } from '@det/registry';

/** Anything that yields uniform numbers in [0, 1): `Rng` from @det/registry or a test double. */
export interface InitRng {
  next(): number;
}

/** The generator used when a layer gets none: the seeded global one, so `--seed` fixes init. */
export const defaultRandom = (): InitRng => globalRng();

// Globals cached once: inside jest's vm context every global lookup in a hot loop is ~30× slower.
const { imul, sqrt, log, cos, sin, PI } = Math;

/**
 * A fast local stream (mulberry32) seeded by one draw from `rng`: a weight tensor costs one draw
 * of the caller's generator, so init stays reproducible per seed and fast for 25M weights.
 */
function streamFrom(rng: InitRng): () => number {
  let a = (rng.next() * 4294967296) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = imul(a ^ (a >>> 15), 1 | a);
    t = (t + imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalArray(n: number, std: number, rng: InitRng, mean = 0): Float32Array {
  const out = new Float32Array(n);
  const next = streamFrom(rng);
  for (let i = 0; i < n; i += 2) {
    // Box–Muller
    let u = 0;
    while (u === 0) u = next();
    const r = sqrt(-2 * log(u));
    const t = 2 * PI * next();
    out[i] = mean + std * r * cos(t);
    if (i + 1 < n) out[i + 1] = mean + std * r * sin(t);
  }
  return out;
}

export function normalInit(shape: number[], std: number, rng: InitRng = defaultRandom(), mean = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(normalArray(n, std, rng, mean), shape, 'float32');
}

export function uniformInit(shape: number[], bound: number, rng: InitRng = defaultRandom()): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const next = streamFrom(rng);
  for (let i = 0; i < n; i++) out[i] = (2 * next() - 1) * bound;
  return tf.tensor(out, shape, 'float32');
}

/** fan_in / fan_out of an HWIO conv kernel or an [out, in] linear weight. */
export function fans(shape: number[], layout: 'HWIO' | 'OI'): { fanIn: number; fanOut: number } {
  if (layout === 'OI') return { fanIn: shape[1], fanOut: shape[0] };
  const [kh, kw, cin, cout] = shape;
  return { fanIn: kh * kw * cin, fanOut: kh * kw * cout };
}

/** He-normal init for ReLU nets (MMDetection's ResNet uses mode 'fan_out'). */
export function kaimingNormal(shape: number[], layout: 'HWIO' | 'OI', mode: 'fan_in' | 'fan_out' = 'fan_out', rng?: InitRng): tf.Tensor {
  const { fanIn, fanOut } = fans(shape, layout);
  return normalInit(shape, Math.SQRT2 / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut), rng);
}

/** Bias such that sigmoid(bias) = priorProb (RetinaNet's focal-loss start point). */
export const biasInitWithProb = (priorProb: number): number => -Math.log((1 - priorProb) / priorProb);

/** MMCV normal_init: weight ~ N(0, std²), bias = constant (in place). */
export function normalInitLayer(layer: { weight: tf.Variable; bias?: tf.Variable }, std: number, bias = 0, rng?: InitRng): void {
  const w = normalInit(layer.weight.shape, std, rng);
  layer.weight.assign(w);
  w.dispose();
  if (layer.bias) {
    const b = tf.fill(layer.bias.shape, bias);
    layer.bias.assign(b);
    b.dispose();
  }
}
