// Test helper: lets a spawned `node` run det's TypeScript sources directly (no build), the way
// jest does: `node --conditions=@det/source -r ./ts-require-hook.cjs apps/cli/src/main.ts`.
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    swcrc: false,
    configFile: false,
  });
  module._compile(code, filename);
};
