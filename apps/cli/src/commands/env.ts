import type { Command } from 'commander';
import { collectEnv, formatEnv, rootContainer, TENSOR_BACKEND } from '@det/registry';
import { addCommonOptions, applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { printData, printJson } from '../io';

/** Backend details for the report: what `auto` (or `--backend`) picked and which kernels run. */
async function backendFacts(): Promise<Record<string, string>> {
  const { backendInfo, webgpuAdapterInfo, kernelTuningEnabled, activeMatrixUnit, convPrecisionFromEnv, setupWebGpu } = await import('@det/models');
  const info = await backendInfo();
  const facts: Record<string, string> = {
    'Backend kernels': `${info.kernels}, ${info.threads || 'device'} thread(s), SIMD ${info.simd ? 'yes' : 'no'}`,
    'Native addon': info.native.available ? info.native.detail : `unavailable (${info.native.detail})`,
  };
  // Reported whichever backend runs, so a bug report says whether --backend webgpu would find a GPU.
  const gpu = await webgpuAdapterInfo();
  const adapter = gpu.available ? `${gpu.adapter}${gpu.software ? ' [software device]' : ''}` : `none: ${gpu.reason}`;
  facts['WebGPU adapter'] = info.name === 'webgpu' || !gpu.available ? adapter : `${adapter} (not in use: --backend webgpu)`;
  if (info.name === 'webgpu') {
    facts['WebGPU kernel tuning'] = kernelTuningEnabled() ? 'on (DET_WEBGPU_AUTOTUNE)' : 'off (--cudnn-benchmark on det train/test/infer, the config key cudnnBenchmark, or DET_WEBGPU_AUTOTUNE=1 turns it on)';
    const unit = activeMatrixUnit();
    facts['WebGPU conv precision'] = unit
      ? `f16 on matrix units (subgroup matrices ${unit.M}×${unit.N}×${unit.K}, subgroup size ${unit.subgroupSize}; DET_WEBGPU_CONV_PRECISION)`
      : convPrecisionFromEnv() === 'f16'
        ? `f32 (f16 asked for, but ${(await setupWebGpu()).convPrecisionFallback ?? 'the adapter has no subgroup matrices'})` // the setup already done: its result
        : 'f32 (DET_WEBGPU_CONV_PRECISION=f16 uses matrix units / tensor cores where Dawn offers them)';
  }
  return facts;
}

export function registerEnvCommand(program: Command): void {
  const cmd = program
    .command('env')
    .description('print versions, machine facts and the tensor backend in use (attach to bug reports)')
    .option('--json', 'print JSON');
  addCommonOptions(cmd, ['plugin', 'backend']).action(async (options: CommonOptions & { json?: boolean }) => {
    await loadCoreLibs();
    // Report what a training run would use: `auto` unless --backend says otherwise.
    await applyCommonOptions({ ...options, backend: options.backend ?? 'auto' });
    const env = collectEnv({ extra: await backendFacts() });
    if (options.json) printJson(env);
    else printData(formatEnv(env).join('\n'));
  });
}
