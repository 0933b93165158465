import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { selectBackend } from '../backend/select-backend';
import { convFuzzCases, convFuzzMismatches } from '../testing/conv-fuzz-cases';
import { opFuzzCases, opFuzzMismatches } from '../testing/op-fuzz-cases';
import { fusedFuzzCases, fusedFuzzMismatches } from '../testing/fused-fuzz-cases';
import { intOpFuzzCases, intOpFuzzMismatches } from '../testing/int-op-fuzz-cases';
import { shapeOpFuzzCases, shapeOpFuzzMismatches } from '../testing/shape-op-fuzz-cases';

// Seeded random cases on det's native backend and on wasm (with det's kernel fixes) against the
// cpu backend (with det's resize-gradient fix: the backend selection installs it), forward and
// gradients, within 1e-4 of each output's largest value:
// - 100 convolutions (testing/conv-fuzz-cases.ts): found the native SIGFPE and three wasm faults;
// - 200 ops — pooling, matMul, reductions, broadcasting, transposes, resizes, unary
//   (testing/op-fuzz-cases.ts): found cpu's and wasm's resize gradients, wasm's max-pool gradient;
// - 120 of det's fused ops — norms, losses, RoIAlign (testing/fused-fuzz-cases.ts; tfjs ops here,
//   det's kernels on webgpu): found the focal loss's gradient at logit 0;
// - 200 integer, boolean and rounding ops — casts, argMax, comparisons, oneHot, gathers, int
//   arithmetic, top-k (testing/int-op-fuzz-cases.ts), exactly: found wasm's cast to bool;
// - 150 shape, softmax and math ops — concat, slice, pad, tile, softmax, clip, pow, cumsum,
//   bilinear resize (testing/shape-op-fuzz-cases.ts): found the bilinear-resize and cumsum
//   gradients of tfjs-core / cpu / wasm.
// The webgpu versions are in webgpu/kernels/*-fuzz.spec.ts.
const FUZZES = [
  { name: '100 convolutions agree within 1e-4', mismatches: (backend: string) => convFuzzMismatches(backend, convFuzzCases(100), 1e-4) },
  { name: '200 ops agree within 1e-4', mismatches: (backend: string) => opFuzzMismatches(backend, opFuzzCases(200), 1e-4) },
  { name: '120 fused ops agree within 1e-4', mismatches: (backend: string) => fusedFuzzMismatches(backend, fusedFuzzCases(120), 1e-4) },
  { name: '200 integer and boolean ops agree exactly', mismatches: (backend: string) => intOpFuzzMismatches(backend, intOpFuzzCases(200)) },
  { name: '150 shape, softmax and math ops agree within 1e-4', mismatches: (backend: string) => shapeOpFuzzMismatches(backend, shapeOpFuzzCases(150), 1e-4) },
];
const BACKENDS = process.env.DET_NATIVE === '0' ? (['wasm'] as const) : (['native', 'wasm'] as const);

describe.each(BACKENDS)('seeded random cases on %s vs cpu', (name) => {
  beforeAll(() => {
    ensureGradients();
    // customGrad ops that save tensors (tfjs's fused conv, det's) trip IS_TEST's per-kernel leak check on wasm
    tf.env().set('IS_TEST', false);
  });
  afterAll(() => tf.setBackend('cpu'));

  it.each(FUZZES)('$name', async ({ mismatches }) => {
    expect(await mismatches(await selectBackend(name))).toEqual([]);
  }, 120_000);
});
