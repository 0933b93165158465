import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DetError, getLogger } from '@det/registry';
import type { DetResult } from '@det/data';
import type { RunnerModel } from '@det/runner';
import { applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { prepareConfig } from '../prepare-config';
import { buildDataset, buildDetector, buildLoader, loaderSettings } from './build';
import { drawDetections } from './draw';
import { withCommandLogger } from './run-logger';
import { workerPluginModule } from './worker-plugins';
import { selectConfiguredBackend } from './configured-backend';
import { loadDetectorWeights } from './weights';

export interface TestOptions extends CommonOptions {
  /** Metrics for dataset.evaluate, e.g. ['bbox'] (default: the evaluation section's metric). */
  eval?: string[];
  /** Write COCO-format results here. */
  out?: string;
  /** Only write the results (--out), no evaluation. */
  formatOnly?: boolean;
  /** Draw every image's detections into this folder. */
  showDir?: string;
  showScoreThr?: number;
  augTest?: boolean;
}

export interface TestResult {
  metrics: Record<string, number> | undefined;
  results: DetResult[];
  outFile?: string;
  shown: string[];
  seconds: number;
}

type EvaluableDataset = {
  classes: string[];
  length: number;
  evaluate(results: DetResult[], options: Record<string, unknown>): Promise<Record<string, number>>;
  toCocoResults?(results: DetResult[]): unknown[];
  dataInfos?: { filename: string }[];
  imgRoot?: string;
};

/** MMDetection's tools/test.py: weights → forwardTest over the test split → evaluate / dump / draw. */
export async function testDetector(configFile: string, checkpointFile: string, options: TestOptions = {}): Promise<TestResult> {
  return withCommandLogger(options.debug, () => runTestDetector(configFile, checkpointFile, options));
}

async function runTestDetector(configFile: string, checkpointFile: string, options: TestOptions = {}): Promise<TestResult> {
  const started = Date.now();
  if (options.formatOnly && !options.out) throw new DetError('--format-only writes the results to a file: give --out FILE too');
  await loadCoreLibs();
  await applyCommonOptions({ plugin: options.plugin });
  const resolved = await prepareConfig(configFile, options);
  if (!fs.existsSync(checkpointFile)) throw new DetError(`checkpoint '${checkpointFile}' does not exist`);
  const cfg = resolved.config as Record<string, unknown>;
  const log = getLogger();
  await selectConfiguredBackend(cfg, options.cudnnBenchmark, path.dirname(path.resolve(checkpointFile)), log);

  const dataset = buildDataset(resolved, 'test', { testMode: true }) as unknown as EvaluableDataset;
  const model = buildDetector(resolved, dataset.classes);
  // Workers of the test loader need the plugins too; their helper module goes to the temp folder.
  const helperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-test-'));
  const workerPlugins = workerPluginModule(helperDir);
  const loader = await buildLoader(dataset as never, { ...loaderSettings(resolved, 'test'), shuffle: false, seed: 0, workerImports: workerPlugins ? [workerPlugins] : undefined });
  try {
    await loadDetectorWeights(model, checkpointFile, true, String((resolved.config.model as { type?: string } | undefined)?.type));
    log.info(`testing ${dataset.length} images of ${path.basename(configFile)} with ${checkpointFile}`);
    const results = await runTest(model, loader, options.augTest ?? false);
    let outFile: string | undefined;
    if (options.out) {
      if (!dataset.toCocoResults) throw new DetError(`the test dataset (${cfg.data && 'data.test'}) cannot write COCO results`);
      outFile = path.resolve(options.out);
      fs.mkdirSync(path.dirname(outFile), { recursive: true });
      fs.writeFileSync(outFile, JSON.stringify(dataset.toCocoResults(results)));
      log.info(`wrote ${results.length} images' detections in COCO format to ${outFile}`);
    }
    const shown = options.showDir ? await showResults(dataset, results, options.showDir, options.showScoreThr ?? 0.3) : [];
    let metrics: Record<string, number> | undefined;
    if (!options.formatOnly) {
      const evaluation = (cfg.evaluation ?? {}) as Record<string, unknown>;
      const wanted = options.eval?.length ? options.eval : evaluation.metric;
      const { interval: _i, saveBest: _s, start: _st, rule: _r, byEpoch: _b, metric: _m, ...evalOptions } = evaluation;
      // One evaluate() per metric (a dataset takes one metric at a time); their keys differ.
      metrics = {};
      for (const metric of wanted === undefined ? [undefined] : [wanted].flat()) {
        Object.assign(metrics, await dataset.evaluate(results, { ...evalOptions, ...(metric !== undefined ? { metric } : {}) }));
      }
    }
    return { metrics, results, outFile, shown, seconds: (Date.now() - started) / 1000 };
  } finally {
    await loader.close();
    model.dispose();
    fs.rmSync(helperDir, { recursive: true, force: true });
  }
}

/** forwardTest over every batch, boxes in the original image frame (MMDetection's single_gpu_test). */
async function runTest(model: RunnerModel, loader: AsyncIterable<unknown> & { length: number }, augTest: boolean): Promise<DetResult[]> {
  model.train(false);
  const results: DetResult[] = [];
  for await (const batch of loader) results.push(...(await model.forwardTest(batch, { rescale: true, augTest })));
  return results;
}

async function showResults(dataset: EvaluableDataset, results: DetResult[], dir: string, scoreThr: number): Promise<string[]> {
  if (!dataset.dataInfos || !dataset.imgRoot) throw new DetError('--show-dir: the test dataset does not expose its image files');
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [i, result] of results.entries()) {
    const info = dataset.dataInfos[i];
    const out = path.join(dir, path.basename(info.filename).replace(/\.[^.]+$/, '') + '.jpg');
    await drawDetections(path.resolve(dataset.imgRoot, info.filename), result, dataset.classes, out, scoreThr);
    written.push(out);
  }
  getLogger().info(`drew ${written.length} images into ${path.resolve(dir)}`);
  return written;
}
