// Lets plain `node` run det's TypeScript sources (no build step): .ts files required by path are
// compiled with swc on require. `@det/*` packages still resolve to their built dist/ (so another
// package's work in progress cannot break this bench); `npm run build` once if dist/ is missing.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

Module._extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

