#!/usr/bin/env node
// Runs jest for the project in the current folder and keeps its JSON results in
// .test-results/jest.json (an Nx output, so cached runs still count in the summary).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

fs.mkdirSync('.test-results', { recursive: true });
const jestBin = require.resolve('jest/bin/jest');
const args = [jestBin, '--json', '--outputFile=.test-results/jest.json', ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: process.cwd() });
process.exit(r.status ?? 1);
