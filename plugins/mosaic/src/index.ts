import type { DetPlugin } from '@det/registry';
import { CachedMosaic } from './cached-mosaic';

export { CachedMosaic, mosaicStats, type CachedMosaicOptions, type MosaicStats } from './cached-mosaic';

/** The plugin: adds the CachedMosaic pipeline transform. */
const plugin: DetPlugin = {
  name: '@det-contrib/mosaic',
  apiVersion: 1,
  register(ctx) {
    ctx.registries.transform.add(CachedMosaic);
  },
};

export default plugin;
