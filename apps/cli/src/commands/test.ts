import type { Command } from 'commander';
import { addCommonOptions, type CommonOptions } from '../common-options';
import { printData, printJson } from '../io';

interface TestCommandOptions extends CommonOptions {
  eval?: string[];
  out?: string;
  formatOnly?: boolean;
  showDir?: string;
  showScoreThr?: string;
  augTest?: boolean;
  json?: boolean;
}

export function registerTestCommand(program: Command): void {
  const cmd = program
    .command('test')
    .description('test a checkpoint on the config\'s test split: evaluate, write COCO results, draw detections')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint (.safetensors) written by det train')
    .option('--eval <metrics...>', "metrics, e.g. bbox (COCO) or mAP (VOC); default: the config's evaluation.metric")
    .option('--out <file>', 'write the detections in COCO results format')
    .option('--format-only', 'only write --out, do not evaluate')
    .option('--show-dir <dir>', 'draw every test image with its detections into this folder')
    .option('--show-score-thr <thr>', 'score threshold for --show-dir', '0.3')
    .option('--aug-test', 'test-time augmentation (the test pipeline\'s MultiScaleFlipAug views, merged)')
    .option('--json', 'print the metrics as one JSON object');
  addCommonOptions(cmd, ['cfgOptions', 'plugin', 'backend', 'cudnnBenchmark']).action(async (config: string, checkpoint: string, options: TestCommandOptions, command: Command) => {
    const { testDetector } = await import('../api/test');
    const debug = Boolean(command.optsWithGlobals().debug);
    const result = await testDetector(config, checkpoint, { ...options, debug, showScoreThr: Number(options.showScoreThr ?? 0.3) });
    if (options.json) printJson(result.metrics ?? {});
    else if (result.metrics) printData(Object.entries(result.metrics).map(([k, v]) => `${k}: ${v}`).join('\n'));
    else printData(`results written to ${result.outFile}`);
  });
}
