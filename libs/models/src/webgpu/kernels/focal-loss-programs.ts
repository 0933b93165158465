import { wgslFloat } from './conv2d-filter-grad-program';
import { ElementwiseProgram } from './elementwise-program';
import type { ElementLoss } from './loss-sum-programs';

// The sigmoid focal loss from class labels (losses/focal-loss-kernel.ts) in WGSL: per element of
// logits x [N, C] with label y[n] (a positive where y[n] == c; anything outside [0, C) is
// background), z = x on negatives and −x on positives, p = σ(z) = 1 − p_t:
//   loss = α_t · softplus(z) · p^γ · w[n]
//   ∂loss/∂x = ±α_t · p^γ · (p + γ · softplus(z) · (1 − p)) · w[n]   (− on positives)
// softplus(z) = max(z, 0) + log1p(e^{−|x|}), and p, 1 − p from e^{−|x|} without cancellation.
// tfjs composes the same forward from ~16 element-wise dispatches and its gradient from ~20.


/** Hyperparameters are compiled in (a config constant; integer γ becomes multiplications). */
export interface FocalParams { gamma: number; alpha: number }

/** v^exponent in WGSL for v ≥ 0: small integer powers as multiplications. */
function powOf(v: string, exponent: number): string {
  if (exponent === 0) return '1.0';
  if (Number.isInteger(exponent) && exponent > 0 && exponent <= 4) return Array(exponent).fill(v).join(' * ');
  // pow is undefined at 0 in WGSL; p underflows to 0 for |x| > ~88
  return `select(0.0, pow(${v}, ${wgslFloat(exponent)}), ${v} > 0.0)`;
}

// log(1 + e) for e in [0, 1] as 2·atanh(s), s = e / (2 + e) ≤ 1/3: the series to s^15 is
// float32-exact (WGSL has no log1p, and log(1 + e) loses e when e is tiny)
const FOCAL_LOG1P = `
    fn focalLog1p(e : f32) -> f32 {
      let s = e / (2.0 + e);
      let s2 = s * s;
      return 2.0 * s * (1.0 + s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * (0.11111111 +
        s2 * (0.09090909 + s2 * (0.07692308 + s2 * 0.06666667)))))));
    }`;

/** WGSL helpers: focalLoss(x, pos) and focalGrad(x, pos) (∂loss/∂x), both without the row weight. */
export function focalFunctions({ gamma, alpha }: FocalParams): string {
  const alphaT = alpha >= 0 ? `select(${wgslFloat(1 - alpha)}, ${wgslFloat(alpha)}, pos)` : '1.0';
  return `
    ${FOCAL_LOG1P}
    // p = σ(z), pc = 1 − p = σ(−z), q = p^γ
    struct FocalTerms { p : f32, pc : f32, q : f32, softplus : f32, alphaT : f32 };
    fn focalTerms(x : f32, pos : bool) -> FocalTerms {
      let z = select(x, -x, pos);
      let e = exp(-abs(x));
      let r = 1.0 / (1.0 + e);
      let p = select(e * r, r, z >= 0.0);
      var t : FocalTerms;
      t.p = p;
      t.pc = select(r, e * r, z >= 0.0);
      t.q = ${powOf('p', gamma)};
      t.softplus = max(z, 0.0) + focalLog1p(e);
      t.alphaT = ${alphaT};
      return t;
    }
    fn focalLoss(x : f32, pos : bool) -> f32 {
      let t = focalTerms(x, pos);
      // the op-by-op order: (softplus · p^γ) · α_t
      return t.softplus * t.q * t.alphaT;
    }
    fn focalGrad(x : f32, pos : bool) -> f32 {
      let t = focalTerms(x, pos);
      let dz = t.alphaT * t.q * (t.p + ${wgslFloat(gamma)} * t.softplus * t.pc);
      return select(dz, -dz, pos);
    }
  `;
}

const key = ({ gamma, alpha }: FocalParams) => `${gamma}_${alpha}`;

/**
 * Element-wise: the weighted loss [N, C] (`grad: false`) or its gradient w.r.t. x times
 * dy / divisor (`grad: true`; dy [N, C], or one element when `dyIsScalar`; the uniform divisor
 * is the forward's). Inputs x, labels (int32 [N]), row weights w [N], dy (grad only).
 */
export class FocalLossElementsProgram extends ElementwiseProgram {
  // tfjs folds a dispatch above the per-dimension limit into y (reshapeDispatch) and main's
  // index stays flat
  constructor(shape: [number, number], readonly params: FocalParams, readonly grad: boolean, readonly dyIsScalar = false) {
    const value = grad ? 'focalGrad(x[index], pos)' : 'focalLoss(x[index], pos)';
    // (dy / divisor) first: the order of the division it replaces
    const dy = grad ? ` * (dy[${dyIsScalar ? 0 : 'index'}] / uniforms.divisor)` : '';
    super(shape, ['x', 'labels', 'w', ...(grad ? ['dy'] : [])], `detFocalElements_${key(params)}_${grad}_${dyIsScalar}`, `
      let cols = uniforms.outShape.y;
      let row = index / cols;
      let pos = labels[row] == index - row * cols;
      result[index] = ${value} * w[row]${dy};`, grad ? 'divisor : f32,' : undefined, focalFunctions(params));
  }
}

/** The weighted loss of element i for the partial-sum pass (loss-sum-programs.ts); inputs x, labels, w. */
export function focalElementLoss(params: FocalParams): ElementLoss {
  return {
    key: `focal_${key(params)}`,
    inputs: ['x', 'labels', 'w'],
    functions: focalFunctions(params),
    element: 'focalLoss(x[i], labels[i / uniforms.xShape.y] == i % uniforms.xShape.y) * w[i / uniforms.xShape.y]',
  };
}

// The [N, C]-target form (MMDetection's py_sigmoid_focal_loss; targets t in [0, 1], one-hot in
// practice), as losses/focal-loss.ts composes it from ops: p = σ(x), 1 − p_t = σ(−x)·t + p·(1 − t),
//   loss = BCE(x, t) · (1 − p_t)^γ · α_t,  BCE = max(x, 0) − x·t + log1p(e^{−|x|}),  α_t = α·t + (1 − α)·(1 − t)
//   ∂loss/∂x = α_t · ((p − t)·(1 − p_t)^γ + γ·BCE·(1 − p_t)^(γ−1)·p·(1 − p)·(1 − 2t))
//   ∂loss/∂t = (2α − 1)·BCE·(1 − p_t)^γ + α_t · (−x·(1 − p_t)^γ + γ·BCE·(1 − p_t)^(γ−1)·((1 − p) − p))

/** WGSL helpers focalSoftLoss(x, t), focalSoftGrad(x, t) (∂/∂x) and focalSoftTargetGrad(x, t) (∂/∂t). */
export function focalSoftFunctions({ gamma, alpha }: FocalParams): string {
  const alphaT = alpha >= 0 ? `t * ${wgslFloat(alpha)} + (1.0 - t) * ${wgslFloat(1 - alpha)}` : '1.0';
  const dAlpha = alpha >= 0 ? wgslFloat(2 * alpha - 1) : '0.0';
  // γ·(1 − p_t)^(γ−1): zero for γ = 0 (and no negative power)
  const slope = gamma === 0 ? '0.0' : `${wgslFloat(gamma)} * ${powOf('s.omp', gamma - 1)}`;
  return `
    ${FOCAL_LOG1P}
    struct FocalSoftTerms { p : f32, pc : f32, omp : f32, q : f32, slope : f32, bce : f32, alphaT : f32 };
    fn focalSoftTerms(x : f32, t : f32) -> FocalSoftTerms {
      let e = exp(-abs(x));
      let r = 1.0 / (1.0 + e);
      var s : FocalSoftTerms;
      s.p = select(e * r, r, x >= 0.0);
      s.pc = select(r, e * r, x >= 0.0);
      s.omp = s.pc * t + s.p * (1.0 - t);
      s.q = ${powOf('s.omp', gamma)};
      s.slope = ${slope};
      s.bce = max(x, 0.0) - x * t + focalLog1p(e);
      s.alphaT = ${alphaT};
      return s;
    }
    fn focalSoftLoss(x : f32, t : f32) -> f32 {
      let s = focalSoftTerms(x, t);
      return s.bce * s.q * s.alphaT;
    }
    fn focalSoftGrad(x : f32, t : f32) -> f32 {
      let s = focalSoftTerms(x, t);
      return s.alphaT * ((s.p - t) * s.q + s.bce * s.slope * s.p * s.pc * (1.0 - 2.0 * t));
    }
    fn focalSoftTargetGrad(x : f32, t : f32) -> f32 {
      let s = focalSoftTerms(x, t);
      return ${dAlpha} * s.bce * s.q + s.alphaT * (-x * s.q + s.bce * s.slope * (s.pc - s.p));
    }
  `;
}

/**
 * Element-wise, [N, C] targets: the loss (`mode` 'loss'), or its gradient w.r.t. pred or target
 * times dy / divisor (dy [N, C], or one element when `dyIsScalar`). Inputs x, t, dy (gradients).
 */
export class FocalTargetsElementsProgram extends ElementwiseProgram {
  constructor(shape: number[], readonly params: FocalParams, readonly mode: 'loss' | 'gradPred' | 'gradTarget', readonly dyIsScalar = false) {
    const grad = mode !== 'loss';
    const value = { loss: 'focalSoftLoss', gradPred: 'focalSoftGrad', gradTarget: 'focalSoftTargetGrad' }[mode];
    const dy = grad ? ` * (dy[${dyIsScalar ? 0 : 'index'}] / uniforms.divisor)` : '';
    super(shape, ['x', 't', ...(grad ? ['dy'] : [])], `detFocalTargets_${key(params)}_${mode}_${dyIsScalar}`,
      `result[index] = ${value}(x[index], t[index])${dy};`, grad ? 'divisor : f32,' : undefined, focalSoftFunctions(params));
  }
}

/** The loss of element i for the partial-sum pass, [N, C] targets; inputs x, t. */
export function focalTargetsElementLoss(params: FocalParams): ElementLoss {
  return { key: `focalSoft_${key(params)}`, inputs: ['x', 't'], functions: focalSoftFunctions(params), element: 'focalSoftLoss(x[i], t[i])' };
}
