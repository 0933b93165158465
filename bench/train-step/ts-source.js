// Lets plain `node` run det's TypeScript sources (no build step): .ts files are compiled with swc
// on require, and `@det/*` packages resolve to src/ through the "@det/source" export condition
// (the caller re-executes node with --conditions=@det/source).
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

/** Re-runs this process with the source condition unless it is already set; returns true if it did. */
exports.reexecWithSourceCondition = function reexecWithSourceCondition(script) {
  if (process.execArgv.some((a) => a.includes('@det/source'))) return false;
  const { spawnSync } = require('node:child_process');
  const res = spawnSync(process.execPath, ['--conditions=@det/source', ...process.execArgv, script, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(res.status ?? 1);
};
