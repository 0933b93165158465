import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { getLogger } from '@det/registry';
import { COMMANDS } from './commands';
import { reportError } from './error-handler';
import { processIO, setCliIO, type CliIO } from './io';

/** Version of @det/cli (package.json sits one folder above both src/ and dist/). */
export function cliVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
}

/** The `det` program with every command from commands/index.ts; output goes to `io`. */
export function buildProgram(io: CliIO = processIO): Command {
  const program = new Command('det')
    .description('Train, test and run object detectors (MMDetection 2.x architecture, in Node.js)')
    .version(cliVersion(), '-V, --version', 'print the det version')
    .option('--debug', 'show stack traces of errors')
    .showHelpAfterError('(add --help for usage)')
    // Subcommands created afterwards inherit both settings, so commander never calls process.exit.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs `det` with `argv` (the arguments after `det`); resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const previous = setCliIO(io);
  if (argv.includes('--debug')) getLogger().level = 'debug';
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, io, argv.includes('--debug'));
  } finally {
    setCliIO(previous);
  }
}

// Started through bin/det.js (or `node dist/main.js`): run and exit with the command's code.
const launchedAsCli = require.main === module || require.main?.filename === path.join(__dirname, '..', 'bin', 'det.js');
if (launchedAsCli) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`det: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
