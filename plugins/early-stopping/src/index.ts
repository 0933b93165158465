import type { DetPlugin } from '@det/registry';
import { EarlyStoppingHook } from './early-stopping-hook';

export { EarlyStoppingHook, type EarlyStoppingOptions } from './early-stopping-hook';

/** The plugin: adds EarlyStoppingHook to the hook registry (use it in `customHooks`). */
const plugin: DetPlugin = {
  name: '@det-contrib/early-stopping',
  apiVersion: 1,
  register(ctx) {
    ctx.registries.hook.add(EarlyStoppingHook);
  },
};

export default plugin;
