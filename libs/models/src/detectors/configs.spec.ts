import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS, Rng, loadConfig } from '@det/registry';
import '../index';
import { selectBackend } from '../backend';
import { SingleStageDetector } from './single-stage';
import { setNumClasses } from './set-num-classes';
import { syntheticBatch } from './__fixtures__/tiny';

const modelsDir = path.resolve(__dirname, '../../../../configs/_base_/models');

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await selectBackend('wasm');
});

function build(file: string, numClasses: number): SingleStageDetector {
  const cfg = loadConfig(path.join(modelsDir, file)) as { model: Record<string, unknown> };
  const model = setNumClasses({ ...cfg.model, rng: new Rng(0) }, numClasses);
  return DETECTORS.build<SingleStageDetector>(model as never, { keyPath: 'model' });
}

describe('configs/_base_/models', () => {
  it('retinanet_r50_fpn builds with MMDetection parameter names and shapes', () => {
    const model = build('retinanet_r50_fpn.ts', 80);
    const sd = model.stateDict();
    expect(sd['backbone.layer4.2.conv3.weight'].shape).toEqual([1, 1, 512, 2048]);
    expect(sd['neck.lateral_convs.0.conv.weight'].shape).toEqual([1, 1, 512, 256]);
    // P6 from C5 ('on_input'), P7 from P6
    expect(sd['neck.fpn_convs.3.conv.weight'].shape).toEqual([3, 3, 2048, 256]);
    expect(sd['bbox_head.retina_cls.weight'].shape).toEqual([3, 3, 256, 9 * 80]);
    expect(sd['bbox_head.retina_reg.weight'].shape).toEqual([3, 3, 256, 9 * 4]);
    // frozenStages 1: stem and layer1 are not trainable
    expect(Object.keys(model.parameters()).some((k) => k.startsWith('backbone.layer1.') || k === 'backbone.conv1.weight')).toBe(false);
    // parameter count, frozen ones included, from the architecture by hand:
    const resnet50 = 23508032; // torchvision resnet50 (25,557,032) minus its fc (2,049,000)
    const conv = (k: number, i: number, o: number) => k * k * i * o + o;
    const fpn = conv(1, 512, 256) + conv(1, 1024, 256) + conv(1, 2048, 256) + 3 * conv(3, 256, 256) + conv(3, 2048, 256) + conv(3, 256, 256);
    const head = 8 * conv(3, 256, 256) + conv(3, 256, 9 * 80) + conv(3, 256, 9 * 4);
    const total = Object.values(sd).filter((t) => t.dtype === 'float32').reduce((s, t) => s + t.size, 0);
    const buffers = Object.entries(sd).filter(([k]) => /running_(mean|var)$/.test(k)).reduce((s, [, t]) => s + t.size, 0);
    expect(total - buffers).toBe(resnet50 + fpn + head); // 37,968,692
    model.dispose();
  });

  it('fcos_r50_fpn builds with a GN head, caffe-style frozen BN and per-level scales', () => {
    const model = build('fcos_r50_fpn.ts', 80);
    const sd = model.stateDict();
    expect(sd['bbox_head.cls_convs.0.gn.weight'].shape).toEqual([256]);
    expect(sd['bbox_head.conv_centerness.weight'].shape).toEqual([3, 3, 256, 1]);
    expect(sd['bbox_head.scales.4.scale'].shape).toEqual([]);
    expect(sd['neck.fpn_convs.3.conv.weight'].shape).toEqual([3, 3, 256, 256]);
    expect(Object.keys(model.parameters()).some((k) => k.includes('backbone') && k.includes('bn'))).toBe(false);
    // caffe style strides the first 1×1 of a bottleneck
    expect(sd['backbone.layer2.0.conv1.weight'].shape).toEqual([1, 1, 256, 128]);
    model.dispose();
  });

  it.each(['retinanet_tiny.ts', 'fcos_tiny.ts'])('%s trains a step and tests on a 64×64 batch', async (file) => {
    const model = build(file, 2);
    const out = await model.trainStep(syntheticBatch());
    expect(Number.isFinite(out.loss)).toBe(true);
    expect(Object.keys(out.grads!).length).toBe(Object.keys(model.parameters()).length);
    tf.dispose(Object.values(out.grads!));
    model.eval();
    const results = await model.forwardTest(syntheticBatch());
    expect(results).toHaveLength(2);
    model.dispose();
  });
});
