import * as tf from '@tensorflow/tfjs-core';
import { BBOX_ASSIGNERS, BBOX_SAMPLERS, ComponentConfig, DetError, HEADS, ROI_EXTRACTORS } from '@det/registry';
import { InitRng, Module } from '../nn';
import { DetResult, ImgMeta } from '../detectors/types';
import { GtInputs } from '../heads/dense-head';
import { boxesTensor, gatherRows } from '../heads/head-utils';
import { TargetComponents } from '../heads/anchor-targets';
import { RoiSample, bboxToRoi, roiTargets } from './bbox-targets';
import { RcnnTestCfg, multiclassNms } from './multiclass-nms';
import { RoIBBoxHead, RoIBBoxOutputs } from './roi-bbox-head';
import { Proposals } from './rpn-proposals';
import { SingleRoIExtractor } from './single-roi-extractor';
import { mapBackFromAug, mapToAug, meanOf } from './aug-mapping';

/** MMDetection's train_cfg.rcnn. */
export interface RcnnTrainCfg {
  assigner?: ComponentConfig;
  sampler?: ComponentConfig;
  posWeight?: number;
  debug?: boolean;
}

export interface StandardRoIHeadOptions {
  bboxRoiExtractor: ComponentConfig;
  bboxHead: ComponentConfig;
  trainCfg?: RcnnTrainCfg;
  testCfg?: RcnnTestCfg;
  rng?: InitRng;
  initCfg?: unknown;
  /** det builds the box branch only: a config setting any of these three gets a DetError naming the key. */
  maskRoiExtractor?: unknown;
  maskHead?: unknown;
  sharedHead?: unknown;
}

/**
 * MMDetection's StandardRoIHead (box branch): assigns and samples proposals against the gts,
 * pools the sampled RoIs with the extractor and trains the bbox head; at test time pools every
 * proposal and post-processes per image. Children: `bbox_head` (the extractor has no weights).
 */
@HEADS.register()
export class StandardRoIHead extends Module {
  readonly bboxRoiExtractor: SingleRoIExtractor;
  readonly bboxHead: RoIBBoxHead;
  readonly trainCfg?: RcnnTrainCfg;
  readonly testCfg: RcnnTestCfg;
  private targetParts?: Pick<TargetComponents, 'assigner' | 'sampler'>;

  constructor(options: StandardRoIHeadOptions) {
    super();
    const where = new.target.name;
    for (const key of ['maskRoiExtractor', 'maskHead', 'sharedHead'] as const) {
      if (options[key]) throw new DetError(`model.roiHead.${key} (${where}): det's RoI heads have the box branch only (Faster R-CNN); remove this key or use a plugin that registers a mask head`);
    }
    if (!options.bboxRoiExtractor || !options.bboxHead) throw new DetError(`${where}: bboxRoiExtractor and bboxHead are required`);
    const defaults = options.rng ? { rng: options.rng } : {};
    this.bboxRoiExtractor = ROI_EXTRACTORS.build<SingleRoIExtractor>(options.bboxRoiExtractor, { keyPath: 'model.roiHead.bboxRoiExtractor' });
    this.bboxHead = this.addModule('bbox_head', HEADS.build<RoIBBoxHead>(options.bboxHead, { keyPath: 'model.roiHead.bboxHead', defaults }));
    for (const m of ['forward', 'loss', 'getBboxes', 'rawDetections'] as const) {
      if (typeof (this.bboxHead as unknown as Record<string, unknown>)[m] !== 'function') {
        throw new DetError(`model.roiHead.bboxHead: '${options.bboxHead.type}' has no ${m}() (extend RoIBBoxHead from @det/models)`);
      }
    }
    this.trainCfg = options.trainCfg;
    this.testCfg = options.testCfg ?? { scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 100 };
  }

  get numClasses(): number {
    return this.bboxHead.numClasses;
  }

  private components(): Pick<TargetComponents, 'assigner' | 'sampler'> {
    if (this.targetParts) return this.targetParts;
    const cfg = this.trainCfg;
    if (!cfg?.assigner || !cfg.sampler) {
      throw new DetError('model.trainCfg.rcnn: training the RoI head needs an assigner and a sampler (e.g. MaxIoUAssigner 0.5/0.5 and RandomSampler num 512)');
    }
    this.targetParts = {
      assigner: BBOX_ASSIGNERS.build(cfg.assigner, { keyPath: 'model.trainCfg.rcnn.assigner' }) as TargetComponents['assigner'],
      sampler: BBOX_SAMPLERS.build(cfg.sampler, { keyPath: 'model.trainCfg.rcnn.sampler' }) as TargetComponents['sampler'],
    };
    return this.targetParts;
  }

  /**
   * Assigns and samples one image's proposals; the boxes come back as typed arrays. The assigner's
   * host `assignData` is used when it has one, and the sampled boxes are gathered from host data:
   * no tensor is read back (this runs inside the training loss, where webgpu cannot read).
   */
  sampleImage(proposals: Proposals, gtBboxes: Float32Array, gtLabels: Int32Array, gtBboxesIgnore?: Float32Array): RoiSample {
    const { assigner, sampler } = this.components();
    const cands = boxesTensor(proposals.bboxes, 'proposals');
    const gt = boxesTensor(gtBboxes, 'gtBboxes');
    const ignoreData = gtBboxesIgnore && gtBboxesIgnore.length ? gtBboxesIgnore : undefined;
    const ignore = ignoreData ? boxesTensor(ignoreData, 'gtBboxesIgnore') : undefined;
    try {
      const assigned = assigner.assignData
        ? assigner.assignData(proposals.bboxes, gtBboxes, ignoreData, gtLabels)
        : assigner.assign(cands, gt, ignore, gtLabels);
      const s = sampler.sample(assigned, cands, gt, gtLabels);
      try {
        // a sampler with addGtAsProposals prepends the gts to the candidates (and to the assignment)
        const numCands = (assigned as { gtInds?: Int32Array }).gtInds?.length ?? proposals.bboxes.length / 4;
        const gtPrepended = numCands === proposals.bboxes.length / 4 + gtBboxes.length / 4 && gtBboxes.length > 0;
        const candData = gtPrepended ? concatBoxes(gtBboxes, proposals.bboxes) : proposals.bboxes;
        return {
          posBboxes: gatherRows(candData, 4, s.posInds),
          posGtBboxes: gatherRows(gtBboxes, 4, s.posAssignedGtInds),
          posGtLabels: Int32Array.from(s.posAssignedGtInds, (g) => gtLabels[g]),
          negBboxes: gatherRows(candData, 4, s.negInds),
        };
      } finally {
        s.dispose();
      }
    } finally {
      tf.dispose([cands, gt, ...(ignore ? [ignore] : [])]);
    }
  }

  /** Pools `rois` (k×5) and runs the bbox head. */
  bboxForward(feats: tf.Tensor[], rois: Float32Array): RoIBBoxOutputs {
    const roiFeats = this.bboxRoiExtractor.forward(feats, rois);
    try {
      return this.bboxHead.forward(roiFeats);
    } finally {
      roiFeats.dispose();
    }
  }

  /** Losses `loss_cls`, `loss_bbox`, `acc` of the sampled proposals (MMDetection forward_train). */
  forwardTrain(feats: tf.Tensor[], proposals: Proposals[], gt: GtInputs): Record<string, tf.Scalar> {
    const n = gt.imgMetas.length;
    if (proposals.length !== n) throw new DetError(`StandardRoIHead: ${proposals.length} proposal lists for ${n} images`);
    const samples = proposals.map((p, i) => this.sampleImage(p, gt.gtBboxes[i], gt.gtLabels[i], gt.gtBboxesIgnore?.[i]));
    const rois = bboxToRoi(samples.map((s) => concatBoxes(s.posBboxes, s.negBboxes)));
    const targets = roiTargets(samples, this.bboxHead.numClasses, this.trainCfg?.posWeight ?? -1);
    return tf.tidy(() => this.bboxHead.loss(this.bboxForward(feats, rois), targets));
  }

  /** Detections per image from its proposals; in the original frame when `rescale`. */
  simpleTest(feats: tf.Tensor[], proposals: Proposals[], imgMetas: ImgMeta[], rescale: boolean): Promise<DetResult[]> {
    return this.forEachImage(feats, proposals, imgMetas, (rois, outs, meta) => this.bboxHead.getBboxes(rois, outs, meta, rescale, this.testCfg));
  }

  /**
   * MMDetection aug_test_bboxes: the merged proposals (original frame) are mapped into each
   * augmentation, scored there, mapped back, boxes and scores averaged over the augmentations,
   * then one multiclass NMS. Boxes are in the original frame, or in augs[0]'s when !rescale.
   */
  async augTest(featsPerAug: tf.Tensor[][], proposals: Proposals[], metasPerAug: ImgMeta[][], rescale: boolean): Promise<DetResult[]> {
    const n = proposals.length;
    const boxesPerImage: Float32Array[][] = Array.from({ length: n }, () => []);
    const scoresPerImage: Float32Array[][] = Array.from({ length: n }, () => []);
    for (let a = 0; a < featsPerAug.length; a++) {
      const metas = metasPerAug[a];
      const mapped = proposals.map((p, i) => ({ bboxes: mapToAug(p.bboxes, metas[i]), scores: p.scores }));
      await this.forEachImage(featsPerAug[a], mapped, metas, async (rois, outs, meta, i) => {
        const raw = await this.bboxHead.rawDetections(rois, outs, meta, false);
        boxesPerImage[i].push(mapBackFromAug(raw.bboxes, meta));
        scoresPerImage[i].push(raw.scores);
      });
    }
    return proposals.map((_, i) => {
      const det = multiclassNms(meanOf(boxesPerImage[i]), meanOf(scoresPerImage[i]), this.bboxHead.numClasses, this.testCfg);
      if (!rescale) det.bboxes = Float32Array.from(det.bboxes, (v, j) => v * metasPerAug[0][i].scaleFactor[j % 4]);
      return det;
    });
  }

  /** Runs the bbox head on every image's proposals at once, then hands each image its slice (one image at a time). */
  private async forEachImage<R>(
    feats: tf.Tensor[],
    proposals: Proposals[],
    imgMetas: ImgMeta[],
    fn: (rois: Float32Array, outs: RoIBBoxOutputs, meta: ImgMeta, i: number) => Promise<R>,
  ): Promise<R[]> {
    const rois = bboxToRoi(proposals.map((p) => p.bboxes));
    const outs = this.bboxForward(feats, rois);
    try {
      const results: R[] = [];
      let start = 0;
      for (let i = 0; i < imgMetas.length; i++) {
        const k = proposals[i].bboxes.length / 4;
        const slice = tf.tidy(() => ({
          clsScore: tf.slice(outs.clsScore, [start, 0], [k, -1]) as tf.Tensor2D,
          bboxPred: tf.slice(outs.bboxPred, [start, 0], [k, -1]) as tf.Tensor2D,
        }));
        try {
          results.push(await fn(rois.subarray(start * 5, (start + k) * 5), slice, imgMetas[i], i));
        } finally {
          tf.dispose([slice.clsScore, slice.bboxPred]);
          start += k;
        }
      }
      return results;
    } finally {
      tf.dispose([outs.clsScore, outs.bboxPred]);
    }
  }
}

function concatBoxes(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
