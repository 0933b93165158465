import * as fs from 'node:fs';
import * as path from 'node:path';
import { DETECTORS, HOOKS, OPTIMIZERS, type ComponentConfig } from '@det/registry';
import { loadCoreLibs } from './core-libs';
import { prepareConfig } from './prepare-config';
import { withNumClasses } from './api/build';

// Every config in configs/ must load (with _base_ merging and validation) and build: its model,
// each split's pipeline, its optimizer and its LR policy. A broken config fails CI here.
const configsDir = path.resolve(__dirname, '..', '..', '..', 'configs');

function configFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return configFiles(p);
    return /\.(ts|js|json|ya?ml)$/.test(e.name) ? [p] : [];
  }).sort();
}

/** Class count for configs that leave it to the dataset: the synthetic set's, else COCO's 80. */
function classCount(cfg: Record<string, unknown>): number {
  const train = (cfg.data as { train?: { type?: string; numClasses?: number } } | undefined)?.train;
  if (train?.type === 'SyntheticShapesDataset') return train.numClasses ?? 8;
  return 80;
}

const files = configFiles(configsDir);
// Configs that only change data or schedule share their model with a base: build each model once
// (a ResNet-50 detector takes seconds to initialise on a CPU).
type Detector = { parameters(): Record<string, unknown>; dispose(): void };
const builtModels = new Map<string, Detector>();
afterAll(() => builtModels.forEach((d) => d.dispose()));

beforeAll(async () => {
  await loadCoreLibs();
  const { selectBackend } = await import('@det/models');
  await selectBackend('cpu');
});

it('finds the configs', () => {
  expect(files.map((f) => path.relative(configsDir, f))).toEqual(expect.arrayContaining([
    '_base_/default_runtime.ts', '_base_/datasets/coco_detection.ts', '_base_/datasets/synthetic_shapes.ts', '_base_/datasets/voc0712.ts',
    '_base_/schedules/schedule_1x.ts', '_base_/schedules/schedule_2x.ts', 'fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.ts', 'retinanet/retinanet_r50_fpn_1x_coco.ts',
    'synthetic/demo_synthetic.ts', 'synthetic/fcos_tiny_synthetic.ts', 'synthetic/retinanet_tiny_synthetic.ts', 'yolo/yolov3_tiny_synthetic.ts',
  ]));
});

describe.each(files.map((f) => [path.relative(configsDir, f), f]))('%s', (_name, file) => {
  it('loads, validates and builds', async () => {
    const resolved = await prepareConfig(file, {});
    const cfg = resolved.config as Record<string, unknown>;
    const { Compose } = await import('@det/data');
    for (const split of ['train', 'val', 'test']) {
      const ds = (cfg.data as Record<string, unknown> | undefined)?.[split];
      for (const d of [ds].flat()) {
        const pipeline = (d as { pipeline?: ComponentConfig[] } | undefined)?.pipeline;
        if (pipeline) expect(new Compose(pipeline, `data.${split}.pipeline`).transforms.length).toBe(pipeline.length);
      }
    }
    const lr = cfg.lrConfig as { policy?: string } | undefined;
    if (lr?.policy) {
      const { policyHookType } = await import('@det/runner');
      expect(HOOKS.has(policyHookType(lr.policy, 'LrUpdaterHook'))).toBe(true);
    }
    const model = cfg.model as ComponentConfig | undefined;
    if (!model?.type) return;
    const names = Array.from({ length: classCount(cfg) }, (_, i) => `class${i}`);
    const key = JSON.stringify(withNumClasses(model, names));
    let detector = builtModels.get(key);
    if (!detector) {
      detector = DETECTORS.build<Detector>(withNumClasses(model, names), { keyPath: 'model' });
      builtModels.set(key, detector);
    }
    expect(Object.keys(detector.parameters()).length).toBeGreaterThan(0);
    if (cfg.optimizer) OPTIMIZERS.build(cfg.optimizer as ComponentConfig, { keyPath: 'optimizer', args: [detector.parameters()] });
  });
});
