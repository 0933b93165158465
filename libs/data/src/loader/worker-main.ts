// Entry of det worker threads (started by spawnDetWorker). Two jobs: run one async function for
// a blocked synchronous caller, or serve samples of a dataset to a DataLoader.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DATASETS, Rng, type ComponentConfig } from '@det/registry';
import type { DetDataset } from '../datasets/types';
import { transferables } from './transfer';

interface CallTask { task: 'call'; modulePath: string; fn: string; args: unknown[]; port: MessagePort; signal: Int32Array }
interface LoaderTask { task: 'loader'; dataset: ComponentConfig; imports: string[] }

/** Messages of the loader protocol. */
export interface LoadRequest { type: 'load'; job: number; index: number; seed: number }
export type LoadReply =
  | { type: 'sample'; job: number; sample: unknown }
  | { type: 'error'; job: number; message: string }
  | { type: 'fatal'; message: string };

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function runCall(t: CallTask): Promise<void> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const value = await require(t.modulePath)[t.fn](...t.args);
    t.port.postMessage({ ok: true, value });
  } catch (err) {
    t.port.postMessage({ ok: false, error: errorText(err) });
  } finally {
    Atomics.store(t.signal, 0, 1);
    Atomics.notify(t.signal, 0);
  }
}

function runLoader(t: LoaderTask): void {
  const port = parentPort!;
  let dataset: DetDataset;
  try {
    // Side-effect imports register the data package's classes (and any plugin the user names).
    require('../index');
    for (const m of t.imports) require(m);
    dataset = DATASETS.build<DetDataset>(t.dataset, { keyPath: 'data loader worker dataset' });
  } catch (err) {
    port.postMessage({ type: 'fatal', message: `worker could not build the dataset: ${errorText(err)}` } satisfies LoadReply);
    return;
  }
  port.on('message', (msg: LoadRequest) => {
    dataset.getItem(msg.index, new Rng(msg.seed)).then(
      (sample) => port.postMessage({ type: 'sample', job: msg.job, sample } satisfies LoadReply, transferables(sample)),
      (err) => port.postMessage({ type: 'error', job: msg.job, message: errorText(err) } satisfies LoadReply),
    );
  });
}

const task = workerData as CallTask | LoaderTask;
if (task?.task === 'call') void runCall(task);
else if (task?.task === 'loader') runLoader(task);
