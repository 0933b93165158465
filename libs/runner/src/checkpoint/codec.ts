import { DetError, decodeSafetensors, encodeSafetensors, type NamedArray } from '@det/registry';
import { isNamedArray } from '../optim/state-arrays';
import type { OptimizerStateDict } from '../optim/optimizer';

/** Everything a det checkpoint holds, with tensors as plain arrays. */
export interface CheckpointContent {
  stateDict: Record<string, NamedArray>;
  optimizer?: OptimizerStateDict;
  /** epoch, iter, config, env, hookStates, rng, lrState, hookMsgs, … */
  meta: Record<string, unknown>;
}

const FORMAT_VERSION = 1;
const REF = '$tensor';

/** Moves NamedArray leaves of `value` into `out` under `prefix.path`, leaving `{ $tensor: name }`. */
function extractArrays(value: unknown, prefix: string, out: Record<string, NamedArray>): unknown {
  if (isNamedArray(value)) {
    out[prefix] = value;
    return { [REF]: prefix };
  }
  if (Array.isArray(value)) return value.map((v, i) => extractArrays(v, `${prefix}.${i}`, out));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, extractArrays(v, `${prefix}.${k}`, out)]));
  }
  return value;
}

function restoreArrays(value: unknown, tensors: Record<string, NamedArray>, source: string): unknown {
  if (Array.isArray(value)) return value.map((v) => restoreArrays(v, tensors, source));
  if (value && typeof value === 'object') {
    const ref = (value as Record<string, unknown>)[REF];
    if (typeof ref === 'string') {
      if (!tensors[ref]) throw new DetError(`${source}: checkpoint refers to tensor '${ref}' that the file does not hold`);
      return tensors[ref];
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreArrays(v, tensors, source)]));
  }
  return value;
}

/** One safetensors file: `state_dict.<name>`, `optimizer.<…>`, `meta.<…>` tensors + JSON under metadata `det`. */
export function encodeCheckpoint(content: CheckpointContent): Uint8Array {
  const tensors: Record<string, NamedArray> = {};
  for (const [name, arr] of Object.entries(content.stateDict)) tensors[`state_dict.${name}`] = arr;
  const optimizer = content.optimizer ? extractArrays(content.optimizer, 'optimizer', tensors) : undefined;
  const meta = extractArrays(content.meta, 'meta', tensors);
  const det = JSON.stringify({ format: FORMAT_VERSION, meta, optimizer });
  return encodeSafetensors(tensors, { det, format: 'det' });
}

export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): CheckpointContent {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const stateDict: Record<string, NamedArray> = {};
  for (const [name, arr] of Object.entries(tensors)) {
    if (name.startsWith('state_dict.')) stateDict[name.slice('state_dict.'.length)] = arr;
  }
  if (!metadata.det) {
    // A plain weights file (e.g. converted from PyTorch): weights only, names as stored.
    const plain = Object.keys(stateDict).length ? stateDict : tensors;
    return { stateDict: plain, meta: {} };
  }
  let parsed: { format?: number; meta?: unknown; optimizer?: unknown };
  try {
    parsed = JSON.parse(metadata.det);
  } catch (e) {
    throw new DetError(`${source}: metadata 'det' is not JSON (${(e as Error).message})`);
  }
  if (parsed.format !== FORMAT_VERSION) {
    throw new DetError(`${source}: checkpoint format ${parsed.format} is not supported (expected ${FORMAT_VERSION})`);
  }
  return {
    stateDict,
    meta: (restoreArrays(parsed.meta ?? {}, tensors, source) as Record<string, unknown>) ?? {},
    optimizer: parsed.optimizer ? (restoreArrays(parsed.optimizer, tensors, source) as OptimizerStateDict) : undefined,
  };
}
