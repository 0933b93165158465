import type { Command } from 'commander';
import { addCommonOptions, type CommonOptions } from '../common-options';
import { printData, printJson } from '../io';

interface InferCommandOptions extends CommonOptions {
  outDir?: string;
  scoreThr: string;
  json?: boolean;
}

export function registerInferCommand(program: Command): void {
  const cmd = program
    .command('infer')
    .description('detect objects in images with a trained checkpoint; prints detections, draws them with --out-dir')
    .argument('<config>', 'config file (its data.test.pipeline prepares each image)')
    .argument('<checkpoint>', 'checkpoint (.safetensors)')
    .argument('<images...>', 'image files or folders of images')
    .option('--out-dir <dir>', 'write each image with boxes, class names and scores drawn')
    .option('--score-thr <thr>', 'keep detections with at least this score', '0.3')
    .option('--json', 'print a COCO-style list [{ file_name, category_id, category, bbox: [x, y, w, h], score }]');
  addCommonOptions(cmd, ['cfgOptions', 'plugin', 'backend', 'cudnnBenchmark']).action(
    async (config: string, checkpoint: string, images: string[], options: InferCommandOptions, command: Command) => {
      const { inferImages, formatDetections } = await import('../api/infer');
      const { DetError } = await import('@det/registry');
      const scoreThr = Number(options.scoreThr);
      if (!(scoreThr >= 0 && scoreThr <= 1)) throw new DetError(`--score-thr must be a number in [0, 1], got '${options.scoreThr}'`);
      const result = await inferImages(config, checkpoint, images, { ...options, scoreThr, debug: Boolean(command.optsWithGlobals().debug) });
      if (options.json) printJson(result.detections);
      else printData(formatDetections(result));
    },
  );
}
