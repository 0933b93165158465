import { wgslFloat } from './conv2d-filter-grad-program';
import { ElementwiseProgram } from './elementwise-program';
import type { ElementLoss } from './loss-sum-programs';

// Smooth L1 / L1 (losses/smooth-l1-kernel.ts) per element of d = p − t, beta compiled in:
//   beta 0: |d|, gradient sign(d) (0 at d = 0, as PyTorch's);  else 0.5·min(|d|, β)²/β +
//   max(|d| − β, 0), gradient sign(d)·min(|d|/β, 1). tfjs composes the forward from 3
// (L1) or 8 (smooth) element-wise dispatches plus a Sum and a division, the gradient from 5–10.


function smoothL1Functions(beta: number): string {
  const b = wgslFloat(beta);
  return `
    fn smoothL1(d : f32) -> f32 {
      let a = abs(d);
      ${beta === 0 ? 'return a;' : `let inner = min(a, ${b});
      return inner * inner * 0.5 / ${b} + max(a - ${b}, 0.0);`}
    }
    fn smoothL1Grad(d : f32) -> f32 {
      let s = sign(d);
      ${beta === 0 ? 'return s;' : `let a = abs(d);
      return s * select(1.0, a / ${b}, a <= ${b});`}
    }
  `;
}

/**
 * Element-wise: the loss (`grad: false`), or its gradient w.r.t. p times dy / divisor
 * (`grad: true`; dy of p's size, or one element when `dyIsScalar`). Inputs p, t, dy (grad only).
 */
export class SmoothL1ElementsProgram extends ElementwiseProgram {
  constructor(shape: number[], readonly beta: number, readonly grad: boolean, readonly dyIsScalar = false) {
    const value = grad
      ? `smoothL1Grad(p[index] - t[index]) * (dy[${dyIsScalar ? 0 : 'index'}] / uniforms.divisor)`
      : 'smoothL1(p[index] - t[index])';
    super(shape, ['p', 't', ...(grad ? ['dy'] : [])], `detSmoothL1Elements_${beta}_${grad}_${dyIsScalar}`,
      `result[index] = ${value};`, grad ? 'divisor : f32,' : undefined, smoothL1Functions(beta));
  }
}

/** The loss of element i for the partial-sum pass (loss-sum-programs.ts); inputs p, t. */
export function smoothL1ElementLoss(beta: number): ElementLoss {
  return { key: `smoothL1_${beta}`, inputs: ['p', 't'], functions: smoothL1Functions(beta), element: 'smoothL1(p[i] - t[i])' };
}
