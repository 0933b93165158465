import { Command, Option } from 'commander';
import { DetError, TENSOR_BACKEND, loadPlugins, rootContainer, setGlobalSeed } from '@det/registry';

/** Flags shared by commands; each command picks the ones that make sense for it. */
export type CommonOptionName = 'plugin' | 'cfgOptions' | 'backend' | 'seed' | 'workDir' | 'cudnnBenchmark';

export interface CommonOptions {
  plugin?: string[];
  cfgOptions?: string[];
  backend?: string;
  seed?: number;
  workDir?: string;
  /** MMDetection's cudnn_benchmark (config key cudnnBenchmark): webgpu's kernel tuning. */
  cudnnBenchmark?: boolean;
  debug?: boolean;
}

/** Same list as @det/models' BACKEND_NAMES (kept literal so `det --help` need not load tfjs; a spec checks they agree). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'native', 'webgpu', 'wasm', 'cpu'] as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new DetError(`--seed must be a non-negative integer, got '${value}'`);
  return n;
}

const OPTIONS: Record<CommonOptionName, () => Option> = {
  plugin: () => new Option('--plugin <name>', 'load a plugin (npm package or path); repeatable').argParser(collect),
  cfgOptions: () => new Option('--cfg-options <key=value...>', 'override config keys, e.g. optimizer.lr=0.01 data.samplesPerGpu=4'),
  backend: () => new Option('--backend <name>', 'tensor backend (auto picks tfjs-node, else native, else wasm; webgpu: DET_WEBGPU_AUTOTUNE=1 times kernel variants per layer shape, like cudnn.benchmark; DET_WEBGPU_CONV_PRECISION=f16 runs convolutions on tensor cores with f16 operands and f32 sums, where Dawn offers subgroup matrices)').choices(BACKEND_CHOICES),
  seed: () => new Option('--seed <n>', 'random seed').argParser(parseSeed),
  workDir: () => new Option('--work-dir <dir>', 'folder for logs, checkpoints and the resolved config'),
  cudnnBenchmark: () => new Option('--cudnn-benchmark', "MMDetection's cudnn_benchmark (config key cudnnBenchmark): on webgpu, time every convolution variant per new layer shape and keep the fastest, the choices saved as webgpu-tuning.json in the work dir (train) or the checkpoint's folder (test, infer); other backends have nothing to tune"),
};

/** Adds the named common flags to `cmd`. `--debug` is a program-wide flag (see main.ts). */
export function addCommonOptions(cmd: Command, names: readonly CommonOptionName[]): Command {
  for (const name of names) cmd.addOption(OPTIONS[name]());
  return cmd;
}

/** Loads `--plugin`s (relative to cwd), seeds the global RNG and selects `--backend`. */
export async function applyCommonOptions(options: CommonOptions): Promise<void> {
  if (options.plugin?.length) await loadPlugins(options.plugin, { cwd: process.cwd() });
  if (options.seed !== undefined) setGlobalSeed(options.seed);
  if (options.backend) {
    if (!rootContainer.isRegistered(TENSOR_BACKEND)) {
      throw new DetError(`--backend ${options.backend}: no tensor backend service is registered (is @det/models loaded?)`);
    }
    await rootContainer.resolve(TENSOR_BACKEND).select(options.backend);
  }
}
