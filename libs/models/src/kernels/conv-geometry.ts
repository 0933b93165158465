import * as tf from '@tensorflow/tfjs-core';

type ConvInfo = tf.backend_util.Conv2DInfo;

/** The 15-number conv description the addon takes: n h w c kh kw sh sw dh dw pt pl oh ow co. */
export function convGeometry(info: ConvInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    info.outHeight, info.outWidth, info.outChannels,
  ];
}

/** Conv info for NHWC tensors; undefined for layouts the native path does not handle. */
export function nhwcConvInfo(
  xShape: number[], filterShape: number[], strides: number | [number, number], dilations: number | [number, number],
  pad: unknown, dimRoundingMode: unknown, dataFormat: string,
): ConvInfo | undefined {
  if (dataFormat !== 'NHWC' || xShape.length !== 4 || filterShape.length !== 4) return undefined;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], strides,
    dilations, pad as 'same', dimRoundingMode as 'round', false, 'channelsLast');
}
