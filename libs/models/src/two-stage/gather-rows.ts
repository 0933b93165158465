import * as tf from '@tensorflow/tfjs-core';

/**
 * tf.gather along axis 0 with a scatter-add gradient. The stock gradient goes through
 * UnsortedSegmentSum, which the cpu backend computes one segment at a time (seconds for a few
 * hundred rows); scatterND sums duplicate rows in one pass.
 */
export function gatherRowsWithGrad(x: tf.Tensor, rows: Int32Array): tf.Tensor {
  const rowShape = x.shape.slice(1);
  const numRows = x.shape[0];
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const value = tf.gather(inputs[0] as tf.Tensor, tf.tensor1d(rows, 'int32'));
    const gradFunc = (dy: tf.Tensor) => tf.scatterND(tf.tensor2d(rows, [rows.length, 1], 'int32'), dy, [numRows, ...rowShape]);
    return { value, gradFunc };
  });
  return tf.tidy(() => op(x));
}
