import { defineConfig } from '@det/registry';

// The CPU-sized FCOS (_base_/models/fcos_tiny.ts: TinyNet, 64-channel FPN, 2-conv GN head) on the
// synthetic shapes set with the iteration-based synthetic schedule.
export default defineConfig({
  _base_: ['../_base_/models/fcos_tiny.ts', '../_base_/datasets/synthetic_shapes.ts', './schedule_synthetic.ts', '../_base_/default_runtime.ts'],
  checkpointConfig: { interval: 500, maxKeepCkpts: 2 },
  logConfig: { interval: 20 },
  evaluation: { interval: 500, metric: 'bbox' },
  // FCOS trains with doubled bias LR and no bias decay (MMDetection's fcos configs).
  optimizer: { paramwiseCfg: { biasLrMult: 2, biasDecayMult: 0 } },
});
