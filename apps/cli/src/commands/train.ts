import type { Command } from 'commander';
import { addCommonOptions, type CommonOptions } from '../common-options';
import { printData, printJson } from '../io';

interface TrainCommandOptions extends CommonOptions {
  resumeFrom?: string;
  resume?: string;
  loadFrom?: string;
  deterministic?: boolean;
  validate?: boolean;
  json?: boolean;
}

export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a detector from a config (logs, config copy and checkpoints go to the work dir)')
    .argument('<config>', 'config file (.ts, .js, .json, .yaml)')
    .option('--resume-from <checkpoint>', 'resume training (weights, optimizer, counters, hooks) from a checkpoint')
    .option('--resume <auto>', "'auto': resume from the newest checkpoint in the work dir")
    .option('--load-from <checkpoint>', 'start from these weights (no optimizer state, counters from zero)')
    .option('--deterministic', 'reproducible kernels where the backend has a choice (webgpu: no split-K matMul, whose float atomics vary the last bits run to run); cpu, native and wasm are deterministic anyway')
    .option('--no-validate', 'do not evaluate on the val split during training')
    .option('--json', 'print the result (work dir, checkpoint, logs, metrics) as JSON');
  addCommonOptions(cmd, ['workDir', 'cfgOptions', 'plugin', 'backend', 'cudnnBenchmark', 'seed']).action(
    async (config: string, options: TrainCommandOptions, command: Command) => {
      const { trainDetector } = await import('../api/train');
      const { DetError } = await import('@det/registry');
      if (options.resume !== undefined && options.resume !== 'auto') throw new DetError(`--resume takes 'auto' (got '${options.resume}'); use --resume-from FILE for a file`);
      if (options.resume && options.resumeFrom) throw new DetError('give either --resume auto or --resume-from FILE, not both');
      const debug = Boolean(command.optsWithGlobals().debug);
      const result = await trainDetector(config, { ...options, debug, resumeFrom: options.resumeFrom ?? options.resume });
      if (options.json) printJson(result);
      else {
        printData([
          `work dir:   ${result.workDir}`,
          `checkpoint: ${result.checkpoint ?? '(none written)'}`,
          `log:        ${result.logFile}`,
          `json log:   ${result.jsonLogFile}`,
          ...(result.metrics ? [`metrics:    ${Object.entries(result.metrics).map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
        ].join('\n'));
      }
    },
  );
}
