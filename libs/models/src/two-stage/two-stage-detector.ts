import * as tf from '@tensorflow/tfjs-core';
import { BACKBONES, ComponentConfig, DETECTORS, DetError, HEADS, NECKS } from '@det/registry';
import { InitRng, Module, withRunningStatsFrozen } from '../nn';
import { BaseDetector, StepOutput } from '../detectors/base-detector';
import { groundTruth, imageTensor } from '../detectors/batch-tensors';
import { LossDict } from '../detectors/parse-losses';
import { DetBatch, DetResult, ImgMeta } from '../detectors/types';
import { RPNHead } from './rpn-head';
import { Proposals, RpnProposalCfg } from './rpn-proposals';
import { RcnnTrainCfg, StandardRoIHead } from './standard-roi-head';
import { RcnnTestCfg } from './multiclass-nms';
import { mergeAugProposals } from './aug-mapping';

/** MMDetection 2.x two-stage train_cfg / test_cfg (camelCase). */
export interface TwoStageTrainCfg {
  rpn?: Record<string, unknown>;
  /** Proposal settings while training (default: testCfg.rpn). */
  rpnProposal?: RpnProposalCfg;
  rcnn?: RcnnTrainCfg;
}

export interface TwoStageTestCfg {
  rpn?: RpnProposalCfg;
  rcnn?: RcnnTestCfg;
}

export interface TwoStageDetectorOptions {
  backbone: ComponentConfig;
  neck?: ComponentConfig | null;
  rpnHead: ComponentConfig;
  roiHead: ComponentConfig;
  trainCfg?: TwoStageTrainCfg;
  testCfg?: TwoStageTestCfg;
  /** Ignored: pretrained weights are loaded with loadCheckpointInto. */
  pretrained?: string;
  initCfg?: unknown;
  /** Seeds every sub-module's initialisation (default: the global Rng). */
  rng?: InitRng;
}

type FeatureModule = Module & { forward(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] };

/** Backends whose tensors live in host memory: a synchronous read there is a copy at most. */
const HOST_BACKENDS = new Set(['cpu', 'native', 'wasm']);

const DEFAULT_RPN_TEST: RpnProposalCfg = { nmsPre: 1000, maxPerImg: 1000, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 };

/**
 * backbone → neck → RPN head (losses + proposals) → RoI head (MMDetection TwoStageDetector).
 * Children: `backbone`, `neck`, `rpn_head`, `roi_head`.
 */
@DETECTORS.register()
export class TwoStageDetector extends BaseDetector {
  readonly backbone: FeatureModule;
  readonly neck?: FeatureModule;
  readonly rpnHead: RPNHead;
  readonly roiHead: StandardRoIHead;
  readonly trainCfg: TwoStageTrainCfg;
  readonly testCfg: TwoStageTestCfg;
  /** Training proposals computed before the gradient scope (see withReadableProposals). */
  private presetProposals?: Proposals[];

  constructor(readonly options: TwoStageDetectorOptions) {
    super();
    const name = new.target.name;
    if (!options?.backbone || !options.rpnHead || !options.roiHead) {
      throw new DetError(`${name}: model.backbone, model.rpnHead and model.roiHead are required`);
    }
    this.trainCfg = options.trainCfg ?? {};
    this.testCfg = { ...options.testCfg, rpn: options.testCfg?.rpn ?? DEFAULT_RPN_TEST };
    const defaults = options.rng ? { rng: options.rng } : {};
    this.backbone = this.addModule('backbone', BACKBONES.build<FeatureModule>(options.backbone, { keyPath: 'model.backbone', defaults }));
    if (options.neck) this.neck = this.addModule('neck', NECKS.build<FeatureModule>(options.neck, { keyPath: 'model.neck', defaults }));
    const rpnCfg = { ...options.rpnHead, trainCfg: this.trainCfg.rpn, testCfg: this.testCfg.rpn };
    this.rpnHead = this.addModule('rpn_head', HEADS.build<RPNHead>(rpnCfg, { keyPath: 'model.rpnHead', defaults }));
    if (typeof (this.rpnHead as unknown as Record<string, unknown>).getProposalsAsync !== 'function') {
      throw new DetError(`model.rpnHead: '${options.rpnHead.type}' has no getProposalsAsync() (use RPNHead or a subclass)`);
    }
    const roiCfg = { ...options.roiHead, trainCfg: this.trainCfg.rcnn, testCfg: this.testCfg.rcnn };
    this.roiHead = this.addModule('roi_head', HEADS.build<StandardRoIHead>(roiCfg, { keyPath: 'model.roiHead', defaults }));
    this.train(true);
  }

  /** Class count of the box head (read by NumClassCheckHook). */
  get numClasses(): number {
    return this.roiHead.numClasses;
  }

  extractFeat(img: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() => {
      const feats = this.backbone.forward(img);
      return this.neck ? this.neck.forward(feats) : feats;
    });
  }

  forwardTrain(img: tf.Tensor, batch: DetBatch): LossDict {
    const gt = { ...groundTruth(batch), imgMetas: batch.imgMetas };
    const preset = this.presetProposals;
    return tf.tidy(() => {
      const feats = this.extractFeat(img);
      const rpnOuts = this.rpnHead.forward(feats);
      const rpnLosses = this.rpnHead.loss(rpnOuts, gt);
      // proposals are plain numbers: no gradient flows from the RoI head into the RPN (as MMDetection)
      const proposals = preset ?? this.rpnHead.getProposals(rpnOuts, batch.imgMetas, this.trainProposalCfg);
      const roiLosses = this.roiHead.forwardTrain(feats, proposals, gt);
      return { ...rpnLosses, ...roiLosses };
    });
  }

  override async trainStep(batch: DetBatch, optimizer?: unknown): Promise<StepOutput> {
    return this.withReadableProposals(batch, () => super.trainStep(batch, optimizer));
  }

  override async valStep(batch: DetBatch): Promise<StepOutput> {
    return this.withReadableProposals(batch, () => super.valStep(batch));
  }

  private get trainProposalCfg(): RpnProposalCfg | undefined {
    return this.trainCfg.rpnProposal ?? this.testCfg.rpn;
  }

  /**
   * The loss runs inside tf.variableGrads, which is synchronous, but its RoI sampling needs the
   * RPN's proposals on the host. Host backends read them there (dataSync is a copy); elsewhere
   * (webgpu) an extra gradient-free backbone + RPN pass computes them first with `await data()`,
   * and forwardTrain uses those — the same numbers, since the weights (and, in training-mode
   * BatchNorm, the batch statistics) do not change in between.
   */
  private async withReadableProposals<R>(batch: DetBatch, step: () => Promise<R>): Promise<R> {
    if (HOST_BACKENDS.has(tf.getBackend())) return step();
    // the extra pass must not count as a training step: BatchNorm running averages stay as
    // they are (the step itself updates them once, as on the host backends)
    await withRunningStatsFrozen(this, async () => {
      const img = imageTensor(batch);
      try {
        const feats = this.extractFeat(img);
        try {
          const rpnOuts = tf.tidy(() => this.rpnHead.forward(feats));
          try {
            this.presetProposals = await this.rpnHead.getProposalsAsync(rpnOuts, batch.imgMetas, this.trainProposalCfg);
          } finally {
            tf.dispose(Object.values(rpnOuts).flat());
          }
        } finally {
          tf.dispose(feats);
        }
      } finally {
        img.dispose();
      }
    });
    try {
      return await step();
    } finally {
      this.presetProposals = undefined;
    }
  }

  /** RPN proposals, then the RoI head; every read-back is `await data()` (webgpu-safe). */
  async simpleTest(img: tf.Tensor, imgMetas: ImgMeta[], rescale: boolean): Promise<DetResult[]> {
    const feats = this.extractFeat(img);
    try {
      const proposals = await this.proposals(feats, imgMetas);
      return await this.roiHead.simpleTest(feats, proposals, imgMetas, rescale);
    } finally {
      tf.dispose(feats);
    }
  }

  /** Proposals of every augmentation merged in the original frame, then the RoI head's aug test. */
  async augTest(augs: DetBatch[], rescale: boolean): Promise<DetResult[]> {
    const featsPerAug: tf.Tensor[][] = [];
    try {
      const proposalsPerAug: Proposals[][] = [];
      for (const aug of augs) {
        const img = imageTensor(aug);
        try {
          const feats = this.extractFeat(img);
          featsPerAug.push(feats);
          proposalsPerAug.push(await this.proposals(feats, aug.imgMetas));
        } finally {
          img.dispose();
        }
      }
      const n = augs[0].imgMetas.length;
      const merged = Array.from({ length: n }, (_, i) =>
        mergeAugProposals(proposalsPerAug.map((p) => p[i]), augs.map((a) => a.imgMetas[i]), this.testCfg.rpn!),
      );
      return await this.roiHead.augTest(featsPerAug, merged, augs.map((a) => a.imgMetas), rescale);
    } finally {
      tf.dispose(featsPerAug.flat());
    }
  }

  /** Test-time RPN proposals of one batch's features. */
  private async proposals(feats: tf.Tensor[], imgMetas: ImgMeta[]): Promise<Proposals[]> {
    const rpnOuts = tf.tidy(() => this.rpnHead.forward(feats));
    try {
      return await this.rpnHead.getProposalsAsync(rpnOuts, imgMetas, this.testCfg.rpn);
    } finally {
      tf.dispose(Object.values(rpnOuts).flat());
    }
  }
}

/** Faster R-CNN = TwoStageDetector with an RPNHead and a StandardRoIHead. */
@DETECTORS.register()
export class FasterRCNN extends TwoStageDetector {}
