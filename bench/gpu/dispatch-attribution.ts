import * as tf from '@tensorflow/tfjs-core';

/**
 * Which det/tfjs call site each WebGPU dispatch comes from (step-bench `retinanet --attribute`):
 * every dispatch is labelled with the op that recorded it — `fwd:<kernel>@<callers>` for the
 * forward pass, `bwd:<kernel>@<callers of its forward>` for the gradient of a taped op — so a
 * step's dispatch count can be traced to the code that makes it.
 */
export interface DispatchAttribution {
  /** label of the op being recorded now */
  current(): string;
  uninstall(): void;
}

// frames that say nothing about the caller: tfjs's op plumbing, the engine, these wrappers
const PLUMBING = /(_op$|_$)|^(_?Engine|_WebGPUBackend|scopedRun|tidy|makeTensor|convertToTensor|tensor\d?d?|scalar|fill|runKernel|Object\.|Array\.|new |Proxy|kernelFunc|gradFunc|backpropagate|gradients|Function|Generator|process|async|Promise|callSite)/;

function callSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(2).map((l) => /at (\S+) \(/.exec(l.trim())?.[1]);
  return frames.filter((f): f is string => !!f && !PLUMBING.test(f)).slice(0, 4).join('<');
}

type TapeNode = { kernelName: string; gradient?: (dy: unknown) => Record<string, () => unknown> };
type EngineLike = {
  runKernel: (...args: unknown[]) => unknown;
  addTapeNode: (...args: unknown[]) => unknown;
  state: { activeTape: TapeNode[] | null };
};

export function installDispatchAttribution(): DispatchAttribution {
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const engine = tf.engine() as unknown as EngineLike;
  const { runKernel, addTapeNode } = engine;
  let label = 'other';
  engine.runKernel = function (this: unknown, ...args: unknown[]) {
    const outer = label;
    if (!outer.startsWith('bwd')) label = `fwd:${String(args[0])}@${callSite()}`;
    try { return runKernel.apply(this, args); } finally { label = outer; }
  };
  engine.addTapeNode = function (this: EngineLike, ...args: unknown[]) {
    const result = addTapeNode.apply(this, args);
    const tape = this.state.activeTape;
    const node = tape?.[tape.length - 1];
    const gradient = node?.gradient;
    if (node && gradient) {
      const own = `bwd:${node.kernelName}@${label.split('@')[1] ?? callSite()}`;
      const within = <T>(f: () => T): T => { const outer = label; label = own; try { return f(); } finally { label = outer; } };
      node.gradient = (dy: unknown) => {
        const closures = within(() => gradient(dy));
        return Object.fromEntries(Object.entries(closures).map(([k, f]) => [k, () => within(f)]));
      };
    }
    return result;
  };
  return {
    current: () => label,
    uninstall: () => { Object.assign(engine, { runKernel, addTapeNode }); Error.stackTraceLimit = previousLimit; },
  };
}
