import * as tf from '@tensorflow/tfjs-core';
import { TENSOR_BACKEND, type TensorBackendService, provideDefault } from '@det/registry';
import { type SelectBackendOptions, selectBackend } from './select-backend';

/** Default TENSOR_BACKEND service: `select` runs `selectBackend`; `active` reports tfjs's choice. */
export class DetTensorBackendService implements TensorBackendService {
  private selected: string | undefined;

  constructor(private readonly options: SelectBackendOptions = {}) {}

  async select(name: string): Promise<string> {
    this.selected = await selectBackend(name, this.options);
    return this.selected;
  }

  active(): string | undefined {
    return this.selected ?? (tf.engine().backendName || undefined);
  }
}

provideDefault(TENSOR_BACKEND, () => new DetTensorBackendService());
