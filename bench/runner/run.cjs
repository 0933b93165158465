#!/usr/bin/env node
// Runs a TypeScript bench of this folder from source: esbuild bundles det's sources (the
// "@det/source" export condition) and leaves npm packages to node_modules.
// Usage: node bench/runner/run.cjs overhead
const fs = require('node:fs');
const path = require('node:path');
const { build } = require('esbuild');

const name = process.argv[2] ?? 'overhead';
const outfile = path.join(__dirname, '../../node_modules/.cache/det-bench', `runner-${name}.cjs`);
build({
  entryPoints: [path.join(__dirname, `${name}.bench.ts`)], outfile, bundle: true, platform: 'node', format: 'cjs',
  target: 'node20', conditions: ['@det/source'], logLevel: 'warning',
  plugins: [{
    name: 'external-npm',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@det/') ? undefined : { path: args.path, external: true }));
    },
  }],
}).then(() => require(outfile), (err) => {
  console.error(err.message);
  process.exit(1);
});
void fs;
