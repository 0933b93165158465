import { Registry } from './registry';

// One registry per kind of component. Core libraries and plugins register into these;
// `det list KIND` shows them. Keep one line per kind.
export const BACKBONES = new Registry('backbone');
export const NECKS = new Registry('neck');
export const HEADS = new Registry('head');
export const ROI_EXTRACTORS = new Registry('roi_extractor');
export const LOSSES = new Registry('loss');
export const DETECTORS = new Registry('detector');
export const PRIOR_GENERATORS = new Registry('prior_generator');
export const BBOX_CODERS = new Registry('bbox_coder');
export const BBOX_ASSIGNERS = new Registry('bbox_assigner');
export const BBOX_SAMPLERS = new Registry('bbox_sampler');
export const TRANSFORMS = new Registry('transform');
export const DATASETS = new Registry('dataset');
export const SAMPLERS = new Registry('sampler');
export const METRICS = new Registry('metric');
export const HOOKS = new Registry('hook');
export const OPTIMIZERS = new Registry('optimizer');
export const LR_POLICIES = new Registry('lr_policy');
export const RUNNERS = new Registry('runner');
export const MODEL_WRAPPERS = new Registry('model_wrapper');

/** Every registry by kind name, in the order `det list` prints them. */
export const REGISTRIES: Readonly<Record<string, Registry>> = Object.freeze(
  Object.fromEntries(
    [
      BACKBONES, NECKS, HEADS, ROI_EXTRACTORS, LOSSES, DETECTORS, PRIOR_GENERATORS, BBOX_CODERS,
      BBOX_ASSIGNERS, BBOX_SAMPLERS, TRANSFORMS, DATASETS, SAMPLERS, METRICS, HOOKS, OPTIMIZERS,
      LR_POLICIES, RUNNERS, MODEL_WRAPPERS,
    ].map((r) => [r.name, r]),
  ),
);
