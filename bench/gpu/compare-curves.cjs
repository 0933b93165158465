#!/usr/bin/env node
// Compares the training loss curves of two `det train` runs (their .log.json files), e.g. the
// demo config on webgpu vs wasm at the same seed (docs/webgpu.md, "det's own detectors on
// webgpu vs the host backends"):
//   node bench/gpu/compare-curves.cjs .tmp/wwebgpu .tmp/wwasm [--iters 50]
// Prints the loss per iteration of both, the largest relative difference over iterations 1–10
// (where float32 summation order is the only difference) and the means of the last 10.
const fs = require('node:fs');
const path = require('node:path');

function losses(dir) {
  const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log.json')).sort();
  if (logs.length === 0) throw new Error(`${dir}: no .log.json (the work dir of a det train run)`);
  const out = new Map();
  for (const line of fs.readFileSync(path.join(dir, logs[logs.length - 1]), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    if (r.mode === 'train' && typeof r.loss === 'number') out.set(r.iter, r.loss);
  }
  return out;
}

const args = process.argv.slice(2);
const [a, b] = args.filter((x) => !x.startsWith('--'));
if (!a || !b) { console.error('usage: compare-curves.cjs WORK_DIR_A WORK_DIR_B [--iters 50]'); process.exit(2); }
const iters = Number(args[args.indexOf('--iters') + 1]) || 50;
const la = losses(a), lb = losses(b);
const rel = (i) => Math.abs(la.get(i) - lb.get(i)) / Math.abs(lb.get(i));
const mean = (m, from, to) => { let s = 0, n = 0; for (let i = from; i <= to; i++) if (m.has(i)) { s += m.get(i); n++; } return s / n; };
console.log(`iter  ${path.basename(a).padStart(10)}  ${path.basename(b).padStart(10)}`);
for (const i of [1, 2, 3, 5, 10, 20, 30, 40, 50].filter((i) => i <= iters && la.has(i) && lb.has(i))) {
  console.log(`${String(i).padStart(4)}  ${la.get(i).toFixed(5).padStart(10)}  ${lb.get(i).toFixed(5).padStart(10)}`);
}
const early = [...Array(10).keys()].map((i) => i + 1).filter((i) => la.has(i) && lb.has(i));
console.log(`max relative difference, iterations 1-10: ${Math.max(...early.map(rel)).toExponential(2)}`);
console.log(`mean loss, iterations ${iters - 9}-${iters}: ${mean(la, iters - 9, iters).toFixed(4)} vs ${mean(lb, iters - 9, iters).toFixed(4)}`);
