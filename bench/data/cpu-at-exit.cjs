// Preloaded into the measured `det train` (node -r): writes the process's CPU time (all threads,
// loader workers included) to $DET_BENCH_CPU_FILE when it exits.
'use strict';
const fs = require('node:fs');

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  if (process.env.DET_BENCH_CPU_FILE) fs.writeFileSync(process.env.DET_BENCH_CPU_FILE, String((user + system) / 1e6));
});
