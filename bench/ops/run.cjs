#!/usr/bin/env node
// Runs a TypeScript bench of this folder from source: esbuild bundles det's sources into a temp
// file (npm packages stay external, loaded from node_modules), then runs it.
// Usage: node bench/ops/run.cjs nms   (nms.bench.ts)
const path = require('node:path');
const { build } = require('esbuild');

const name = process.argv[2] ?? 'nms';
const entry = path.join(__dirname, `${name}.bench.ts`);
const outfile = path.join(__dirname, '../../node_modules/.cache/det-bench', `ops-${name}.bench.cjs`);
build({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
  conditions: ['@det/source'], logLevel: 'warning',
  plugins: [{
    name: 'external-npm',
    setup(b) {
      // tfjs-core's gradient registrations are ESM only: bundle them (they register into tfjs's
      // global registry, shared with the external tfjs-core).
      const bundled = (p) => p.startsWith('@det/') || p.startsWith('@tensorflow/tfjs-core/dist/register_all_gradients');
      b.onResolve({ filter: /^[^./]/ }, (args) => (bundled(args.path) ? undefined : { path: args.path, external: true }));
    },
  }],
  define: { __dirname: JSON.stringify(__dirname) },
}).then(() => require(outfile), (err) => {
  console.error(err.message);
  process.exit(1);
});
