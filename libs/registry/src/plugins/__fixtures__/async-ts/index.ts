// A TypeScript plugin with a default export and an async register: the owner must survive `await`.
import type { PluginContext } from '@det/registry';

class SlowNeck {}

export default {
  name: 'async-ts-plugin',
  apiVersion: 1.3,
  async register(ctx: PluginContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    ctx.registries.neck.add(SlowNeck);
  },
};
