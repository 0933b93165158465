// A Faster R-CNN small enough to train in a spec on the cpu backend.
import { Rng } from '@det/registry';

export function tinyFasterRcnnCfg(numClasses = 2, bboxHead: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'FasterRCNN',
    backbone: { type: 'TinyNet', stemChannels: 8, stageChannels: [8, 16], blocksPerStage: 0, outIndices: [0, 1] },
    neck: { type: 'FPN', inChannels: [8, 16], outChannels: 8, numOuts: 2 },
    rpnHead: {
      type: 'RPNHead', inChannels: 8, featChannels: 8,
      anchorGenerator: { type: 'AnchorGenerator', scales: [4], ratios: [0.5, 1, 2], strides: [4, 8] },
      bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [1, 1, 1, 1] },
      lossCls: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 },
      lossBbox: { type: 'L1Loss', lossWeight: 1 },
    },
    roiHead: {
      type: 'StandardRoIHead',
      bboxRoiExtractor: { type: 'SingleRoIExtractor', roiLayer: { type: 'RoIAlign', outputSize: 3, samplingRatio: 1 }, outChannels: 8, featmapStrides: [4, 8], finestScale: 16 },
      bboxHead: {
        type: 'Shared2FCBBoxHead', inChannels: 8, fcOutChannels: 32, roiFeatSize: 3, numClasses,
        bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [0.1, 0.1, 0.2, 0.2] },
        regClassAgnostic: false,
        lossCls: { type: 'CrossEntropyLoss', useSigmoid: false, lossWeight: 1 },
        lossBbox: { type: 'L1Loss', lossWeight: 1 },
        ...bboxHead,
      },
    },
    trainCfg: {
      rpn: {
        assigner: { type: 'MaxIoUAssigner', posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true, ignoreIofThr: -1 },
        sampler: { type: 'RandomSampler', num: 64, posFraction: 0.5, negPosUb: -1, addGtAsProposals: false, rng: new Rng(1) },
        allowedBorder: -1, posWeight: -1,
      },
      rpnProposal: { nmsPre: 200, maxPerImg: 50, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 },
      rcnn: {
        assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0.5, matchLowQuality: false, ignoreIofThr: -1 },
        sampler: { type: 'RandomSampler', num: 16, posFraction: 0.25, negPosUb: -1, addGtAsProposals: true, rng: new Rng(2) },
        posWeight: -1,
      },
    },
    testCfg: {
      rpn: { nmsPre: 200, maxPerImg: 50, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 },
      rcnn: { scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 20 },
    },
    rng: new Rng(0),
  };
}
