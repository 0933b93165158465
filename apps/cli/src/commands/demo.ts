import type { Command } from 'commander';
import { addCommonOptions, type CommonOptions } from '../common-options';
import { printData, printJson } from '../io';

interface DemoCommandOptions extends CommonOptions {
  config?: string;
  iters?: string;
  dataRoot?: string;
  images?: string;
  json?: boolean;
}

const positiveInt = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got '${value}'`);
  return n;
};

export function registerDemoCommand(program: Command): void {
  const cmd = program
    .command('demo')
    .description('generate the synthetic shapes set, train the small default detector, evaluate it and draw a few val images')
    .option('--iters <n>', 'training iterations (default: the demo config\'s)')
    .option('--data-root <dir>', "where the synthetic set lives / is generated (default: the config's, data/synthetic_shapes_demo)")
    .option('--images <n>', 'how many val images to draw', '4')
    .option('--config <file>', 'another config to run instead of configs/synthetic/demo_synthetic.ts')
    .option('--json', 'print the summary as JSON');
  addCommonOptions(cmd, ['workDir', 'cfgOptions', 'plugin', 'backend', 'seed']).action(async (options: DemoCommandOptions) => {
    const { runDemo, formatDemoReport } = await import('../api/demo');
    const { DetError } = await import('@det/registry');
    let iters: number | undefined;
    let images: number | undefined;
    try {
      iters = positiveInt('--iters', options.iters);
      images = positiveInt('--images', options.images);
    } catch (err) {
      throw new DetError((err as Error).message);
    }
    const result = await runDemo({ ...options, iters, images });
    if (options.json) printJson(result);
    else printData(formatDemoReport(result));
  });
}
