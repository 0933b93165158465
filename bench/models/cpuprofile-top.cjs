#!/usr/bin/env node
// Prints the functions with the most self time in a V8 .cpuprofile (from `node --cpu-prof`).
// Usage: node bench/models/cpuprofile-top.cjs FILE.cpuprofile [--top 25]
const fs = require('node:fs');
const path = require('node:path');

const file = process.argv[2];
if (!file) throw new Error('usage: cpuprofile-top.cjs FILE.cpuprofile [--top N]');
const topIdx = process.argv.indexOf('--top');
const top = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 25;
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));

// Samples are node ids; timeDeltas[i] is the time before sample i (microseconds).
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byFunction = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  total += us;
  const f = node.callFrame;
  const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '(native)';
  const key = `${f.functionName || '(anonymous)'}  ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const rows = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`total sampled ${(total / 1000).toFixed(0)} ms (main thread only; addon worker threads are not sampled)`);
for (const [key, us] of rows) console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
