import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DetError, Rng, getLogger, type ComponentConfig, type ResolvedConfig } from '@det/registry';
import type { DetResult } from '@det/data';
import { applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { prepareConfig } from '../prepare-config';
import { buildDataset, buildDetector } from './build';
import { drawDetections } from './draw';
import { withCommandLogger } from './run-logger';
import { selectConfiguredBackend } from './configured-backend';
import { loadDetectorWeights, readCheckpointFile } from './weights';

export interface InferOptions extends CommonOptions {
  /** Write each image with its detections drawn here. */
  outDir?: string;
  scoreThr?: number;
}

/** One detection as `det infer --json` prints it (COCO-style, with the class name). */
export interface InferDetection {
  file_name: string;
  category_id: number;
  category: string;
  bbox: [number, number, number, number];
  score: number;
}

export interface InferResult {
  detections: InferDetection[];
  /** Per input image: its detections above the threshold. */
  images: { file: string; result: DetResult; drawn?: string }[];
  classes: string[];
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif']);

/** Image files named on the command line; a folder contributes its image files (sorted). */
export function expandImageInputs(inputs: readonly string[]): string[] {
  if (!inputs.length) throw new DetError('no image given: pass image files or folders');
  const files: string[] = [];
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new DetError(`image '${input}' does not exist`);
    if (fs.statSync(input).isDirectory()) {
      const inside = fs.readdirSync(input).filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).sort();
      if (!inside.length) throw new DetError(`folder '${input}' holds no image files (${[...IMAGE_EXTENSIONS].join(', ')})`);
      files.push(...inside.map((f) => path.join(input, f)));
    } else {
      files.push(input);
    }
  }
  return files.map((f) => path.resolve(f));
}

/** Class names for a checkpoint: saved in its meta by `det train`, else the config's test split. */
function classesFor(meta: Record<string, unknown>, resolved: ResolvedConfig): string[] {
  if (Array.isArray(meta.classes)) return meta.classes as string[];
  const test = (resolved.config.data as Record<string, unknown> | undefined)?.test as Record<string, unknown> | undefined;
  if (test && Array.isArray(test.classes)) return test.classes as string[];
  return [...buildDataset(resolved, 'test', { testMode: true }).classes];
}

function testPipeline(resolved: ResolvedConfig): ComponentConfig[] {
  const test = (resolved.config.data as Record<string, unknown> | undefined)?.test;
  const split = (Array.isArray(test) ? test[0] : test) as { pipeline?: ComponentConfig[] } | undefined;
  if (!split?.pipeline) throw new DetError(`config ${resolved.files[0]}: 'data.test.pipeline' is not set; det infer runs the test pipeline on each image`);
  return split.pipeline;
}

async function imageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) throw new Error('no image size');
    // EXIF orientations 5-8 swap width and height once the decoder rotates the image upright.
    return (meta.orientation ?? 1) >= 5 ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  } catch (err) {
    throw new DetError(`'${file}' is not an image det can read (${(err as Error).message})`, { cause: err });
  }
}

/** MMDetection's inference_detector over files: test pipeline → forwardTest → boxes in image pixels. */
export async function inferImages(configFile: string, checkpointFile: string, inputs: readonly string[], options: InferOptions = {}): Promise<InferResult> {
  return withCommandLogger(options.debug, () => runInferImages(configFile, checkpointFile, inputs, options));
}

async function runInferImages(configFile: string, checkpointFile: string, inputs: readonly string[], options: InferOptions = {}): Promise<InferResult> {
  await loadCoreLibs();
  await applyCommonOptions({ plugin: options.plugin });
  const resolved = await prepareConfig(configFile, options);
  const files = expandImageInputs(inputs);
  const checkpoint = await readCheckpointFile(checkpointFile);
  const cfg = resolved.config as Record<string, unknown>;
  await selectConfiguredBackend(cfg, options.cudnnBenchmark, path.dirname(path.resolve(checkpointFile)), getLogger());
  const { Compose, collate } = await import('@det/data');
  const classes = classesFor(checkpoint.meta ?? {}, resolved);
  const pipeline = new Compose(testPipeline(resolved), 'data.test.pipeline');
  const model = buildDetector(resolved, classes);
  const scoreThr = options.scoreThr ?? 0.3;
  const out: InferResult = { detections: [], images: [], classes };
  try {
    await loadDetectorWeights(model, checkpointFile, true, String((resolved.config.model as { type?: string } | undefined)?.type));
    model.train(false);
    for (const [i, file] of files.entries()) {
      const { width, height } = await imageSize(file);
      const sample = await pipeline.apply({ imgInfo: { filename: file, width, height, id: i }, bboxFields: [] }, { rng: new Rng(0) });
      if (!sample) throw new DetError(`the test pipeline dropped '${file}'`);
      const [result] = await model.forwardTest(collate([sample as never]), { rescale: true });
      const kept = keepAbove(result, scoreThr);
      let drawn: string | undefined;
      if (options.outDir) {
        drawn = path.join(path.resolve(options.outDir), path.basename(file).replace(/\.[^.]+$/, '') + '.jpg');
        await drawDetections(file, kept, classes, drawn, scoreThr);
      }
      out.images.push({ file, result: kept, drawn });
      for (let k = 0; k < kept.scores.length; k++) {
        const [x1, y1, x2, y2] = kept.bboxes.slice(k * 4, k * 4 + 4);
        out.detections.push({
          file_name: file,
          category_id: kept.labels[k] + 1,
          category: classes[kept.labels[k]] ?? String(kept.labels[k]),
          bbox: [x1, y1, x2 - x1, y2 - y1].map((v) => Math.round(v * 100) / 100) as [number, number, number, number],
          score: Math.round(kept.scores[k] * 10000) / 10000,
        });
      }
    }
    if (options.outDir) getLogger().info(`drew ${files.length} images into ${path.resolve(options.outDir)}`);
    return out;
  } finally {
    model.dispose();
  }
}

function keepAbove(r: DetResult, thr: number): DetResult {
  const keep = [...r.scores.keys()].filter((i) => r.scores[i] >= thr);
  return {
    bboxes: Float32Array.from(keep.flatMap((i) => Array.from(r.bboxes.subarray(i * 4, i * 4 + 4)))),
    scores: Float32Array.from(keep.map((i) => r.scores[i])),
    labels: Int32Array.from(keep.map((i) => r.labels[i])),
  };
}

/** The plain-text table `det infer` prints. */
export function formatDetections(result: InferResult): string {
  const lines = ['file\tclass\tscore\tx1\ty1\tx2\ty2'];
  for (const d of result.detections) {
    const [x, y, w, h] = d.bbox;
    lines.push([path.basename(d.file_name), d.category, d.score.toFixed(3), x.toFixed(1), y.toFixed(1), (x + w).toFixed(1), (y + h).toFixed(1)].join('\t'));
  }
  if (!result.detections.length) lines.push('(no detections above the score threshold)');
  return lines.join('\n');
}
