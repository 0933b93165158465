import * as tf from '@tensorflow/tfjs-core';
import { BACKBONES, ComponentConfig, DETECTORS, DetError, HEADS, NECKS } from '@det/registry';
import { InitRng, Module } from '../nn';
import { DenseHead } from '../heads/dense-head';
import { nmsDetections } from '../heads/post-process';
import { BaseDetector } from './base-detector';
import { groundTruth, imageTensor } from './batch-tensors';
import { LossDict } from './parse-losses';
import { mapBackToOriginal, mergeAugDetections } from './aug-merge';
import { DetBatch, DetResult, ImgMeta } from './types';

export interface SingleStageDetectorOptions {
  backbone: ComponentConfig;
  neck?: ComponentConfig | null;
  bboxHead: ComponentConfig;
  trainCfg?: Record<string, unknown>;
  testCfg?: Record<string, unknown>;
  /** Ignored: pretrained weights are loaded with loadCheckpointInto. */
  pretrained?: string;
  initCfg?: unknown;
  /** Seeds every sub-module's initialisation (default: the global Rng). */
  rng?: InitRng;
}

type FeatureModule = Module & { forward(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] };

/** backbone → neck → dense head (MMDetection SingleStageDetector). Children: `backbone`, `neck`, `bbox_head`. */
@DETECTORS.register()
export class SingleStageDetector extends BaseDetector {
  readonly backbone: FeatureModule;
  readonly neck?: FeatureModule;
  readonly bboxHead: DenseHead;

  constructor(readonly options: SingleStageDetectorOptions) {
    super();
    if (!options.backbone || !options.bboxHead) throw new DetError(`${new.target.name}: model.backbone and model.bboxHead are required`);
    const defaults = options.rng ? { rng: options.rng } : {};
    this.backbone = this.addModule('backbone', BACKBONES.build<FeatureModule>(options.backbone, { keyPath: 'model.backbone', defaults }));
    if (options.neck) this.neck = this.addModule('neck', NECKS.build<FeatureModule>(options.neck, { keyPath: 'model.neck', defaults }));
    const headCfg = { ...options.bboxHead, trainCfg: options.trainCfg, testCfg: options.testCfg };
    this.bboxHead = this.addModule('bbox_head', HEADS.build<DenseHead>(headCfg, { keyPath: 'model.bboxHead', defaults }));
    this.train(true);
  }

  extractFeat(img: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() => {
      const feats = this.backbone.forward(img);
      return this.neck ? this.neck.forward(feats) : feats;
    });
  }

  forwardTrain(img: tf.Tensor, batch: DetBatch): LossDict {
    const gt = groundTruth(batch);
    return tf.tidy(() => {
      const outs = this.bboxHead.forward(this.extractFeat(img));
      return this.bboxHead.loss(outs, { ...gt, imgMetas: batch.imgMetas });
    });
  }

  async simpleTest(img: tf.Tensor, imgMetas: ImgMeta[], rescale: boolean): Promise<DetResult[]> {
    const outs = tf.tidy(() => this.bboxHead.forward(this.extractFeat(img)));
    try {
      return await this.bboxHead.getBboxes(outs, imgMetas, { rescale });
    } finally {
      tf.dispose(Object.values(outs).flat());
    }
  }

  /** Every augmentation's candidates mapped to the original frame, concatenated, then one NMS per image. */
  async augTest(augs: DetBatch[], _rescale: boolean): Promise<DetResult[]> {
    const n = augs[0].imgMetas.length;
    const perImage: DetResult[][] = Array.from({ length: n }, () => []);
    for (const aug of augs) {
      const img = imageTensor(aug);
      const outs = tf.tidy(() => this.bboxHead.forward(this.extractFeat(img)));
      try {
        const dets = await this.bboxHead.getBboxes(outs, aug.imgMetas, { rescale: false, withNms: false });
        dets.forEach((d, i) => perImage[i].push(mapBackToOriginal(d, aug.imgMetas[i])));
      } finally {
        tf.dispose([img, ...Object.values(outs).flat()]);
      }
    }
    return perImage.map((list) => nmsDetections(mergeAugDetections(list), this.bboxHead.testCfg));
  }
}

/** RetinaNet = SingleStageDetector with a RetinaHead. */
@DETECTORS.register()
export class RetinaNet extends SingleStageDetector {}

/** FCOS = SingleStageDetector with an FCOSHead. */
@DETECTORS.register()
export class FCOS extends SingleStageDetector {}
