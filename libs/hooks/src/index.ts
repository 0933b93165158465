// @det/hooks: the built-in training hooks, registered in HOOKS on import.
export { LrUpdaterHook, type LrUpdaterOptions, type WarmupKind } from './lr/lr-updater-hook';
export { FixedLrUpdaterHook, StepLrUpdaterHook, PolyLrUpdaterHook, CosineAnnealingLrUpdaterHook } from './lr/policies';
export { annealingCos } from './lr/annealing';
export { MomentumUpdaterHook, CosineAnnealingMomentumUpdaterHook, StepMomentumUpdaterHook, type MomentumUpdaterOptions } from './momentum/momentum-updater-hook';
export { OptimizerHook, type OptimizerHookOptions } from './optimizer-hook';
export { CheckpointHook, type CheckpointHookOptions } from './checkpoint-hook';
export { EvalHook, singleDeviceTest, type EvalHookOptions } from './eval-hook';
export { LoggerHook, type LoggerHookOptions } from './logger/logger-hook';
export { TextLoggerHook, processMemoryMb, memoryMbOf, type TextLoggerHookOptions } from './logger/text-logger-hook';
export { formatExp, formatTimedelta } from './logger/format';
export { IterTimerHook } from './iter-timer-hook';
export { EMAHook, ExpMomentumEMAHook, type EMAHookOptions } from './ema-hook';
export { NumClassCheckHook } from './num-class-check-hook';
export { CheckInvalidLossHook } from './check-invalid-loss-hook';
export { DistSamplerSeedHook } from './dist-sampler-seed-hook';
export { ProgressBarHook, type ProgressBarHookOptions } from './progress-bar-hook';
export { rejectUnknownOptions } from './options';
