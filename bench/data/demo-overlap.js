// How much of a `det demo` training iteration waits for data: runs `det train` on the demo
// config (configs/synthetic/demo_synthetic.ts) for a few dozen iterations per loader worker
// count and reads `data_time` / `time` from the run's .log.json. Runs the built CLI (dist).
// Usage: see bench/README.md (data section).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '../..');
const CONFIG = process.env.DET_BENCH_CONFIG ?? 'configs/synthetic/demo_synthetic.ts';
const WORKERS = (process.env.DET_BENCH_WORKERS ?? '0,1,2').split(',').map(Number);
const ITERS = Number(process.env.DET_BENCH_ITERS ?? 100);
const INTERVAL = Number(process.env.DET_BENCH_INTERVAL ?? 10);
// Rounds alternate the worker counts so a change in the machine's load hits all of them alike.
const ROUNDS = Number(process.env.DET_BENCH_ROUNDS ?? 1);
const EXTRA = (process.env.DET_BENCH_CFG ?? '').split(/\s+/).filter(Boolean);

function train(workers, round) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `det-overlap-w${workers}-`));
  const cpuFile = path.join(workDir, 'cpu-seconds');
  const args = [
    '-r', path.join(__dirname, 'cpu-at-exit.cjs'), path.join(REPO, 'apps/cli/bin/det.js'), 'train', CONFIG, '--work-dir', workDir, '--no-validate',
    '--cfg-options', `runner.maxIters=${ITERS}`, `logConfig.interval=${INTERVAL}`,
    `checkpointConfig.interval=${ITERS * 10}`, `data.workersPerGpu=${workers}`, ...EXTRA,
  ];
  const t0 = performance.now();
  const out = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, DET_BENCH_CPU_FILE: cpuFile } });
  const wall = (performance.now() - t0) / 1000;
  if (out.status !== 0) throw new Error(`det train (workers ${workers}) failed:\n${out.stderr || out.stdout}`);
  const logFile = fs.readdirSync(workDir).find((f) => f.endsWith('.log.json'));
  if (!logFile) throw new Error(`no .log.json in ${workDir}`);
  const cpu = Number(fs.readFileSync(cpuFile, 'utf8'));
  const rows = fs.readFileSync(path.join(workDir, logFile), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.mode === 'train' && typeof r.data_time === 'number');
  fs.rmSync(workDir, { recursive: true, force: true });
  // The first interval holds start-up (first batch without prefetch, kernel warm-up).
  const steady = rows.slice(1);
  if (!steady.length) throw new Error(`workers ${workers}: fewer than two log intervals (iters ${ITERS}, interval ${INTERVAL})`);
  const mean = (k) => steady.reduce((a, r) => a + r[k], 0) / steady.length;
  const dataTime = mean('data_time');
  const time = mean('time');
  const worst = Math.max(...steady.map((r) => r.data_time / r.time));
  if (process.env.DET_BENCH_VERBOSE) {
    console.log(rows.map((r) => `  iter ${r.iter}: data_time ${(r.data_time * 1000).toFixed(1)} ms, time ${(r.time * 1000).toFixed(0)} ms`).join('\n'));
  }
  return { workers, round, dataTime, time, share: dataTime / time, worst, first: rows[0].data_time, wall, cpu, intervals: steady.length };
}

function main() {
  console.log(`det train ${CONFIG}: ${ITERS} iters, log interval ${INTERVAL}, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log('workers  round  data_time   time     data share  worst interval  first interval data_time  run wall  run CPU');
  const results = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const workers of WORKERS) {
      const r = train(workers, round);
      results.push(r);
      console.log(`${String(workers).padStart(7)}  ${String(round).padStart(5)}  ${(r.dataTime * 1000).toFixed(1).padStart(7)} ms  ${(r.time * 1000).toFixed(0).padStart(5)} ms  ${(r.share * 100).toFixed(1).padStart(8)} %  ${(r.worst * 100).toFixed(1).padStart(12)} %  ${(r.first * 1000).toFixed(0).padStart(20)} ms  ${r.wall.toFixed(0).padStart(6)} s  ${r.cpu.toFixed(1).padStart(6)} s`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const workers of WORKERS) {
    const mine = results.filter((r) => r.workers === workers);
    console.log(`workers ${workers}: median over ${mine.length} run(s): data share ${(median(mine.map((r) => r.share)) * 100).toFixed(1)} %, ` +
      `time ${(median(mine.map((r) => r.time)) * 1000).toFixed(0)} ms/iter, data_time ${(median(mine.map((r) => r.dataTime)) * 1000).toFixed(1)} ms/iter, run CPU ${median(mine.map((r) => r.cpu)).toFixed(1)} s`);
  }
  console.log(`load average at the end ${os.loadavg()[0].toFixed(1)}`);
}

main();
