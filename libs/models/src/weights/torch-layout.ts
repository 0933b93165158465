import * as tf from '@tensorflow/tfjs-core';

/**
 * A PyTorch state dict (torchvision / MMDetection names) in det's layout: 4-D conv kernels go
 * from OIHW to HWIO, everything else is unchanged. Returns new tensors (the caller disposes both
 * dicts); names are kept, so pass the result to loadCheckpointInto.
 */
export function torchToDetLayout(sd: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(sd)) out[name] = t.rank === 4 ? tf.transpose(t, [2, 3, 1, 0]) : tf.clone(t);
  return out;
}

/** The inverse of torchToDetLayout (HWIO → OIHW), for exporting weights to PyTorch. */
export function detToTorchLayout(sd: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(sd)) out[name] = t.rank === 4 ? tf.transpose(t, [3, 2, 0, 1]) : tf.clone(t);
  return out;
}
