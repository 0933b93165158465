// Shared jest settings: run specs from TypeScript source through swc (no build needed).
// The custom export condition "@det/source" makes `@det/*` imports resolve to src/index.ts.
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['@det/source', 'node', 'require', 'default'] },
  transform: {
    '^.+\\.(t|j)s$': [
      require.resolve('@swc/jest'),
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  setupFiles: [require.resolve('./tools/jest-quiet-tfjs.cjs')],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  testTimeout: 120000,
};
