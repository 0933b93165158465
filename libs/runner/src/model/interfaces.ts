import type * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '../optim/optimizer';

/** What one train/val step returns (docs/contracts.md "Runner ↔ model"). */
export interface StepOutput {
  /** Summed loss, read back to a number. */
  loss: number;
  /** Every loss term plus `loss`; goes to the log buffer. */
  logVars: Record<string, number>;
  numSamples: number;
  /** Gradients by parameter name; whoever takes them (OptimizerHook) disposes them. */
  grads?: Record<string, tf.Tensor>;
}

/** Missing / unexpected / shape-mismatched keys of a state-dict load. */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
  mismatched: { key: string; expected: number[]; got: number[] }[];
}

/** One image's detections in the original image frame (same shape as @det/data's DetResult). */
export interface RunnerDetResult {
  bboxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

/** The only view of a detector the runner has; models implement it structurally. */
export interface RunnerModel {
  trainStep(batch: unknown, optimizer?: Optimizer): Promise<StepOutput>;
  valStep(batch: unknown): Promise<StepOutput>;
  forwardTest(batch: unknown, options?: { rescale?: boolean; augTest?: boolean }): Promise<RunnerDetResult[]>;
  parameters(): Record<string, tf.Variable>;
  stateDict(): Record<string, tf.Tensor>;
  loadStateDict(sd: Record<string, tf.Tensor>, options?: { strict?: boolean }): LoadReport;
  train(mode?: boolean): void;
  dispose(): void;
  /** Class count of the head(s), for NumClassCheckHook: a number or one per head name. */
  numClasses?: number | Record<string, number>;
}

/** A dataset as seen through its loader: enough for evaluation and class checks. */
export interface RunnerDataset {
  classes?: readonly string[];
  length?: number;
  evaluate?(results: RunnerDetResult[], options?: Record<string, unknown>): Promise<Record<string, number>>;
}

/** The runner sees a data loader only through this shape. */
export interface DataLoaderLike<B = unknown> {
  length: number;
  [Symbol.asyncIterator](): AsyncIterator<B>;
  setEpoch?(epoch: number): void;
  sampler?: { setEpoch?(epoch: number): void };
  dataset?: RunnerDataset;
}
