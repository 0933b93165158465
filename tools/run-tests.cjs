#!/usr/bin/env node
// The whole test suite: every project's jest target through Nx (cached in .nx/cache), then one
// summary line over all projects so CI logs end with "Tests: N passed, N failed".
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nxArgs = ['nx', 'run-many', '-t', 'test', '--parallel=2', '--outputStyle=stream', ...process.argv.slice(2)];
const run = spawnSync('npx', nxArgs, { cwd: root, stdio: 'inherit' });

let passed = 0, failed = 0, skipped = 0;
const projects = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces;
for (const pattern of projects) {
  const base = path.join(root, pattern.replace(/\/\*$/, ''));
  if (!fs.existsSync(base)) continue;
  for (const dir of fs.readdirSync(base)) {
    const file = path.join(base, dir, '.test-results', 'jest.json');
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
}
const code = run.status ?? 1;
console.log(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (code !== 0) console.log(`nx run-many exited with ${code}`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
