import type { InjectionToken } from 'tsyringe';
import type { CheckpointStore, ImageDecoder, Logger, ProgressReporter, TensorBackendService } from './services';
import type { Registry } from '../registry/registry';

/** DI tokens for services; a plugin may register its own implementation under any of them. */
export const LOGGER: InjectionToken<Logger> = 'det.Logger';
export const IMAGE_DECODER: InjectionToken<ImageDecoder> = 'det.ImageDecoder';
export const CHECKPOINT_STORE: InjectionToken<CheckpointStore> = 'det.CheckpointStore';
export const TENSOR_BACKEND: InjectionToken<TensorBackendService> = 'det.TensorBackend';
export const PROGRESS_REPORTER: InjectionToken<ProgressReporter> = 'det.ProgressReporter';

/** Token under which the registry of one component kind is exposed, e.g. `registryToken('backbone')`. */
export const registryToken = (kind: string): InjectionToken<Registry> => `det.registry.${kind}`;
