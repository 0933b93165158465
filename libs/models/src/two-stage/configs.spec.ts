import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS, loadConfig } from '@det/registry';
import '../index';
import { FasterRCNN } from './two-stage-detector';
import { useTrainingBackend } from './__fixtures__/training-backend';
import { setNumClasses } from '../detectors/set-num-classes'; // numClasses comes from the dataset (8 synthetic classes)

beforeAll(async () => {
  await useTrainingBackend();
});

const repoRoot = path.resolve(__dirname, '../../../..');
const configPath = (p: string) => path.join(repoRoot, 'configs', p);
const shapes = (m: FasterRCNN) => Object.fromEntries(m.namedParameters().map(([k, v]) => [k, v.shape]));

describe('Faster R-CNN configs', () => {
  it('faster_rcnn_r50_fpn_1x_coco builds with MMDetection parameter names and shapes', async () => {
    const cfg = await loadConfig(configPath('faster_rcnn/faster_rcnn_r50_fpn_1x_coco.ts'));
    expect((cfg.model as Record<string, unknown>).type).toBe('FasterRCNN');
    expect((cfg.runner as Record<string, unknown>).maxEpochs).toBe(12);
    // numClasses comes from the dataset's classes (COCO: 80), as `det train` fills it
    const model = DETECTORS.build<FasterRCNN>(setNumClasses(cfg.model as Record<string, unknown>, 80) as never, { keyPath: 'model' });
    const s = shapes(model);
    expect(s['rpn_head.rpn_conv.weight']).toEqual([3, 3, 256, 256]);
    expect(s['rpn_head.rpn_cls.weight']).toEqual([1, 1, 256, 3]);
    expect(s['rpn_head.rpn_reg.weight']).toEqual([1, 1, 256, 12]);
    expect(s['roi_head.bbox_head.shared_fcs.0.weight']).toEqual([1024, 256 * 7 * 7]);
    expect(s['roi_head.bbox_head.shared_fcs.1.weight']).toEqual([1024, 1024]);
    expect(s['roi_head.bbox_head.fc_cls.weight']).toEqual([81, 1024]);
    expect(s['roi_head.bbox_head.fc_reg.weight']).toEqual([320, 1024]);
    expect(model.numClasses).toBe(80);
    expect(model.roiHead.bboxRoiExtractor.featmapStrides).toEqual([4, 8, 16, 32]);
    model.dispose();
  });

  it('faster_rcnn_tiny_synthetic builds, runs a forward test on one 240×320 image and cleans up', async () => {
    const cfg = await loadConfig(configPath('faster_rcnn/faster_rcnn_tiny_synthetic.ts'));
    const model = DETECTORS.build<FasterRCNN>(setNumClasses(cfg.model as Record<string, unknown>, 8) as never, { keyPath: 'model' });
    model.eval();
    const before = tf.memory().numTensors;
    const meta = { filename: 'x', oriShape: [240, 320, 3], imgShape: [240, 320, 3], padShape: [256, 320, 3], scaleFactor: [1, 1, 1, 1], flip: false } as const;
    const [res] = await model.forwardTest({ img: { data: new Float32Array(256 * 320 * 3).fill(0.1), shape: [1, 256, 320, 3] }, imgMetas: [meta as never] });
    expect(res.bboxes.length).toBe(res.scores.length * 4);
    expect(res.scores.length).toBeLessThanOrEqual(100);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
