import { HOOKS } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';

/** Re-seeds the loader's shuffling each epoch (`loader.setEpoch`, else `loader.sampler.setEpoch`). */
@HOOKS.register()
export class DistSamplerSeedHook extends Hook {
  override beforeEpoch(runner: BaseRunner): void {
    const loader = runner.dataLoader;
    if (!loader) return;
    if (typeof loader.setEpoch === 'function') loader.setEpoch(runner.epoch);
    else loader.sampler?.setEpoch?.(runner.epoch);
  }
}
