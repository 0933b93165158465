import * as tf from '@tensorflow/tfjs-core';
import { registerChainedAddN } from './add-n';
import { registerSplitKFilterGrad } from './conv2d-filter-grad';
import { registerLeadingAxesReduce } from './leading-axes-reduce';
import { registerPhaseSplitInputGrad } from './conv2d-input-grad';
import { registerTunedConv2d } from './conv2d-forward';
import { registerBatchNormTrainKernels } from './batch-norm-train';
import { registerGroupNormKernels } from './group-norm';
import { registerRoiAlignKernels } from './roi-align';
import { registerSgdStepKernel } from './sgd-step';
import { registerAdamStepKernel } from './adam-step';
import { registerSumSquaresKernel } from './sum-squares';
import { registerScaleTensorsKernel } from './scale-tensors';
import { registerBatchNormGradKernel } from './batch-norm-grad';
import { registerFocalLossKernels } from './focal-loss';
import { registerSmoothL1Kernels } from './smooth-l1-loss';
import { registerReluGradKernel } from './relu-grad';
import { registerAddReluKernel } from './add-relu';
import { registerMaxAbsBitsKernel } from './max-abs-bits-program';
import { installBatchNormGradient } from '../../kernels/native-batchnorm';
import { convertFloatDataInputsOfDetKernels } from './float-data-inputs';
import { registerEmptyOperandMatMul } from './empty-operands';
import { registerResizeNearestGrad } from './resize-nearest-grad';
import { registerResizeBilinearGrad } from './resize-bilinear-grad';
import { registerCumsumReverse } from './cumsum-reverse';
import { registerMaxPoolGrad } from './max-pool-grad';
import { RANK5_BINARY_KERNELS, registerRank5BinaryFix } from './rank5-binary';

/** Kernels det replaces on the webgpu backend, by tfjs kernel name. */
export const DET_WEBGPU_KERNELS = ['AddN', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Sum', 'Mean', 'BatchMatMul', 'ResizeNearestNeighborGrad', 'MaxPoolGrad', 'RealDiv', 'Pow', 'SquaredDifference', 'Mod', 'Atan2'] as const;

/**
 * Installs det's webgpu kernels and flags. Must run after tfjs-backend-webgpu has registered its
 * kernels (i.e. after it was required) and may run again (idempotent).
 */
export function registerWebGpuKernels(): string[] {
  const installed: string[] = [];
  // Only where tfjs-backend-webgpu registered the kernel being replaced (its original is the
  // fallback for cases det's kernel does not cover).
  const has = (name: string) => tf.getKernel(name, 'webgpu') != null;
  if (has('AddN')) { registerChainedAddN(); installed.push('AddN'); }
  if (has('Conv2DBackpropFilter')) { registerSplitKFilterGrad(); installed.push('Conv2DBackpropFilter'); }
  if (has('Conv2D') && has('FusedConv2D')) {
    registerTunedConv2d();
    installed.push('Conv2D, FusedConv2D (tfjs\'s GEMM; det\'s GEMM where kernel tuning measures it faster)');
  }
  if (has('Conv2DBackpropInput')) { registerPhaseSplitInputGrad(); installed.push('Conv2DBackpropInput (strided: phase GEMM; stride 1: forward conv)'); }
  if (has('Sum') && has('Mean')) { registerLeadingAxesReduce(); installed.push('Sum', 'Mean'); }
  if (has('BatchMatMul')) { registerEmptyOperandMatMul(); installed.push('BatchMatMul (empty operands: zeros)'); }
  if (has('ResizeNearestNeighborGrad')) { registerResizeNearestGrad(); installed.push('ResizeNearestNeighborGrad (gather over source ranges)'); }
  if (has('ResizeBilinearGrad')) { registerResizeBilinearGrad(); installed.push('ResizeBilinearGrad (gather over transposed taps)'); }
  if (has('Cumsum') && has('Reverse')) { registerCumsumReverse(); installed.push('Cumsum (reverse: reversed forward)'); }
  if (has('MaxPoolGrad')) { registerMaxPoolGrad(); installed.push('MaxPoolGrad (window argmax, then a gather)'); }
  registerRank5BinaryFix();
  installed.push(`${RANK5_BINARY_KERNELS.join(', ')} (rank-5 broadcasts merged to ≤ 4 axes)`);
  registerBatchNormTrainKernels(); // new kernels (nn/batch-norm-train.ts uses them where registered)
  installed.push('DetBatchNormTrain (stats, apply(+ReLU), grad)', 'DetRunningAverages', 'DetBatchNormRelu');
  registerGroupNormKernels(); // nn/group-norm-kernel.ts uses them where registered
  installed.push('DetGroupNorm (stats, apply(+ReLU), grad)');
  registerRoiAlignKernels(); // ops/roi-align.ts uses them where registered
  installed.push('DetRoiAlignApply, DetRoiAlignScatter');
  registerBatchNormGradKernel(); // tf.batchNorm's gradient (frozen BN) in one fused kernel
  installBatchNormGradient();
  installed.push('DetFusedBatchNormGrad');
  registerSgdStepKernel(); // @det/runner's SGD uses it by name where registered
  registerAdamStepKernel(); // … and its Adam / AdamW
  registerSumSquaresKernel(); // … and its clipGradNorm
  registerScaleTensorsKernel(); // … which scales the gradients with it
  installed.push('DetSgdStep', 'DetAdamStep', 'DetSumSquares', 'DetScaleTensors');
  registerFocalLossKernels(); // losses/focal-loss.ts uses them by name where registered
  installed.push('DetSigmoidFocalLoss (loss, grad)');
  registerSmoothL1Kernels(); // losses/smooth-l1-loss.ts uses them by name where registered
  installed.push('DetSmoothL1Loss (loss, grad)');
  registerReluGradKernel(); // backend/relu-gradient.ts (det's Relu gradient) uses it by name
  registerAddReluKernel(); // nn/add-relu.ts (residual blocks) uses it by name
  installed.push('DetReluGrad', 'DetAddRelu');
  registerMaxAbsBitsKernel(); // backend/conv-gradient.ts: a conv's f16 gradient scale, once for both kernels
  installed.push('DetMaxAbsBits');
  // tf.cast of int32 / bool to float32 is a view of i32 data on webgpu, which det's shaders cannot read as f32
  convertFloatDataInputsOfDetKernels();
  // Where det falls back to tfjs's Conv2DBackpropInput (padding the forward-conv path cannot
  // express; strided layers with few input channels), tfjs's default is a naive
  // one-thread-per-input-element shader; its implicit-GEMM variant (Conv2DDerInputMMProgram)
  // exists but is off by default. det's specs check it against the cpu backend.
  try {
    tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
    installed.push('Conv2DBackpropInput (flag WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false)');
  } catch {
    // flag not registered: this tfjs-backend-webgpu has no such switch
  }
  return installed;
}
