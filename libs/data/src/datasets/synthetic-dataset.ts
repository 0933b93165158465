import * as path from 'node:path';
import { DATASETS, DetError, getLogger, type ComponentConfig } from '@det/registry';
import { runInWorkerSync } from '../loader/run-sync';
import type { BaseDatasetOptions } from './base-dataset';
import { CocoDataset } from './coco-dataset';
import {
  isSyntheticSetCurrent, resolveSyntheticParams, syntheticAnnFile, syntheticClassNames, syntheticImageDir,
  type SyntheticShapesParams,
} from './synthetic/generate';

export interface SyntheticShapesOptions extends Omit<SyntheticShapesParams, 'root'>, Omit<BaseDatasetOptions, 'annFile' | 'imgPrefix' | 'classes'> {
  /** Where the set is generated (and found on later runs). */
  dataRoot: string;
  split?: 'train' | 'val';
}

/**
 * A deterministic detection set of coloured shapes on noisy backgrounds, generated to `dataRoot`
 * in COCO format on first use (and again whenever the generation parameters change), then read
 * exactly like a CocoDataset.
 */
@DATASETS.register()
export class SyntheticShapesDataset extends CocoDataset {
  declare private syntheticOptions: SyntheticShapesOptions;

  constructor(options: SyntheticShapesOptions) {
    super(SyntheticShapesDataset.prepare(options));
    this.syntheticOptions = options;
  }

  override config(): ComponentConfig {
    return { ...this.syntheticOptions, type: 'SyntheticShapesDataset' };
  }

  /** Generates the files if needed (blocking: the constructor is synchronous) and maps options to CocoDataset's. */
  private static prepare(options: SyntheticShapesOptions): BaseDatasetOptions {
    if (typeof options?.dataRoot !== 'string') {
      throw new DetError(`SyntheticShapesDataset: 'dataRoot' (where to generate the set) is required`);
    }
    const { dataRoot, split = 'train', numTrain, numVal, imageSize, numClasses, objectSize, maxObjects, seed, format, quality, ...rest } = options;
    if (split !== 'train' && split !== 'val') throw new DetError(`SyntheticShapesDataset: split must be 'train' or 'val', got '${split}'`);
    const gen = { numTrain, numVal, imageSize, numClasses, objectSize, maxObjects, seed, format, quality };
    const params = resolveSyntheticParams(gen);
    const root = path.resolve(dataRoot);
    if (!isSyntheticSetCurrent(root, params)) {
      // Logged here: a worker's stderr may not be flushed before it is let go.
      const log = getLogger();
      log.info('generating synthetic shapes data set', { root, train: params.numTrain, val: params.numVal, size: params.imageSize.join('x') });
      const modulePath = path.join(__dirname, 'synthetic', `generate${path.extname(__filename)}`);
      const { seconds } = runInWorkerSync<{ seconds: number }>(modulePath, 'generateSyntheticShapes', [{ ...gen, root, quiet: true }]);
      log.info('synthetic shapes data set ready', { root, seconds: seconds.toFixed(1) });
    }
    return {
      ...rest,
      annFile: syntheticAnnFile(root, split),
      imgPrefix: syntheticImageDir(root, split),
      classes: syntheticClassNames(params.numClasses),
    };
  }
}
