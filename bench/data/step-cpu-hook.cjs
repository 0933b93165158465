// Preload (node -r) for benches that print one "step N: ..." line per step (bench/models step with
// DET_BENCH_VERBOSE=1): appends the process CPU time (all threads) spent since the previous line.
'use strict';
let last = process.cpuUsage();
const orig = console.log;
console.log = (...a) => {
  const now = process.cpuUsage(last); last = process.cpuUsage();
  if (typeof a[0] === 'string' && a[0].includes('step ')) a[0] += `, cpu ${((now.user + now.system) / 1000).toFixed(0)} ms`;
  orig(...a);
};
