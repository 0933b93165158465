#!/usr/bin/env node
// Train-step benchmark of the reference network (see network.js) on det's tfjs backends, and
// optionally on PyTorch side by side. Usage:
//   node bench/train-step/run.js [--backend native,wasm,cpu] [--steps 10] [--warmup 2]
//        [--batch 2] [--size 320] [--classes 20] [--threads 2] [--bn fused|ops] [--vs-torch] [--profile]
'use strict';
require('./ts-source');

const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { stepFlops, buildNetwork, makeBatch } = require('./network');

function parseArgs(argv) {
  const opts = { bn: 'fused', backend: 'native', steps: 10, warmup: 2, batch: 2, size: 320, classes: 20, threads: 2, vsTorch: false, profile: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--backend') opts.backend = next();
    else if (a === '--steps') opts.steps = Number(next());
    else if (a === '--warmup') opts.warmup = Number(next());
    else if (a === '--batch') opts.batch = Number(next());
    else if (a === '--size') opts.size = Number(next());
    else if (a === '--classes') opts.classes = Number(next());
    else if (a === '--threads') opts.threads = Number(next());
    else if (a === '--bn') opts.bn = next();
    else if (a === '--vs-torch') opts.vsTorch = true;
    else if (a === '--profile') opts.profile = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

/** Wraps every kernel of `backendName` to accumulate wall time per kernel name. */
function profileKernels(tf, backendName) {
  const totals = new Map();
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: (args) => {
      const t0 = process.hrtime.bigint();
      const out = inner(args);
      // Large outputs get their own row: they are the memory-bound calls worth fusing.
      const first = Array.isArray(out) ? out[0] : out;
      const big = first && first.shape && first.shape.reduce((a, b) => a * b, 1) >= 100000;
      const key = big ? `${config.kernelName} (≥1e5)` : config.kernelName;
      const entry = totals.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      entry.calls += 1;
      totals.set(key, entry);
      return out;
    } });
  }
  return totals;
}

async function benchTfjs(backend, opts) {
  process.env.DET_NATIVE_THREADS = String(opts.threads);
  const tf = require('@tensorflow/tfjs-core');
  const { selectBackend } = require('../../libs/models/src/backend/select-backend.ts');
  const actual = await selectBackend(backend);
  const totals = opts.profile ? profileKernels(tf, actual) : undefined;
  const net = buildNetwork(tf, { numClasses: opts.classes, bn: opts.bn });
  const { x, targets } = makeBatch(tf, { batch: opts.batch, size: opts.size, numClasses: opts.classes });
  const optimizer = tf.train.momentum(0.01, 0.9);
  const varList = Object.values(net.params);
  const step = () => {
    const loss = optimizer.minimize(() => net.loss(x, targets), true, varList);
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  };
  for (let i = 0; i < opts.warmup; ++i) step();
  if (totals) totals.clear();
  const times = [];
  let loss = NaN;
  // CPU time (all threads) is reported too: on a shared machine it is steadier than wall time.
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < opts.steps; ++i) {
    const t0 = process.hrtime.bigint();
    loss = step();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1e3 / opts.steps;
  if (totals) {
    const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
    console.log(`kernel profile (${actual}, ms per step):`);
    for (const [name, { ms, calls }] of rows) console.log(`  ${name.padEnd(32)} ${(ms / opts.steps).toFixed(1).padStart(8)} ms  ${(calls / opts.steps).toFixed(0)} calls`);
  }
  optimizer.dispose();
  return { backend: actual, ms: median(times), minMs: Math.min(...times), cpuMs, loss };
}

function benchTorch(opts) {
  const script = path.join(__dirname, 'torch_step.py');
  // Passive OpenMP waiting: busy-waiting threads would inflate PyTorch's CPU time (and steal the
  // cores from each other) on a shared machine; det's pool also sleeps while idle.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const res = spawnSync('/usr/bin/python3', [script, JSON.stringify(opts)], { encoding: 'utf8', env });
  if (res.status !== 0) throw new Error(`PyTorch bench failed (install with \`apt-get install -y python3-torch\`):\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const flops = stepFlops({ batch: opts.batch, size: opts.size, numClasses: opts.classes });
  console.log(`reference network: batch ${opts.batch}, ${opts.size}×${opts.size}, ${opts.classes} classes; ` +
    `${(flops / 1e9).toFixed(2)} GFLOP per training step; ${opts.threads} threads; median of ${opts.steps} steps after ${opts.warmup} warm-up`);
  const results = [];
  for (const backend of opts.backend.split(',')) {
    const r = await benchTfjs(backend, opts);
    results.push(r);
    console.log(`det/${r.backend.padEnd(8)} ${r.ms.toFixed(1).padStart(9)} ms/step  ${(flops / r.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s  ` +
      `(fastest ${r.minMs.toFixed(0)})  cpu ${r.cpuMs.toFixed(0)} ms/step  loss ${r.loss.toFixed(4)}`);
  }
  if (opts.vsTorch) {
    const t = benchTorch(opts);
    console.log(`pytorch ${t.version.padEnd(9)}${t.ms.toFixed(1).padStart(9)} ms/step  ${(flops / t.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s  ` +
      `(fastest ${t.minMs.toFixed(0)})  cpu ${t.cpuMs.toFixed(0)} ms/step  loss ${t.loss.toFixed(4)}  (${t.threads} threads)`);
    for (const r of results) {
      console.log(`ratio det/${r.backend} : pytorch = ${(r.ms / t.ms).toFixed(2)}× wall (median), ` +
        `${(r.minMs / t.minMs).toFixed(2)}× fastest step, ${(r.cpuMs / t.cpuMs).toFixed(2)}× cpu time`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
