import type { default as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { nearestName } from '../registry/nearest';
import { ConfigError } from './errors';
import type { ConfigOrigins } from './origins';

type JsonSchema = Record<string, unknown>;

const component: JsonSchema = { type: 'object', required: ['type'], properties: { type: { type: 'string' } } };
const componentList: JsonSchema = { type: 'array', items: component };
const object: JsonSchema = { type: 'object' };
const pathOrNull: JsonSchema = { type: ['string', 'null'] };

/** JSON schema of each known top-level key (see `DetConfig`). */
const topLevelKeys: Record<string, JsonSchema> = {
  model: component,
  data: {
    type: 'object',
    properties: {
      samplesPerGpu: { type: 'integer', minimum: 1 },
      workersPerGpu: { type: 'integer', minimum: 0 },
      // A split is one dataset config or a list of them (concatenated).
      train: { type: ['object', 'array'] },
      val: { type: ['object', 'array'] },
      test: { type: ['object', 'array'] },
    },
  },
  optimizer: component,
  optimizerConfig: object,
  lrConfig: object,
  momentumConfig: { type: ['object', 'null'] },
  checkpointConfig: object,
  logConfig: object,
  evaluation: object,
  runner: {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string' }, maxEpochs: { type: 'integer', minimum: 1 }, maxIters: { type: 'integer', minimum: 1 } },
    not: { required: ['maxEpochs', 'maxIters'] },
  },
  workflow: {
    type: 'array',
    items: { type: 'array', minItems: 2, maxItems: 2, items: [{ type: 'string' }, { type: 'integer', minimum: 1 }] },
  },
  customHooks: componentList,
  plugins: { type: 'array', items: { type: 'string' } },
  loadFrom: pathOrNull,
  resumeFrom: pathOrNull,
  workDir: { type: 'string' },
  backend: { type: 'string' },
  seed: { type: ['integer', 'null'] },
  deterministic: { type: 'boolean' },
  cudnnBenchmark: { type: 'boolean' },
  logLevel: { enum: ['debug', 'info', 'warn', 'error'] },
};

let compiled: ValidateFunction | undefined;

/**
 * Lets a library accept one more top-level key (e.g. `ema`), with its JSON schema.
 * Call at import time, before configs are loaded.
 */
export function extendConfigSchema(key: string, schema: JsonSchema = {}): void {
  topLevelKeys[key] = schema;
  compiled = undefined;
}

export const knownConfigKeys = (): string[] => Object.keys(topLevelKeys);

function validator(): ValidateFunction {
  // Loaded on first use (~100 ms): `det --help` and `det env` never validate a config.
  const Ajv = (require('ajv') as { default: typeof AjvClass }).default;
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile({
    type: 'object',
    properties: topLevelKeys,
    // Keys starting with `_` are the user's scratch space (and `_base_`).
    patternProperties: { '^_': {} },
    additionalProperties: false,
  });
  return compiled;
}

const toKeyPath = (instancePath: string): string =>
  instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');

function describe(error: ErrorObject, origins: ConfigOrigins | undefined, fallbackFile: string): string {
  const parent = toKeyPath(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const keyPath = parent ? `${parent}.${key}` : key;
    const near = parent ? undefined : nearestName(key, knownConfigKeys());
    return `'${keyPath}' (from ${origins?.of(keyPath) ?? fallbackFile}) is not a known top-level key.` +
      (near ? ` Did you mean '${near}'?` : ` Known keys: ${knownConfigKeys().join(', ')}`);
  }
  if (error.keyword === 'not' && parent === 'runner') {
    const from = (key: string) => origins?.of(`runner.${key}`) ?? fallbackFile;
    return `'runner' sets both maxEpochs (from ${from('maxEpochs')}) and maxIters (from ${from('maxIters')}); keep one`;
  }
  const keyPath = parent || '(root)';
  return `'${keyPath}' (from ${origins?.of(keyPath) ?? fallbackFile}) ${error.message}`;
}

/** Checks the top-level keys; the error lists every problem with its key path and source file. */
export function validateConfig(cfg: Record<string, unknown>, file: string, origins?: ConfigOrigins): void {
  const validate = validator();
  if (validate(cfg)) return;
  const problems = (validate.errors ?? []).map((e) => `  - ${describe(e, origins, file)}`);
  throw new ConfigError(`invalid config ${file}:\n${[...new Set(problems)].join('\n')}`, {
    file,
    errors: validate.errors,
  });
}
