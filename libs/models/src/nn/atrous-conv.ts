import * as tf from '@tensorflow/tfjs-core';

/**
 * A stride-1 convolution with dilation d as TensorFlow's atrous_conv2d computes it: pad, move
 * the d×d phases of the image into the batch (spaceToBatchND), a plain 'valid' conv, and back
 * (batchToSpaceND). The same sums as the dilated conv, and — unlike tfjs's Conv2D with
 * dilations > 1, whose gradient throws ("dilation rates greater than 1 are not yet supported in
 * gradients") — trainable: every op on the way has a gradient. `pad` is the symmetric zero
 * padding per side (Conv2d's `padding`).
 */
export function atrousConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, dilation: number, pad: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filter.shape;
    const padded = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
    const [, h, w] = padded.shape;
    const [outH, outW] = [h - dilation * (kh - 1), w - dilation * (kw - 1)];
    // spaceToBatchND needs sides divisible by the dilation: pad the bottom / right, cropped below
    const [extraH, extraW] = [(dilation - (h % dilation)) % dilation, (dilation - (w % dilation)) % dilation];
    const phases = tf.spaceToBatchND(padded, [dilation, dilation], [[0, extraH], [0, extraW]]);
    const y = tf.conv2d(phases as tf.Tensor4D, filter, 1, 'valid');
    const [, yh, yw] = y.shape;
    return tf.batchToSpaceND(y, [dilation, dilation], [[0, yh * dilation - outH], [0, yw * dilation - outW]]) as tf.Tensor4D;
  });
}
