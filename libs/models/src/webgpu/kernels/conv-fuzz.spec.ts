import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { relativeMaxError } from '../testing/compare';
import { setupWebGpu } from '../setup';

// Convolutions of seeded random shapes — batch 1–3, sizes 1–17, 1–32 channels, filters 1–5,
// strides 1–3, dilation 2 (forward only: tfjs has no dilated gradients), numeric / same / valid
// padding (outputs of size 0 included), bias and ReLU — forward, dx, dW and db on webgpu
// (det's kernels, whichever variant each shape picks) against the cpu backend, within 1e-3 of
// each output's largest value (float32 sums in another order; an indexing slip gives O(1)).
// Found the empty-output gradient bug (hazards.spec.ts) when it was written.
const TOL = 1e-3;
const CASES = 100;

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

interface ConvCase { desc: string; x: tf.Tensor4D; w: tf.Tensor4D; b: tf.Tensor1D; dy: Float32Array; stride: number; dilation: number; pad: 'same' | 'valid' | number; bias: boolean; relu: boolean }

function* cases(): Generator<Omit<ConvCase, 'x' | 'w' | 'b'> & { xs: number[]; ws: number[]; xv: Float32Array; wv: Float32Array; bv: Float32Array }> {
  const rnd = lcg(2026);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const values = (n: number) => Float32Array.from({ length: n }, () => rnd() * 2 - 1);
  for (let made = 0; made < CASES;) {
    const [n, h, w] = [pick([1, 2, 3]), pick([1, 2, 3, 5, 7, 8, 9, 16, 17]), pick([1, 3, 4, 6, 8, 13, 16])];
    const [ci, co, k] = [pick([1, 2, 3, 4, 5, 8, 16, 17, 32]), pick([1, 3, 4, 8, 16, 20, 32]), pick([1, 2, 3, 5])];
    const stride = pick([1, 1, 2, 3]);
    const dilation = stride === 1 ? pick([1, 1, 1, 2]) : 1;
    const pad = pick(['same', 'valid', 0, 1, 2] as const);
    const reach = (k - 1) * dilation + 1;
    const out = (size: number) => (pad === 'same' ? Math.ceil(size / stride) : Math.floor((size + 2 * (pad === 'valid' ? 0 : pad) - reach) / stride) + 1);
    if (out(h) < 0 || out(w) < 0) continue; // not a conv tfjs accepts
    made++;
    const [bias, relu] = [rnd() < 0.5, rnd() < 0.5];
    yield {
      desc: `${n}×${h}×${w}×${ci} → ${co}, ${k}×${k}, stride ${stride}, dilation ${dilation}, pad ${pad}${bias ? ', bias' : ''}${relu ? ', relu' : ''}`,
      xs: [n, h, w, ci], ws: [k, k, ci, co], xv: values(n * h * w * ci), wv: values(k * k * ci * co), bv: values(co),
      dy: values(n * Math.max(out(h), 0) * Math.max(out(w), 0) * co), stride, dilation, pad, bias, relu,
    };
  }
}

async function run(backend: string, c: ReturnType<typeof cases> extends Generator<infer T> ? T : never): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const [x, w, b] = [tf.tensor4d(c.xv, c.xs as [number, number, number, number]), tf.tensor4d(c.wv, c.ws as [number, number, number, number]), tf.tensor1d(c.bv)];
    const conv = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.fused.conv2d({
      x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, strides: c.stride, pad: c.pad, dilations: c.dilation,
      bias: bi, activation: c.relu ? 'relu' : 'linear',
    });
    const y = conv(x, w, c.bias ? b : undefined);
    if (c.dilation > 1) return [y];
    const dy = tf.tensor(c.dy, y.shape);
    const loss = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(conv(xi, wi, bi), dy));
    const grads = c.bias ? tf.grads(loss)([x, w, b]) : tf.grads((xi: tf.Tensor, wi: tf.Tensor) => loss(xi, wi))([x, w]);
    return [y, ...grads];
  });
  const data = await Promise.all(outs.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  tf.dispose(outs);
  return data;
}

describeIfGpu(gpuSuite('convolutions of seeded random shapes on webgpu vs cpu (forward, dx, dW, db)'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it(`${CASES} shapes agree within ${TOL}`, async () => {
    const failures: string[] = [];
    for (const c of cases()) {
      const [cpu, gpu] = [await run('cpu', c), await run('webgpu', c)];
      ['y', 'dx', 'dW', 'db'].slice(0, cpu.length).forEach((name, i) => {
        const err = cpu[i].length === 0 ? 0 : relativeMaxError(gpu[i], cpu[i]);
        if (!(err < TOL)) failures.push(`${c.desc}: ${name} relative error ${err}`);
      });
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
