import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { DetError } from '@det/registry';
import { spawnDetWorker } from './worker-spawn';

/**
 * Runs `await require(modulePath)[fn](...args)` in a worker thread and blocks until it finishes.
 * Lets synchronous code (a dataset constructor) depend on async work such as sharp encodes.
 */
export function runInWorkerSync<T>(modulePath: string, fn: string, args: unknown[], timeoutMs = 30 * 60_000): T {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = spawnDetWorker({ task: 'call', modulePath, fn, args, port: port2, signal }, [port2]);
  try {
    const state = Atomics.wait(signal, 0, 0, timeoutMs);
    if (state === 'timed-out') throw new DetError(`worker call ${fn}() in '${modulePath}' did not finish in ${timeoutMs / 1000} s`);
    const reply = receiveMessageOnPort(port1)?.message as { ok: boolean; value?: T; error?: string } | undefined;
    if (!reply) throw new DetError(`worker call ${fn}() in '${modulePath}' ended without a reply`);
    if (!reply.ok) throw new DetError(reply.error ?? `worker call ${fn}() failed`);
    return reply.value as T;
  } finally {
    port1.close();
    // Let it exit on its own so its last log lines still reach stderr; never keep the process alive.
    worker.unref();
  }
}
