import type { Worker } from 'node:worker_threads';
import { DetError, type ComponentConfig } from '@det/registry';
import { spawnDetWorker } from './worker-spawn';
import type { LoadReply, LoadRequest } from './worker-main';

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

interface Slot { worker: Worker; inFlight: Map<number, Pending>; dead?: Error }

/**
 * Worker threads that each rebuild the dataset from its config and run the pipeline for the
 * samples they are sent; results come back with their buffers transferred. A worker that fails
 * rejects its jobs with the error, never leaving the consumer waiting.
 */
export class WorkerPool {
  private readonly slots: Slot[];
  private nextJob = 0;

  constructor(numWorkers: number, dataset: ComponentConfig, imports: string[] = []) {
    this.slots = Array.from({ length: numWorkers }, () => this.start(dataset, imports));
  }

  /** Runs dataset.getItem(index, new Rng(seed)) on the least busy worker. */
  load(index: number, seed: number): Promise<unknown> {
    const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    if (slot.dead) return Promise.reject(slot.dead);
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      slot.inFlight.set(job, { resolve, reject });
      slot.worker.ref(); // keep the process alive while work is pending
      slot.worker.postMessage({ type: 'load', job, index, seed } satisfies LoadRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private start(dataset: ComponentConfig, imports: string[]): Slot {
    const slot: Slot = { worker: spawnDetWorker({ task: 'loader', dataset, imports }), inFlight: new Map() };
    const settle = (job: number, fn: (p: Pending) => void) => {
      const p = slot.inFlight.get(job);
      slot.inFlight.delete(job);
      if (slot.inFlight.size === 0) slot.worker.unref(); // idle workers must not keep the process alive
      if (p) fn(p);
    };
    const fail = (err: Error) => {
      slot.dead ??= err;
      for (const job of [...slot.inFlight.keys()]) settle(job, (p) => p.reject(err));
    };
    slot.worker.unref();
    slot.worker.on('message', (msg: LoadReply) => {
      if (msg.type === 'sample') settle(msg.job, (p) => p.resolve(msg.sample));
      else if (msg.type === 'error') settle(msg.job, (p) => p.reject(new DetError(msg.message)));
      else fail(new DetError(msg.message));
    });
    slot.worker.on('error', (err) => fail(new DetError(`data loader worker crashed: ${err.message}`)));
    slot.worker.on('exit', (code) => fail(new DetError(`data loader worker exited (code ${code})`)));
    return slot;
  }
}
