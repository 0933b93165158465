#!/usr/bin/env node
// Runs a TypeScript bench of this folder from source: bundles it with esbuild (resolving
// @det/* to src through the "@det/source" export condition) into a temp file, then runs it.
// Usage: node bench/eval/run.cjs coco   (coco.bench.ts)   or   node bench/eval/run.cjs make-coco-extra-fixture
const path = require('node:path');
const { build } = require('esbuild');

const name = process.argv[2] ?? 'coco';
const fs = require('node:fs');
const benchFile = path.join(__dirname, `${name}.bench.ts`);
const entry = fs.existsSync(benchFile) ? benchFile : path.join(__dirname, `${name}.ts`);
// Inside the repo so that the bundle's require() calls find node_modules.
const outfile = path.join(__dirname, '../../node_modules/.cache/det-bench', `${name}.bench.cjs`);
build({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
  conditions: ['@det/source'], logLevel: 'warning',
  // Bundle only det's own sources; every npm dependency is loaded from node_modules at run time.
  plugins: [{
    name: 'external-npm',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@det/') ? undefined : { path: args.path, external: true }));
    },
  }],
  define: { __dirname: JSON.stringify(__dirname) },
}).then(() => require(outfile), (err) => {
  console.error(err.message);
  process.exit(1);
});
