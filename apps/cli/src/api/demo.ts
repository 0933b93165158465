import * as fs from 'node:fs';
import * as path from 'node:path';
import { DetError, getLogger } from '@det/registry';
import type { CommonOptions } from '../common-options';
import { inferImages } from './infer';
import { testDetector } from './test';
import { trainDetector } from './train';

/** The demo's config: the small detector on the synthetic shapes set (repo layout: configs/ beside apps/). */
export const DEMO_CONFIG = path.resolve(__dirname, '..', '..', '..', '..', 'configs', 'synthetic', 'demo_synthetic.ts');

export interface DemoOptions extends CommonOptions {
  config?: string;
  /** Training iterations (the config's runner.maxIters otherwise). */
  iters?: number;
  /** Where the synthetic set is generated (default: the config's data.*.dataRoot). */
  dataRoot?: string;
  /** How many val images to draw. */
  images?: number;
}

export interface DemoResult {
  workDir: string;
  checkpoint: string;
  logFile: string;
  jsonLogFile: string;
  metrics: Record<string, number>;
  pictures: string[];
  trainSeconds: number;
  totalSeconds: number;
}

/** Generate data (if absent) → train the default small detector → evaluate → draw a few val images. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const config = options.config ?? DEMO_CONFIG;
  if (!fs.existsSync(config)) throw new DetError(`demo config '${config}' does not exist (pass --config)`);
  const workDir = path.resolve(options.workDir ?? 'work_dirs/demo');
  const cfgOptions = [...(options.cfgOptions ?? [])];
  if (options.iters !== undefined) cfgOptions.push(`runner.maxIters=${options.iters}`);
  if (options.dataRoot) {
    const root = path.resolve(options.dataRoot);
    for (const split of ['train', 'val', 'test']) cfgOptions.push(`data.${split}.dataRoot=${root}`);
  }
  const common = { ...options, workDir, cfgOptions };
  const trained = await trainDetector(config, { ...common, validate: false });
  if (!trained.checkpoint) throw new DetError(`training wrote no checkpoint into ${workDir} (checkConfig.checkpointConfig)`);
  const log = getLogger();
  log.info(`trained in ${trained.seconds.toFixed(0)} s; evaluating on the synthetic val split`);
  const tested = await testDetector(config, trained.checkpoint, { ...common, eval: ['bbox'], out: path.join(workDir, 'val_results.json') });
  const metrics = tested.metrics ?? {};
  fs.writeFileSync(path.join(workDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  const valImages = path.join(path.resolve(options.dataRoot ?? dataRootOf(trained.configFile)), 'images', 'val');
  const some = fs.existsSync(valImages) ? fs.readdirSync(valImages).sort().slice(0, options.images ?? 4).map((f) => path.join(valImages, f)) : [];
  const inferred = some.length
    ? await inferImages(config, trained.checkpoint, some, { ...common, outDir: path.join(workDir, 'pictures') })
    : { images: [] };
  return {
    workDir,
    checkpoint: trained.checkpoint,
    logFile: trained.logFile,
    jsonLogFile: trained.jsonLogFile,
    metrics,
    pictures: inferred.images.map((i) => i.drawn!).filter(Boolean),
    trainSeconds: trained.seconds,
    totalSeconds: (Date.now() - started) / 1000,
  };
}

/** `data.val.dataRoot` of the resolved config the training run saved. */
function dataRootOf(resolvedConfigFile: string): string {
  const cfg = JSON.parse(fs.readFileSync(resolvedConfigFile, 'utf8'));
  return cfg?.data?.val?.dataRoot ?? 'data/synthetic_shapes_demo';
}

export function formatDemoReport(r: DemoResult): string {
  const map = r.metrics.bbox_mAP;
  return [
    `det demo finished in ${r.totalSeconds.toFixed(0)} s (training ${r.trainSeconds.toFixed(0)} s)`,
    `  bbox mAP (synthetic val): ${map === undefined ? 'n/a' : map.toFixed(3)}   mAP@0.5: ${r.metrics.bbox_mAP_50?.toFixed(3) ?? 'n/a'}`,
    `  work dir:    ${r.workDir}`,
    `  checkpoint:  ${r.checkpoint}`,
    `  text log:    ${r.logFile}`,
    `  json log:    ${r.jsonLogFile}   (plot: det analyze-logs ${r.jsonLogFile} --out curves.png)`,
    `  metrics:     ${path.join(r.workDir, 'metrics.json')}`,
    `  pictures:    ${r.pictures.length ? path.dirname(r.pictures[0]) : '(none)'} (${r.pictures.length} images)`,
  ].join('\n');
}
