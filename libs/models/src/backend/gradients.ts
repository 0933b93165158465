import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { nativeBuildCommand, nativeBuildDir } from '../kernels/native-addon';
import { registerReduceGradients } from './reduce-gradients';
import { DET_GRADIENT_FIXES, registerGradientFixes } from './gradient-fixes';
import { installGradient } from './kernel-registry';
import { installBatchNormGradient } from '../kernels/native-batchnorm';

const BUNDLE = 'register-gradients.cjs';

/** A few stock gradients whose presence means the full set is registered already. */
const PROBES = [tf.Conv2D, tf.Conv2DBackpropInput, tf.Relu, tf.Mean, tf.FusedBatchNorm, tf.Add, tf.BatchMatMul];

let loaded = false;

/** The gradients det installs whatever was registered before (see ensureGradients). */
const ALWAYS_DET = new Set<string>([tf.Sum, tf.Mean, ...DET_GRADIENT_FIXES.map((g) => g.kernelName)]);

/**
 * Registers tfjs's gradient definitions exactly once. The CommonJS tfjs-core bundle that Node
 * loads registers none, and `@tensorflow/tfjs-core/dist/register_all_gradients` is ESM that
 * neither Node nor jest can require, so det uses a CommonJS bundle of it made by
 * `libs/models/native/build.js` at install (or made here on first use when esbuild is present).
 * Gradients something else registered before (a plugin's custom gradient) are kept, except
 * Sum and Mean, which det always replaces with equal ones that allocate nothing on the host
 * (`reduce-gradients.ts`), and the ones tfjs gets wrong or lacks (`gradient-fixes.ts`).
 */
export function ensureGradients(): void {
  if (loaded) return;
  if (PROBES.every((name) => tf.getGradient(name) != null)) {
    registerReduceGradients();
    registerGradientFixes();
    installBatchNormGradient(); // fused where a backend registers the kernel, tfjs's elsewhere
    loaded = true;
    return;
  }
  const before = new Map<string, tf.GradConfig>();
  for (const name of kernelNames()) {
    const config = tf.getGradient(name);
    if (config) before.set(name, config);
  }
  const prebuilt = path.join(nativeBuildDir(), BUNDLE);
  const file = fs.existsSync(prebuilt) ? prebuilt : bundleNow();
  require(file);
  if (tf.getGradient(tf.Conv2D) == null) throw new DetError(`loading ${file} registered no tfjs gradients`);
  registerReduceGradients();
  registerGradientFixes();
  installBatchNormGradient();
  for (const config of before.values()) if (!ALWAYS_DET.has(config.kernelName)) installGradient(config);
  loaded = true;
}

/** tfjs exports every kernel name as a constant whose value is its own name (`Conv2D = 'Conv2D'`). */
function kernelNames(): string[] {
  return Object.entries(tf).filter(([key, value]) => typeof value === 'string' && key === value).map(([key]) => key);
}

function bundleNow(): string {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = require('esbuild');
  } catch {
    throw new DetError(
      `tfjs gradients are not registered and ${path.join(nativeBuildDir(), BUNDLE)} is missing: ` +
      `run \`${nativeBuildCommand()}\` (needs the esbuild package) or reinstall @det/models`);
  }
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'det-grads-')), BUNDLE);
  esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
  return out;
}
