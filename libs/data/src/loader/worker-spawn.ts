import * as path from 'node:path';
import { Worker, type TransferListItem } from 'node:worker_threads';

/** True when this file runs from TypeScript source (jest), false from dist. */
const FROM_SOURCE = path.extname(__filename) === '.ts';

/**
 * Bootstrap evaluated in the worker. From dist it only requires worker-main.js. From source it
 * first teaches `require` to compile `.ts` with @swc/core (same options as the jest preset) and
 * runs with the `@det/source` export condition so `@det/*` resolve to their sources too.
 */
function bootstrapCode(entry: string): string {
  const load = `require(${JSON.stringify(entry)});`;
  const hook = FROM_SOURCE ? tsHook() : '';
  // A synchronous caller is blocked on the signal: answer it even when start-up itself fails.
  return `try {${hook}
${load}
} catch (err) {
  const { workerData } = require('node:worker_threads');
  if (!workerData || workerData.task !== 'call') throw err;
  workerData.port.postMessage({ ok: false, error: 'worker start-up failed: ' + (err && err.stack || err) });
  Atomics.store(workerData.signal, 0, 1);
  Atomics.notify(workerData.signal, 0);
}`;
}

function tsHook(): string {
  const swcPath = require.resolve('@swc/core');
  return `
const fs = require('node:fs');
const swc = require(${JSON.stringify(swcPath)});
require.extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename, sourceMaps: 'inline', module: { type: 'commonjs' },
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022',
           transform: { legacyDecorator: true, decoratorMetadata: true } },
  });
  module._compile(code, filename);
};`;
}

/** Starts a det worker thread running worker-main with `workerData`. */
export function spawnDetWorker(workerData: unknown, transferList: TransferListItem[] = []): Worker {
  const entry = path.join(__dirname, `worker-main${FROM_SOURCE ? '.ts' : '.js'}`);
  return new Worker(bootstrapCode(entry), {
    eval: true,
    workerData,
    transferList,
    execArgv: FROM_SOURCE ? [...process.execArgv.filter((a) => !a.startsWith('--conditions')), '--conditions=@det/source'] : undefined,
  });
}
