#!/usr/bin/env node
// Runs a TypeScript bench of this folder with swc's require hook; `@det/*` resolve to their built
// dist/ (run `npx tsc -b tsconfig.build.json` first), so the native addon is found where it lives.
// Usage: node bench/models/run.cjs step [args]
require('../train-step/ts-source');
const path = require('node:path');

require(path.join(__dirname, `${process.argv[2] ?? 'step'}.bench.ts`));
